"""A city's whole stack on the embedded emulator: synth → emulator → deploy → identities → API.

Never deployed to AWS; it is how the product is evaluated, developed and checked from outside.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hotline_local import deploy, openapi
from hotline_local.client import StaleInfo, process_start, read_info
from hotline_local.clock import Clock
from hotline_local.emulator import REGION, Emulator
from hotline_local.gateway import DeployedApi, Gateway
from hotline_local.identity import CENTER_ROLES, StaffDirectory

ROOT = Path(__file__).resolve().parents[1]
TICK_SECONDS = 2.0


class AlreadyRunning(RuntimeError):
    pass


class LocalCloud:
    def __init__(
        self,
        city: str,
        port: int = 3000,
        state_dir: Path | None = None,
        say: Callable[[str], None] = print,
        synth_dir: Path | None = None,
    ) -> None:
        self.city, self.port, self.say = city, port, say
        self.state_dir = (state_dir or ROOT / ".hotline").resolve()
        # One synth cache for every state folder (make run, make demo, each test session): it is keyed
        # by a hash of what shapes the template and locked while written.
        self.synth_dir = (synth_dir or ROOT / ".hotline" / "cdk.out").resolve()
        self.clock = Clock()
        self.emulator = Emulator(self.state_dir, lambda: self.clock.now().isoformat())
        self.gateway: Gateway | None = None
        self.info: dict[str, Any] = {}
        self._stop = threading.Event()

    @property
    def info_file(self) -> Path:
        return self.state_dir / "local.json"

    def _step(self, n: int, label: str, work: Callable[[], Any]) -> Any:
        started = time.monotonic()
        self.say(f"==> [{n}/5] {label}…")
        result = work()
        self.say(f"    done in {time.monotonic() - started:.1f}s")
        return result

    def claim(self) -> None:
        """The state folder is this process's: refused if a live local cloud serves from it, and a
        local.json its process left behind (SIGKILL) is replaced, with a message."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            running = read_info(self.info_file)
        except StaleInfo as exc:
            self.say(f"==> {exc}; replacing it")
            self.info_file.unlink(missing_ok=True)
            return
        if running is not None:
            raise AlreadyRunning(
                f"a local cloud is already running from {self.state_dir} (pid {running['pid']}, {running['api']}); "
                "stop it, or give this one another folder (--state-dir) and port (PORT=…)"
            )

    def start(self) -> dict[str, Any]:
        self.claim()
        (self.state_dir / "functions.log").unlink(missing_ok=True)
        warnings.filterwarnings("ignore", message="Tried to parse AWS::")
        warnings.filterwarnings("ignore", message="No application metrics")  # an invocation that counted nothing
        logging.getLogger("moto").setLevel(logging.ERROR)
        stack = f"Hotline-{self.city}"
        assembly = self._step(1, f"synthesizing {stack} (cached when nothing changed)",
                              lambda: deploy.synth(self.city, self.synth_dir))  # fmt: skip
        endpoint = self._step(2, "starting the AWS emulator", self.emulator.start)
        os.environ["HOTLINE_LOCAL"] = "1"  # the console signs in with the local identities (R-UI-1)
        self.emulator.outbox.unit_topic_prefix = f"hotline-{self.city}-unit-"

        def deploy_stack() -> dict[str, str]:
            keys = deploy.publish_assets(assembly, stack, self.state_dir / "assets")
            return deploy.create_stack(assembly, stack, keys[f"{stack}.template.json"])

        self._step(3, f"deploying {stack} into the emulator", deploy_stack)
        tokens = self._step(4, "enrolling staff and unit identities", self._identities)
        self._step(5, "opening the API", lambda: self._open_api(tokens))
        threading.Thread(target=self._ticker, daemon=True, name="clock-ticker").start()
        self.info = {
            "api": f"http://127.0.0.1:{self.port}",
            "pid": os.getpid(),
            "process_start": process_start(os.getpid()),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "city": self.city,
            "region": REGION,
            "emulator": endpoint,
            **tokens,
        }
        assert self.gateway is not None
        api = self.info["api"]
        self.gateway.extras["identities"] = {"staff": tokens["staff"], "units": tokens["units"]}
        self.gateway.extras["guide"] = {
            "city": self.city,
            "api": api,
            "openapi": f"{api}/_local/openapi.json",
            "credentials": str(self.info_file),
            "clock": {"read": f"GET {api}/_local/clock", "move": f'POST {api}/_local/clock {{"advance": "PT3H"}}'},
            "outbox": f"GET {api}/_local/outbox?to=<unit_id|phone|topic>",
        }
        partial = self.info_file.with_suffix(".partial")
        partial.write_text(json.dumps(self.info, ensure_ascii=False, indent=2), encoding="utf-8")
        partial.replace(self.info_file)  # readers never see half a file
        return self.info

    def _identities(self) -> dict[str, Any]:
        import boto3

        from hotline.adapters.channels import SMS_GATEWAY
        from hotline.config.loader import load_city_file

        cognito = boto3.client("cognito-idp")
        pool = next(p for p in cognito.list_user_pools(MaxResults=60)["UserPools"]
                    if p["Name"] == f"hotline-{self.city}-staff")  # fmt: skip
        client = cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=10)["UserPoolClients"][0]
        self.staff = StaffDirectory(self.emulator.endpoint, pool["Id"], client["ClientId"])
        config = load_city_file(ROOT / "infra" / "cities" / f"{self.city}.yaml")
        staff = {role: {"token": self.staff.enrol(f"{role}-01", role)} for role in CENTER_ROLES}
        units = {u.id: {"token": self.staff.enrol(f"unit-{u.id}", "unit", u.id), "name": u.name} for u in config.units}
        apigw = boto3.client("apigateway")
        keys = {
            k["name"].removeprefix(f"hotline-{self.city}-"): {"api_key": k["value"]}
            for k in apigw.get_api_keys(includeValues=True, limit=500)["items"]
            if k["name"].startswith(f"hotline-{self.city}-")
        }
        channels = {c.value: keys[c.value] for c in config.channels if c.value in keys}
        return {"channels": channels, "sms_gateway": keys.get(SMS_GATEWAY, {}), "staff": staff, "units": units}

    def _open_api(self, tokens: dict[str, Any]) -> None:
        import boto3

        rest = next(
            a for a in boto3.client("apigateway").get_rest_apis()["items"] if a["name"] == f"hotline-{self.city}"
        )
        api = DeployedApi(rest["id"])
        self.gateway = Gateway(api, self.staff, self.clock, self.emulator.outbox, {})
        self.port = self.gateway.serve(self.port)
        # Warm every API function (as provisioned concurrency would) and document their routes.
        arns = sorted({m.function_arn for m in api.methods})
        modules = {arn.rsplit(f"hotline-{self.city}-", 1)[-1]: self.emulator.runner.load(arn) for arn in arns}
        from hotline.config.loader import load_city_file

        config = load_city_file(ROOT / "infra" / "cities" / f"{self.city}.yaml")
        doc = openapi.document(
            self.city,
            f"http://127.0.0.1:{self.port}",
            api.methods,
            [m.app for m in modules.values() if hasattr(m, "app")],
            modules,
            config,
        )
        self.gateway.extras["openapi"] = doc
        self.gateway.extras["docs"] = openapi.page(doc)

    def _ticker(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self.clock.tick()
            except Exception as exc:  # keep ticking; the cause is in the log
                logging.getLogger("hotline_local").warning("clock tick failed: %s", exc)

    def stop(self) -> None:
        if self.info:  # ours (never another live cloud's, which claim() refused to touch)
            self.info_file.unlink(missing_ok=True)  # first: it says "ready", and the cloud no longer is
        self._stop.set()
        if self.gateway is not None:
            self.gateway.stop()
        self.emulator.stop()
        os.environ.pop("AWS_ENDPOINT_URL", None)
