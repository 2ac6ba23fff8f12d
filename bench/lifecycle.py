"""AWS API calls of one order from filing to archive, by caller, service and operation.

The city's stack runs on the emulator in this process; every botocore call is counted and
attributed to the function that made it (or to the platform: Step Functions invoking its
steps, API Gateway invoking handlers). Reported, not timed: the count is the cost model of a
deploy (requests, not seconds), and it must hold no Scan.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from botocore.client import BaseClient

from hotline_local.client import Hotline
from hotline_local.cloud import LocalCloud
from hotline_local.emulator import FunctionRunner

ROOT = Path(__file__).resolve().parents[1]
_current = threading.local()


@dataclass
class Counted:
    """What one order cost: AWS calls by (caller, service, operation), and each function's
    invocations, durations (the emulator's wall time of each, in ms) and memory."""

    calls: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    invocations: Counter[str] = field(default_factory=Counter)
    durations: dict[str, list[float]] = field(default_factory=dict)
    memory: dict[str, int] = field(default_factory=dict)
    transitions: int = 0
    on: bool = False


def _count_calls(seen: Counted) -> None:
    make_call, invoke = BaseClient._make_api_call, FunctionRunner.invoke

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        if seen.on:
            caller = getattr(_current, "function", None) or "platform"
            seen.calls[(caller, client.meta.service_model.service_name, operation)] += 1
        return make_call(client, operation, params)

    def attributed(runner: FunctionRunner, fn: Any, event: Any) -> Any:
        outer, name = getattr(_current, "function", None), fn.function_name.rsplit("-", 1)[-1]
        _current.function = name
        started = time.perf_counter()
        try:
            return invoke(runner, fn, event)
        finally:
            _current.function = outer
            if seen.on:
                seen.invocations[name] += 1
                seen.durations.setdefault(name, []).append((time.perf_counter() - started) * 1000)
                seen.memory[name] = int(fn.memory_size or 512)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    FunctionRunner.invoke = attributed  # type: ignore[method-assign]


def _settled(sfn: Any, machine: str, name: str, state: str, status: str = "RUNNING") -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        arn = f"{machine.replace(':stateMachine:', ':execution:')}:{name}"
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        entered = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
        done = sfn.describe_execution(executionArn=arn)["status"]
        if (
            entered
            and entered[-1] == state
            and done == status
            and (status != "RUNNING" or events[-1]["type"] == "TaskSubmitted")
        ):
            return
        time.sleep(0.05)
    raise RuntimeError(f"{name} never reached {state}")


def _one_order(api: Hotline, sfn: Any, machine: str, phone: str) -> str:
    filed = api.file(
        type="complaint", category="roads", content="小区门口道路井盖缺失，夜间行人很危险",
        citizen={"name": "张三", "phone": phone}, location={"district": "heping"},
    )  # fmt: skip
    tid = filed["tickets"][0]["ticket_id"]
    lead, assist = api.unit("tj-jiaotong"), api.unit("tj-gongan")
    now = api.get("/_local/clock").json()["now"]
    steps = [
        (lead, {"action": "sign"}),
        (assist, {"action": "submit_assist", "text": "已配合设置警示"}),
        (lead, {"action": "reply", "handled_at": now, "process": "现场补装井盖", "result": "已补装",
                "citizen_contacted": True}),
    ]  # fmt: skip
    _settled(sfn, machine, tid, "AwaitUnit")
    for who, body in steps:
        r = api.post(f"/tickets/{tid}/actions", body, who)
        assert r.status_code == 200, r.text
    _settled(sfn, machine, tid, "AwaitCallback")
    rating = {"ticket_id": tid, "resolved": True, "satisfaction": "satisfied"}
    r = api.post(f"/requests/{filed['request_id']}/rating", rating, api.channel("phone"),
                 query_code=filed["query_code"])  # fmt: skip
    assert r.status_code == 200, r.text
    _settled(sfn, machine, tid, "Done", "SUCCEEDED")
    return tid


def calls_per_order() -> Counted:
    """One order in warm containers, as a city's bill sees nearly all of them: a first order
    warms every function (its cold containers' one-time reads — the hash key, the channel's
    key — are counted apart), the second is the one counted."""
    import boto3

    seen, cold = Counted(), Counted()
    with tempfile.TemporaryDirectory() as state:
        cloud = LocalCloud("tianjin", port=0, state_dir=Path(state), say=lambda _: None,
                           synth_dir=ROOT / "build" / "synth-cache")  # fmt: skip
        cloud.start()
        try:
            api, sfn = Hotline(cloud.info), boto3.client("stepfunctions")
            machine = next(m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"])
            _count_calls(seen)
            seen.on = True
            _one_order(api, sfn, machine, "13900001111")
            cold.calls, seen.calls = seen.calls, Counter()
            seen.invocations, seen.durations = Counter(), {}
            tid = _one_order(api, sfn, machine, "13900002222")
            seen.on = False
            arn = f"{machine.replace(':stateMachine:', ':execution:')}:{tid}"
            seen.transitions = sum(1 for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
                                   if e["type"].endswith("StateEntered"))  # fmt: skip
        finally:
            cloud.stop()
    seen.calls = Counter({k: v for k, v in seen.calls.items() if not _is_bench_driver(k)})
    first = Counter({k: v for k, v in cold.calls.items() if not _is_bench_driver(k)})
    mine = seen.calls
    print("\nAWS API calls of one order, filing → sign → assist part → reply → rating → archive (warm containers)")
    for who in sorted({k[0] for k in mine}):
        row = sorted((f"{svc}:{op}", n) for (w, svc, op), n in mine.items() if w == who)
        print(f"  {who:<12} {sum(n for _, n in row):3d}  " + ", ".join(f"{name}×{n}" for name, n in row))
    print(f"  total        {sum(mine.values()):3d}  (goal ≤ 50; plus {seen.transitions} state transitions)")
    extra = first - mine
    print(f"  the first order in cold containers: {sum(first.values())} "
          f"(+ {', '.join(f'{s}:{o}×{n}' for (_, s, o), n in sorted(extra.items()))})")  # fmt: skip
    scans = [k for k in mine | first if k[2] == "Scan"]
    print(f"  Scan calls: {len(scans)}")
    if scans:
        raise SystemExit(f"a Scan crept in: {scans}")
    return seen


def bill(seen: Counted) -> None:
    """The per-order figure from the calls just counted (bench/cost.py, docs/cost.md)."""
    from bench import cost

    durations = {fn: statistics.median(ms) for fn, ms in seen.durations.items()}
    sms = sum(n for (w, svc, op), n in seen.calls.items() if w == "sms" and op == "Publish")
    priced = cost.bill_per_order(seen.calls, durations_ms=durations, invocations=seen.invocations,
                                 memory_mb=seen.memory, transitions=seen.transitions, sms_per_order=sms)  # fmt: skip
    print("\n".join(cost.report(priced)))


def _is_bench_driver(key: tuple[str, str, str]) -> bool:
    """The benchmark polling the execution and the emulator's clock looking for due rules: not
    the product's work. What stays under `platform` is API Gateway and Step Functions invoking."""
    return key[0] == "platform" and key[1] in {"stepfunctions", "events", "scheduler"}


if __name__ == "__main__":
    bill(calls_per_order())
