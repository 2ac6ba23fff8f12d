"""The cost of one timer fire does not grow with the number of open orders (R-TMR-4, issue 6).

A fire reads its ticket by key and writes it back in one conditioned transaction, so its cost is
the same whether the city has a thousand open orders or a hundred thousand. Measured on moto in
one run: the table is filled to 1,000 and then to 100,000 dispatched orders, and the same kind of
fire (a missed sign deadline) is timed on fresh orders at each size; AWS calls are counted.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from datetime import timedelta
from typing import Any

FIRES = 40
SIZES = (1_000, 100_000)


def _fill(table: str, template: Any, start: int, stop: int) -> None:
    """Ballast orders, written straight into moto's backend: through its HTTP front a hundred
    thousand puts take minutes, and how they got there does not change what a fire costs."""
    from moto.dynamodb.models import dynamodb_backends

    from hotline.dal.repository import to_item

    backend = dynamodb_backends["123456789012"]["ap-southeast-1"]
    raw = to_item(template).serialize()
    data = raw["data"]["S"]
    for i in range(start, stop):
        tid = f"B-{i:06d}-1"
        item = {**raw, "pk": {"S": f"TICKET#{tid}"}, "data": {"S": data.replace(template.ticket_id, tid)}}
        backend.put_item(table, item)


def fire_cost() -> None:
    from botocore.client import BaseClient
    from moto import mock_aws

    os.environ.update(HOTLINE_CITY="tianjin", TABLE_NAME="bench-timers", AWS_DEFAULT_REGION="ap-southeast-1")
    os.environ.pop("HOTLINE_CITY_CONFIG", None)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[k] = "bench"
    with mock_aws():
        from hotline_local.emulator import mend_moto

        mend_moto()  # moto copies a whole table per transaction; the local cloud mends that, so here too
        from functions.timers.handler import handler
        from hotline.adapters import runtime
        from hotline.dal.models import TicketItem
        from hotline.domain.lifecycle import Step
        from hotline.domain.models import SYSTEM, Location, Ticket
        from hotline.domain.routing import route

        runtime.services.cache_clear()
        svc = runtime.services()
        TicketItem.create_table(wait=True)
        now = runtime.now()
        fresh = Ticket(ticket_id="B-template-1", request_id="B-template", city="tianjin", channel="phone",
                       type="help", category="roads", content="井盖缺失", location=Location(district="heping"),
                       created_at=now, updated_at=now)  # fmt: skip
        accepted = svc.lifecycle.apply(fresh, "accept", SYSTEM, {}, now).after
        rule = route(svc.config, "roads", "heping", None)
        assert rule is not None
        body = {"lead_unit": rule.lead_unit, "assist_units": list(rule.assist_units)}
        template = svc.lifecycle.apply(accepted, "dispatch", SYSTEM, body, now).after

        calls: Counter[str] = Counter()
        make_call = BaseClient._make_api_call

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            calls[f"{client.meta.service_model.service_name}:{operation}"] += 1
            return make_call(client, operation, params)

        class Context:
            function_name, memory_limit_in_mb, aws_request_id = "timers", 512, "bench"
            invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:timers"

        results: dict[int, tuple[float, Counter[str]]] = {}
        filled = 0
        for size in SIZES:
            _fill(TicketItem.Meta.table_name, template, filled, size)
            filled = size
            targets = [template.model_copy(update={"ticket_id": f"F-{size}-{i}-1", "request_id": f"F-{size}-{i}"})
                       for i in range(FIRES)]  # fmt: skip
            for t in targets:
                svc.tickets.save(Step(t.model_copy(update={"version": 0}), t, _event(t)))
            runtime.set_clock(template.deadlines.sign_by + timedelta(minutes=1) if template.deadlines.sign_by else now)
            calls.clear()
            BaseClient._make_api_call = counted  # type: ignore[method-assign]
            samples = []
            for t in targets:
                event = {"ticket_id": t.ticket_id, "action": "mark_overdue", "deadline": "sign",
                         "deadline_version": t.deadline_version}  # fmt: skip
                started = time.perf_counter()
                out = handler(event, Context())
                samples.append(time.perf_counter() - started)
                assert out["applied"], out
            BaseClient._make_api_call = make_call  # type: ignore[method-assign]
            results[size] = (statistics.median(samples), Counter({k: v // FIRES for k, v in calls.items()}))
        runtime.set_clock(None)

    small, large = (results[s] for s in SIZES)
    print("\nOne timer fire (missed sign deadline) against the number of open orders, moto, same run")
    for size in SIZES:
        took, per_fire = results[size]
        print(f"  {size:>7,} open orders: median {took * 1000:6.1f} ms, calls per fire "
              + ", ".join(f"{k}×{v}" for k, v in sorted(per_fire.items())))  # fmt: skip
    ratio = large[0] / small[0]
    print(f"  ratio {SIZES[1]:,} / {SIZES[0]:,}: {ratio:.2f} (goal ≤ 1.2); same calls: {small[1] == large[1]}")


def _event(t: Any) -> Any:
    from hotline.domain.models import SYSTEM, Event

    return Event(ticket_id=t.ticket_id, seq=t.version, at=t.updated_at, actor=SYSTEM, action="dispatch",
                 from_status="pending_dispatch", to_status=t.status)  # fmt: skip


if __name__ == "__main__":
    fire_cost()
