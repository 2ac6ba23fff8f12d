"""A city's synthesized stack, deployed into the emulator in this process, its state machine
executing (DESIGN §4). One city per test module; the tests drive it over the HTTP API and read
the executions from the emulator, as an operator would from the console."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from hotline.adapters import runtime
from hotline_local.client import Hotline
from hotline_local.cloud import LocalCloud

ROOT = Path(__file__).resolve().parents[2]
SYNTH_CACHE = ROOT / "build" / "synth-cache"
SETTLE_SECONDS = 20.0

pytestmark = pytest.mark.xdist_group("workflow")


def _forget_the_last_city() -> None:
    """What a Lambda container keeps between invocations is per city; this process hosts several."""
    runtime.services.cache_clear()  # every port is wired again (hotline.wiring)


def _no_retry_sleep() -> None:
    """moto's retrier really sleeps between attempts; the tests count attempts, not seconds."""
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl

    retrier_decl.time.sleep = lambda _s: None  # type: ignore[attr-defined]


class Deployed:
    """The running stack, with the views an operator has of it."""

    def __init__(self, cloud: LocalCloud) -> None:
        self.cloud = cloud
        self.api = Hotline(cloud.info)
        self.city = cloud.city
        self.sfn = boto3.client("stepfunctions")
        self.machine = next(
            m["stateMachineArn"]
            for m in self.sfn.list_state_machines()["stateMachines"]
            if m["name"] == f"hotline-{self.city}-lifecycle"
        )

    # -- executions ---------------------------------------------------------------------------
    def executions(self, ticket_id: str) -> list[dict[str, Any]]:
        found = self.sfn.list_executions(stateMachineArn=self.machine)["executions"]
        return sorted(
            (e for e in found if e["name"] == ticket_id or e["name"].startswith(f"{ticket_id}-v")),
            key=lambda e: e["startDate"],
        )

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        return self.sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]

    def path(self, ticket_id: str) -> list[str]:
        """The states the ticket's latest execution entered, in order."""
        latest = self.executions(ticket_id)[-1]
        return [e["stateEnteredEventDetails"]["name"] for e in self.history(latest["executionArn"])
                if "stateEnteredEventDetails" in e]  # fmt: skip

    def position(self, ticket_id: str) -> tuple[str, str]:
        """(execution status, the state it is in or ended in) of the ticket's latest execution."""
        runs = self.executions(ticket_id)
        if not runs:
            return "NONE", ""
        latest = self.sfn.describe_execution(executionArn=runs[-1]["executionArn"])
        entered = self.path(ticket_id)
        return latest["status"], entered[-1] if entered else ""

    def settle(self, ticket_id: str, state: str, status: str = "RUNNING") -> list[str]:
        """Wait until the execution sits in `state` (a parked wait, or its end); its path so far."""
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            if self.position(ticket_id) == (status, state) and (status != "RUNNING" or self._parked(ticket_id)):
                return self.path(ticket_id)
            time.sleep(0.05)
        raise AssertionError(f"{ticket_id} is at {self.position(ticket_id)}, not ({status}, {state}): "
                             f"{self.path(ticket_id) if self.executions(ticket_id) else 'no execution'}; "
                             f"last failure: {self.last_failure(ticket_id)}")  # fmt: skip

    def last_failure(self, ticket_id: str) -> str | None:
        runs = self.executions(ticket_id)
        failures = [e["taskFailedEventDetails"] for e in (self.history(runs[-1]["executionArn"]) if runs else [])
                    if "taskFailedEventDetails" in e]  # fmt: skip
        return f"{failures[-1]['error']}: {failures[-1].get('cause', '')[:1500]}" if failures else None

    def _parked(self, ticket_id: str) -> bool:
        """A wait state counts once its token lies beside the ticket (the park step returned)."""
        latest = self.executions(ticket_id)[-1]
        return self.history(latest["executionArn"])[-1]["type"] in {"TaskSubmitted"}

    # -- the API ------------------------------------------------------------------------------
    def ticket(self, ticket_id: str) -> dict[str, Any]:
        r = self.api.get(f"/tickets/{ticket_id}", self.api.staff("dispatcher"))
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    def act(self, ticket_id: str, who: str, action: str, expect: int = 200, **body: Any) -> dict[str, Any]:
        headers = self.api.staff(who) if who in self.api.info["staff"] else self.api.unit(who)
        r = self.api.act(ticket_id, headers, action, **body)
        assert r.status_code == expect, f"{action} by {who}: {r.status_code} {r.text}"
        return r.json()  # type: ignore[no-any-return]

    def archived(self, ticket_id: str) -> dict[str, Any]:
        key = self.ticket(ticket_id).get("archive_key")
        assert key, f"{ticket_id} has no archive key"
        s3 = boto3.client("s3")
        bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "archive" in b["Name"].lower()
                      and "log" not in b["Name"].lower())  # fmt: skip
        return json.loads(s3.get_object(Bucket=bucket, Key=key)["Body"].read())  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def deployed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    city: str = request.module.CITY
    saved_env = dict(os.environ)
    _forget_the_last_city()
    cloud = LocalCloud(city, port=0, state_dir=tmp_path_factory.mktemp(city), say=lambda _: None,
                       synth_dir=SYNTH_CACHE)  # fmt: skip
    cloud.start()
    _no_retry_sleep()
    try:
        yield Deployed(cloud)
    finally:
        from moto.moto_api._internal.models import moto_api_backend

        cloud.stop()
        moto_api_backend.reset()  # the next module deploys another city into a clean emulator
        _forget_the_last_city()
        runtime.shift_clock(runtime.timedelta(0))
        os.environ.clear()
        os.environ.update(saved_env)


def eventually(check: Callable[[], Any], what: str) -> Any:
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")
