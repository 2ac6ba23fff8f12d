"""`make run`: a city's hotline on an in-process AWS emulator (moto), driven through a scripted day.

The local cloud that serves the API on :3000 is the next step (see README, "Status"); until it
lands this runs the real handlers, domain and DynamoDB access on moto and prints what happened.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from datetime import datetime
from zoneinfo import ZoneInfo

from moto import mock_aws


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--city", default=os.environ.get("CITY", "tianjin"))
    args = ap.parse_args()
    os.environ.update(
        HOTLINE_CITY=args.city,
        TABLE_NAME=f"hotline-{args.city}-tickets",
        AWS_DEFAULT_REGION="ap-southeast-1",
        AWS_ACCESS_KEY_ID="local",
        AWS_SECRET_ACCESS_KEY="local",  # noqa: S106 - the emulator takes any credential
        POWERTOOLS_LOG_LEVEL="WARNING",
        POWERTOOLS_METRICS_DISABLED="true",  # EMF lines belong in CloudWatch, not on this screen
    )
    warnings.filterwarnings("ignore", message="No application metrics")
    t0 = time.monotonic()
    print(f"==> starting the {args.city} hotline on the embedded emulator (moto)")
    with mock_aws():
        from hotline.adapters import runtime
        from hotline.config.loader import CityConfigError
        from hotline.dal.models import TicketItem
        from hotline_local.gateway import call, staff

        try:
            svc = runtime.services()
        except CityConfigError as exc:
            print(exc, file=sys.stderr)
            return 2
        TicketItem.create_table(wait=True)
        cfg, tz = svc.config, ZoneInfo(svc.config.timezone)
        print(f"==> {cfg.name}: {len(cfg.units)} units, {len(cfg.routing)} routes ({time.monotonic() - t0:.1f}s)")

        def at(*a: int) -> None:
            runtime.set_clock(datetime(*a, tzinfo=tz))  # type: ignore[misc]

        def show(who: str, what: str, out: dict) -> None:
            print(f"  {runtime.now():%a %m-%d %H:%M}  {who:<22} {what:<18} -> {out.get('status', out)}")

        at(2026, 11, 2, 9, 30)
        d = cfg.districts[0]
        status, filed = call("POST", "/requests", {
            "channel": cfg.channels[0].value, "type": "help", "content": "小区楼道灯坏了一个月没人修",
            "category": "property", "citizen": {"phone": "13800138000"}, "location": {"district": d.code},
        })  # fmt: skip
        assert status == 201, filed
        t = filed["tickets"][0]
        print(f"\nRequest {filed['request_id']} (query code {filed['query_code']}) in {d.name}:")
        show("citizen via " + cfg.channels[0].value, "file", t)
        lead = t["lead_unit"] or cfg.units[1].id
        if t["status"] == "pending_dispatch":
            _, out = call("POST", f"/tickets/{t['ticket_id']}/actions", {"action": "dispatch", "lead_unit": lead},
                          claims=staff("dispatcher"))  # fmt: skip
            show("dispatcher", "dispatch", out)
        unit = staff("unit", lead)
        tid = t["ticket_id"]
        for assist in t["assist_units"]:
            at(2026, 11, 2, 11)
            _, out = call("POST", f"/tickets/{tid}/actions", {"action": "submit_assist", "text": "已配合现场核查"},
                          claims=staff("unit", assist))  # fmt: skip
            show(assist, "submit_assist", out)
        at(2026, 11, 2, 10, 15)
        _, out = call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=unit)
        show(lead, "sign", out)
        at(2026, 11, 2, 11)
        _, out = call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=unit)
        show(lead, "sign again", out)
        at(2026, 11, 3, 16)
        _, out = call("POST", f"/tickets/{tid}/actions", {
            "action": "reply", "handled_at": "2026-11-03T15:00:00+08:00", "process": "物业上门更换灯具",
            "result": "楼道灯已修复", "citizen_contacted": True}, claims=unit)  # fmt: skip
        show(lead, "reply", out)
        at(2026, 11, 4, 9)
        _, out = call("POST", f"/requests/{filed['request_id']}/rating",
                      {"ticket_id": tid, "resolved": True, "satisfaction": "satisfied"},
                      query={"query_code": filed["query_code"]})  # fmt: skip
        show("citizen", "rate", out)
        _, final = call("GET", f"/tickets/{tid}", claims=staff("supervisor"))
        print("\nTimeline (append-only events, R-SEC-3):")
        for e in final["events"]:
            print(f"  {e['at']}  {e['actor']:<28} {e['action']:<10} {e['from']} -> {e['to']}")
    print(f"""
Done in {time.monotonic() - t0:.1f}s. Next:
  - another city:      make run CITY=weixi   (hohhot, heze, weixi, baoding, tianjin)
  - the rules it ran:  infra/cities/{args.city}.yaml (every rule cites its article)
  - the stack:         make synth CITY={args.city}  ->  cdk.out/Hotline-{args.city}.template.json
  - the suite:         make test""")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
