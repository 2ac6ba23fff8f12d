"""`make run`: a city's hotline on the embedded local cloud (SPEC §11), until Ctrl-C.

python -m hotline_local.run [--city tianjin] [--port 3000] [--demo]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from hotline.config.loader import CITIES_DIR
from hotline_local.cloud import ROOT, AlreadyRunning, LocalCloud
from hotline_local.deploy import DeployError

STOP_WITHIN = 6.0  # seconds for a clean stop after TERM or INT


class Stopped(BaseException):
    """TERM or INT arrived (a BaseException, so that no `except Exception` on the way swallows it)."""


def guide(info: dict[str, Any], info_file: Path) -> str:
    """What `make run` prints: every curl line works as pasted (tests/local/test_guide.py runs them)."""
    from hotline.config.loader import load_city_file

    api = info["api"]
    channel, key = next((c, v["api_key"]) for c, v in info["channels"].items())
    config = load_city_file(CITIES_DIR / f"{info['city']}.yaml")
    district = config.districts[0].code
    category = next((c.code for c in config.categories if c.code == "water"), config.categories[0].code)
    unit = next((u for u in info["units"] if u.endswith("-water")), next(iter(info["units"])))

    open311 = info["channels"].get("open311", {}).get("api_key")
    street = config.districts[0].streets[0].code if config.districts[0].streets else None

    def token(*keys: str) -> str:
        path = "".join(f'["{k}"]' for k in keys)
        return f'$(python3 -c \'import json; print(json.load(open("{info_file}")){path}["token"])\')'

    return f"""
The {info["city"]} hotline is running on the local cloud.

  Console        {api}/console/   (staff: sign in as any role or unit of the local cloud)
  Public pages   {api}/public/    (citizens: KB search, progress by request number, the report)
  API            {api}            (every route of SPEC §11)
  OpenAPI        {api}/_local/openapi.json, readable at {api}/_local/docs
  Credentials    {info_file}    (channel API keys, staff and unit tokens)
  AWS emulator   {info["emulator"]}  (region {info["region"]}; any access key works)

The catalogue (codes for categories, districts, streets); channel routes need the channel's x-api-key:
  curl -s {api}/catalog -H 'x-api-key: {key}'
File a request as the `{channel}` channel:
  curl -s -X POST {api}/requests -H 'x-api-key: {key}' -H 'content-type: application/json' \\
       -d '{{"type": "complaint", "category": "{category}", "content": "小区停水三天了，一直没人来修",
            "location": {{"district": "{district}"}}, "citizen": {{"phone": "13800138000"}}}}'
A unit's inbox (staff routes need a token from {info_file.name}: units.<unit_id>.token, staff.<role>.token):
  curl -s {api}/units/{unit}/tickets -H "Authorization: Bearer {token("units", unit)}"
The dispatcher's work queues with their counts, then one queue (triage: requests held for a person):
  curl -s {api}/queues -H "Authorization: Bearer {token("staff", "dispatcher")}"
  curl -s {api}/queues/triage -H "Authorization: Bearer {token("staff", "dispatcher")}"
What was sent to a unit (or ?to=<phone> / <topic>):
  curl -s '{api}/_local/outbox?to={unit}'
The three rates this month (?unit_id=, ?district=, ?period=YYYY[-MM]):
  curl -s '{api}/stats/kpi' -H "Authorization: Bearer {token("staff", "supervisor")}"
Hotspots this month, and the public report (no credential):
  curl -s '{api}/stats/hotspots?by=category' -H "Authorization: Bearer {token("staff", "supervisor")}"
  curl -s '{api}/public/report'
{_open311(api, open311, street)}Move time (fires every schedule that fell due; at most 400 days at once):
  curl -s -X POST {api}/_local/clock -d '{{"advance": "PT3H"}}'

Ctrl-C stops everything this started.
"""


def _open311(api: str, key: str | None, street: str | None) -> str:
    """The Open311 lines of the guide, where the city offers the channel (R-O311-1)."""
    if not key or not street:
        return ""
    return f"""Open311 GeoReport v2 (docs/open311.md): the services, then a request filed as civic apps do:
  curl -s {api}/open311/v2/services.json
  curl -s -X POST {api}/open311/v2/requests.json -d api_key={key} -d service_code=roads \\
       -d 'attribute[type]=help' -d 'attribute[street]={street}' --data-urlencode 'description=路口红绿灯不亮了'
  curl -s '{api}/open311/v2/requests.xml?status=open'
"""


def where(demo: bool, port: int | None = None, state_dir: Path | None = None) -> tuple[int, Path]:
    """The port and state folder: `make run`'s are $PORT (3000) and .hotline/; the demo has its own
    folder and a free port, so that it never touches a `make run` beside it."""
    if port is None:
        port = 0 if demo else int(os.environ.get("PORT") or 3000)
    return port, state_dir or ROOT / ".hotline" / ("demo" if demo else "")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--city", default=os.environ.get("CITY", "tianjin"))
    ap.add_argument("--port", type=int, default=None, help="default $PORT or 3000; the demo's a free one")
    ap.add_argument("--state-dir", type=Path, default=None, help="local.json and logs (.hotline/, demo .hotline/demo/)")
    ap.add_argument("--demo", action="store_true", help="play a scripted day, print it, and stop")
    args = ap.parse_args(argv)
    args.port, args.state_dir = where(args.demo, args.port, args.state_dir)
    if not (CITIES_DIR / f"{args.city}.yaml").exists():
        known = ", ".join(sorted(p.stem for p in CITIES_DIR.glob("*.yaml")))
        print(f"unknown city {args.city!r}; the cities are: {known}", file=sys.stderr)
        return 2
    cloud = LocalCloud(args.city, port=args.port, state_dir=args.state_dir, say=lambda s: print(s, flush=True))
    stopping = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        # Raise in the main thread wherever it is (starting, serving, playing the demo): waiting on an
        # Event set from a handler can deadlock on the Event's own lock and leave the port held.
        if not stopping.is_set():
            stopping.set()
            raise Stopped(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    try:
        try:
            info = cloud.start()
        except AlreadyRunning as exc:
            print(str(exc), file=sys.stderr)
            return 1
        except (DeployError, OSError) as exc:
            print(f"the local cloud did not start: {exc}", file=sys.stderr)
            return 1
        if args.demo:
            from hotline_local.demo import Refused, play

            try:
                play(info)
            except Refused as exc:
                print(f"\nthe demo stopped: {exc}", file=sys.stderr, flush=True)
                return 1
            return 0
        print(guide(info, cloud.info_file), flush=True)
        print(json.dumps({"ready": info["api"]}), flush=True)
        while True:
            signal.pause()
    except Stopped:
        print("\nstopping the local cloud…", flush=True)
        return 0
    finally:
        stopping.set()
        shut_down(cloud)


def shut_down(cloud: LocalCloud, within: float = STOP_WITHIN) -> None:
    """Stop the API, the ticker and the emulator; if that hangs, leave anyway (the port goes with us)."""
    done = threading.Thread(target=cloud.stop, daemon=True, name="stopping")
    done.start()
    done.join(within)
    if done.is_alive():
        if cloud.info:
            cloud.info_file.unlink(missing_ok=True)
        print(f"the local cloud did not stop within {within:.0f} s; leaving anyway", file=sys.stderr, flush=True)
        os._exit(1)


if __name__ == "__main__":
    raise SystemExit(main())
