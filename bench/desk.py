"""A queue page and an inbox page cost one Query whatever they hold (R-DESK-1, R-UNIT-1).

(moto's own time grows with the table — 9 ms → 1.2 s for a ten-row partition beside 100,000
other entries — because it walks more than the partition; DynamoDB reads the page.)

Measured on moto in one run: the dispatcher's queue is filled to 100 and then to 100,000 orders
(entries written straight into moto's backend, as the order's transaction would write them),
and the first page and a page further on (by cursor) are read at each size; AWS calls counted.
The calls are the measure: moto sorts a whole partition for every Query, so its time grows with
the queue, where DynamoDB reads only the page (one run: 1 Query per page at both sizes; moto's
time 35 ms → 1.4 s).

The inbox likewise (issue 19): a unit that leads 100 or 100,000 orders and assists on 10 reads
its assisting part (`?role=assist`) in one Query of full pages, because each part has its own
partition; a filter over one partition would read page after empty page to find the ten.
"""

from __future__ import annotations

import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

SIZES = (100, 100_000)
READS = 20


def _fill(table: str, start: int, stop: int) -> None:
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["ap-southeast-1"]
    base = datetime(2026, 11, 2, 2, tzinfo=UTC)
    for i in range(start, stop):
        due = (base + timedelta(seconds=i)).isoformat()
        row = f'{{"ticket_id": "Q-{i:06d}-1", "queue": "dispatch", "due": "{due}", "status": "pending_dispatch"}}'
        backend.put_item(table, {"pk": {"S": "QUEUE#dispatch"}, "sk": {"S": f"{due}#Q-{i:06d}-1"}, "data": {"S": row}})


@contextmanager
def _counted_table(name: str) -> Iterator[tuple[Any, Counter[str], Callable[[bool], None]]]:
    """A fresh ticket table on moto, its repository, and a switch that counts the AWS calls made."""
    from botocore.client import BaseClient
    from moto import mock_aws

    os.environ.update(HOTLINE_CITY="tianjin", TABLE_NAME=name, AWS_DEFAULT_REGION="ap-southeast-1")
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[k] = "bench"
    with mock_aws():
        from hotline.dal.models import TicketItem, bind
        from hotline.dal.repository import TicketRepository

        bind(name, region="ap-southeast-1")
        TicketItem.create_table(wait=True)
        calls: Counter[str] = Counter()
        make_call = BaseClient._make_api_call

        def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
            calls[operation] += 1
            return make_call(client, operation, params)

        def counting(on: bool) -> None:
            BaseClient._make_api_call = counted if on else make_call  # type: ignore[method-assign]

        try:
            yield TicketRepository(), calls, counting
        finally:
            counting(False)


def page_cost() -> None:
    with _counted_table("bench-desk") as (repo, calls, counting):
        from hotline.dal.models import TicketItem

        results: dict[int, tuple[float, float, dict[str, int]]] = {}
        filled = 0
        for size in SIZES:
            _fill(TicketItem.Meta.table_name, filled, size)
            filled = size
            _, cursor = repo.queue("dispatch")
            calls.clear()
            counting(True)
            first, later = [], []
            for _ in range(READS):
                started = time.perf_counter()
                rows, _nxt = repo.queue("dispatch")
                first.append(time.perf_counter() - started)
                started = time.perf_counter()
                repo.queue("dispatch", cursor=cursor)
                later.append(time.perf_counter() - started)
            counting(False)
            assert len(rows) == min(50, size)
            per_read = {k: v // (2 * READS) for k, v in calls.items()}
            results[size] = (statistics.median(first), statistics.median(later), per_read)
    print("\nA queue page (R-DESK-1) against the size of the queue, moto, same run")
    for size in SIZES:
        a, b, per = results[size]
        print(f"  {size:>7,} waiting: first page {a * 1000:6.1f} ms, a later page {b * 1000:6.1f} ms, calls per page "
              + ", ".join(f"{k}×{v}" for k, v in sorted(per.items())))  # fmt: skip
    small, large = results[SIZES[0]], results[SIZES[1]]
    print(f"  ratio {SIZES[1]:,} / {SIZES[0]:,}: first page {large[0] / small[0]:.2f}, later page "
          f"{large[1] / small[1]:.2f}; same calls: {small[2] == large[2]}")  # fmt: skip


def _fill_inbox(table: str, unit: str, start: int, stop: int, assisting: int = 10) -> None:
    """`stop - start` orders the unit leads and, the first time, `assisting` it assists on, as the
    order's transaction writes them: the all-parts entry and the part's own entry."""
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends["123456789012"]["ap-southeast-1"]
    base = datetime(2026, 11, 2, 2, tzinfo=UTC)
    parts = [("lead", i) for i in range(start, stop)] + [
        ("assist", -i - 1) for i in range(assisting if not start else 0)
    ]
    for part, i in parts:
        due = (base + timedelta(seconds=i if i >= 0 else 10**7 - i)).isoformat()
        tid = f"I-{abs(i):06d}-1"
        row = f'{{"ticket_id": "{tid}", "part": "{part}", "due": "{due}", "status": "in_progress"}}'
        for pk in (f"INBOX#{unit}", f"INBOX#{unit}#{part}"):
            item = {"pk": {"S": pk}, "sk": {"S": f"{due}#{tid}"}, "data": {"S": row}, "status": {"S": "in_progress"}}
            backend.put_item(table, item)


def inbox_cost() -> None:
    """The assisting part of a unit that mostly leads: Queries to read all of it, at both sizes."""
    with _counted_table("bench-inbox") as (repo, calls, counting):
        from hotline.dal.models import TicketItem

        results: dict[int, tuple[float, dict[str, int], int]] = {}
        filled = 0
        for size in SIZES:
            _fill_inbox(TicketItem.Meta.table_name, "tj-water", filled, size)
            filled = size
            calls.clear()
            counting(True)
            times = []
            for _ in range(READS):
                started = time.perf_counter()
                rows, nxt = repo.inbox("tj-water", part="assist")
                times.append(time.perf_counter() - started)
            counting(False)
            assert nxt is None
            results[size] = (statistics.median(times), {k: v // READS for k, v in calls.items()}, len(rows))
    print("\nA unit's assisting part (R-UNIT-1, ?role=assist) against how many orders it leads, moto, same run")
    for size in SIZES:
        t, per, n = results[size]
        print(f"  leads {size:>7,}, assists 10: {n} rows in {t * 1000:6.1f} ms, calls "
              + ", ".join(f"{k}×{v}" for k, v in sorted(per.items())))  # fmt: skip
    print(f"  same calls at both sizes: {results[SIZES[0]][1] == results[SIZES[1]][1]}")


if __name__ == "__main__":
    page_cost()
    inbox_cost()
