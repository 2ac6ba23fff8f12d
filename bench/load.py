"""The local cloud under load: filings from many clients at once, and list reads as the city grows.

Filings (`filings_under_load`): N client threads (1, 4, 8) each file orders through the HTTP API,
as a channel would, until 60 are filed; filings/s and each filing's p50/p99 are reported beside
a bare DynamoDB PutItem sent by boto3 from the same N threads to the same emulator endpoint, in
the same run. That PutItem is the floor of one write here: a filing's own writes take the same
road (boto3 → HTTP → moto's server → its backend, on the same two cores), while an in-process
moto call would skip the HTTP hop that every function's call pays, and flatter the floor. The
filings vary district, category, phone and text, so none is a duplicate (R-INT-4), no caller
earns a strike (Tianjin's `caller_suspension`) and no street × category reaches a hotspot
(R-TMR-3): each is the plain accepted-and-routed filing. The API runs one invocation of a
function at a time (docs/local-cloud.md), so N clients queue for intake: throughput stays at what
one filing's service time allows and latency grows with N. PutItem's grows with N too — moto's
server shares this process and its one interpreter lock — hence a ratio per N, not one floor.
One run: 3.6 → 3.9 filings/s from 1 to 8 clients, p50 244 → 1,865 ms, 43-83× PutItem's p50.

Reads (`read_growth`): a unit's inbox (`GET /units/{unit}/tickets`) and the dispatcher's queue
(`GET /queues/dispatch`), first page and the page after by cursor, median of 20, with the table at
1,000 and at 100,000 orders. Half the orders wait for dispatch, half are led by the unit: each is
a copy of a real order this run filed (its ticket item and its queue or inbox entries, ids and
keys changed), written straight into moto's backend — through the API a hundred thousand filings
take hours, and how they got there does not change what a page costs. On DynamoDB a page is one
Query that reads the page, so the goal is a ratio 100k / 1k ≤ 1.2; moto sorts the whole
partition for each Query and walks it to the cursor, which the emulator mends: each partition
keeps its keys sorted and a Query reads its page (hotline_local/moto_query.py). The same reads are
timed once more with that mend declined — the local cloud as it was before it — so its effect is
measured in the same run. One run: every page 80-87 ms at both sizes (ratio 1.00-1.05); declined,
80-88 → 268-292 ms (3.1-3.7); the emulator without the mend, alone in a process, 2.4-2.7.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hotline_local.client import Hotline
from hotline_local.cloud import LocalCloud

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = (1, 4, 8)
FILINGS = 60
SIZES = (1_000, 100_000)
READS = 20
READS_BEFORE = 5  # without the mend a page at 100k orders takes long enough that a few tell
GOAL = 1.2
UNIT = "tj-water"
# A category each, routed to a unit in every district (infra/cities/tianjin.yaml `routing`), in words
# that name no utility emergency and no present danger, so triage files them as they are.
MATTERS = {
    "water": "楼里自来水水压一直很低，做饭洗澡都不方便",
    "power": "家里电表读数和缴费账单对不上",
    "heating": "家里暖气不热，室温只有十几度",
    "telecom": "小区宽带网络晚上经常断线",
    "market": "附近超市货架上的食品已经过期",
    "labor": "公司已经拖欠工资两个月了",
    "social_security": "网上查不到这半年的社保缴费记录",
    "environment": "附近工地夜间施工噪音很大",
    "education": "孩子入学报名需要的材料说明不清楚",
    "health": "社区医院看病排队时间太长",
    "housing": "公租房申请递交后审核进度很慢",
    "roads": "路口红绿灯时间设置不合理，行人来不及过马路",
    "public_transport": "公交车经常不按时到站",
}


@contextmanager
def _cloud() -> Iterator[LocalCloud]:
    """A fresh local cloud in this process. moto's state is process-wide: a cloud started before
    (bench.lifecycle) left its stack there and a second deploy would collide with it, so moto is
    reset before, and after, to leave the next bench a clean emulator."""
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()
    with tempfile.TemporaryDirectory() as state:
        cloud = LocalCloud("tianjin", port=0, state_dir=Path(state), say=lambda _: None,
                           synth_dir=ROOT / "build" / "synth-cache")  # fmt: skip
        cloud.start()
        try:
            yield cloud
        finally:
            cloud.stop()
            moto_api_backend.reset()


def _districts() -> list[tuple[str, str]]:
    from hotline.config.loader import load_city_file

    config = load_city_file(ROOT / "infra" / "cities" / "tianjin.yaml")
    return [(d.code, d.name) for d in config.districts]


def _filing(k: int, districts: list[tuple[str, str]]) -> dict[str, Any]:
    """The k-th distinct filing: its own phone, its own district × category, its own words."""
    code, name = districts[k % len(districts)]
    category, text = list(MATTERS.items())[(k // len(districts)) % len(MATTERS)]
    return {"type": "complaint", "category": category, "content": f"{name}第{k}号院：{text}，希望尽快处理",
            "citizen": {"phone": f"139{k:08d}"}, "location": {"district": code}}  # fmt: skip


def _run(clients: int, count: int, make: Callable[[], Callable[[int], Any]], first: int) -> tuple[list[float], float]:
    """`count` calls shared by `clients` threads, each with its own client (`make`), all released
    at once; each call's latency and the wall time from release to the last answer."""
    taken = iter(range(first, first + count))
    lock, latencies, failures = threading.Lock(), [], []
    ready = threading.Barrier(clients + 1)

    def worker() -> None:
        call = make()
        ready.wait()
        while True:
            with lock:
                k = next(taken, None)
            if k is None:
                return
            started = time.perf_counter()
            try:
                call(k)
            except Exception as exc:
                failures.append(exc)
                return
            took = time.perf_counter() - started
            with lock:
                latencies.append(took)

    threads = [threading.Thread(target=worker, name=f"bench-client-{i}") for i in range(clients)]
    for t in threads:
        t.start()
    ready.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if failures:
        raise failures[0]
    return latencies, wall


def _p99(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[98]


def filings_under_load() -> None:
    import boto3

    districts = _districts()
    assert FILINGS * len(CLIENTS) + 3 <= len(districts) * len(MATTERS), "a district × category would repeat"
    with _cloud() as cloud:
        outcomes: Counter[str] = Counter()
        counting = threading.Lock()

        def filer() -> Callable[[int], Any]:
            api = Hotline(cloud.info)

            def file(k: int) -> None:
                outcome = api.file(**_filing(k, districts))["outcome"]
                with counting:
                    outcomes[outcome] += 1

            return file

        def putter() -> Callable[[int], Any]:
            ddb = boto3.session.Session().client("dynamodb", endpoint_url=cloud.info["emulator"])

            def put(k: int) -> None:
                ddb.put_item(TableName="bench-load-floor", Item={"pk": {"S": f"P#{k}"}, "data": {"S": "x" * 200}})

            return put

        boto3.client("dynamodb").create_table(
            TableName="bench-load-floor", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        )  # fmt: skip
        _run(1, 3, filer, 0)  # warm: the first filings import and compile what the rest reuse
        _run(1, 10, putter, 0)
        outcomes.clear()
        rows = []
        for i, n in enumerate(CLIENTS):
            filed, filed_wall = _run(n, FILINGS, filer, 3 + i * FILINGS)
            put, put_wall = _run(n, FILINGS, putter, 100 + i * FILINGS)
            rows.append((n, filed, filed_wall, put, put_wall))
    print(f"\nFilings under load, local cloud: POST /requests over HTTP, {FILINGS} per row from N client "
          "threads; floor: one boto3 PutItem to the same emulator from the same threads, same run")  # fmt: skip
    print(f"  outcomes: {dict(outcomes)}")
    print("  clients  filings/s  p50 ms  p99 ms | PutItem/s  p50 ms  p99 ms | filing / PutItem: p50   p99  throughput")
    for n, filed, filed_wall, put, put_wall in rows:
        f50, f99, p50, p99 = statistics.median(filed), _p99(filed), statistics.median(put), _p99(put)
        f_rate, p_rate = len(filed) / filed_wall, len(put) / put_wall
        print(f"  {n:7d}  {f_rate:9.1f}  {f50 * 1000:6.0f}  {f99 * 1000:6.0f} | {p_rate:9.0f}  {p50 * 1000:6.1f}  "
              f"{p99 * 1000:6.1f} | {f50 / p50:21.0f}x {f99 / p99:4.0f}x  1/{p_rate / f_rate:.0f}")  # fmt: skip
    print("  (p99 of 60 is about the slowest; one function runs one invocation at a time, so N clients queue)")


Template = tuple[str, list[Any]]  # a real order's id and the items it was stored as


def _templates(api: Hotline, table: Any) -> tuple[Template, Template]:
    """One real order waiting for dispatch and one led by the unit, as this run filed them: the
    ticket and its list entries (its events and its execution's wait are left out: a list read
    never touches them)."""
    waiting = api.file(type="complaint", category="other", content="小区门口的公共座椅坏了好几把，希望修一下",
                       citizen={"phone": "13700000001"}, location={"district": "heping"})  # fmt: skip
    led = api.file(type="complaint", category="water", content="楼里自来水水压一直很低，做饭洗澡都不方便",
                   citizen={"phone": "13700000002"}, location={"district": "hexi"})  # fmt: skip
    out = []
    for filed in (waiting, led):
        tid = filed["tickets"][0]["ticket_id"]
        items = []
        for partition in list(table.items.values()):
            for item in list(partition.values()):
                pk, sk = item.hash_key.value, item.range_key.value
                if (pk == f"TICKET#{tid}" and sk == "META") or (pk.startswith(("QUEUE#", "INBOX#")) and tid in sk):
                    items.append(item)
        out.append((tid, items))
    (_, queued), (_, inboxed) = out
    assert {"QUEUE#dispatch"} <= {i.hash_key.value for i in queued}, queued
    assert {f"INBOX#{UNIT}"} <= {i.hash_key.value for i in inboxed}, inboxed
    return out[0], out[1]


def _fill(table: Any, templates: tuple[Template, Template], start: int, stop: int) -> None:
    """Orders `start`..`stop`: even ones waiting for dispatch, odd ones led by the unit, due a
    minute apart from a year before the real ones, so a first page is ballast at every size."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item

    base = datetime(2025, 12, 1, tzinfo=UTC)
    for i in range(start, stop):
        tid, due = f"20251201-B{i:09d}-1", (base + timedelta(minutes=i)).isoformat()
        real, items = templates[i % 2]
        for template in items:
            attrs = {k: {"S": v.value.replace(real, tid)} if v.type == "S" else v.to_json()
                     for k, v in template.attrs.items()}  # fmt: skip
            if attrs["sk"]["S"] != "META":
                attrs["sk"] = {"S": f"{due}#{tid}"}
            h, r = DynamoType(attrs["pk"]), DynamoType(attrs["sk"])
            table.items[h][r] = Item(h, r, attrs)  # no stream record: nothing reacts to ballast


def _timed(api: Hotline, path: str, who: dict[str, str], reads: int) -> tuple[float, float]:
    """Median time of the first page and of the page after it (by its cursor)."""
    first, later = [], []
    cursor = api.get(path, who).json()["next"]
    assert cursor, f"{path} holds one page only"
    for _ in range(reads):
        started = time.perf_counter()
        r = api.get(path, who)
        first.append(time.perf_counter() - started)
        assert r.status_code == 200 and len(r.json()["tickets"]) == 50, r.text[:300]
        started = time.perf_counter()
        r = api.get(path, who, cursor=cursor)
        later.append(time.perf_counter() - started)
        assert r.status_code == 200, r.text[:300]
    return statistics.median(first), statistics.median(later)


def read_growth() -> None:
    from moto.dynamodb.models import dynamodb_backends

    from hotline_local import moto_query

    with _cloud() as cloud:
        api = Hotline(cloud.info)
        backend = dynamodb_backends["123456789012"]["ap-southeast-1"]
        table = next(t for name, t in backend.tables.items() if "StorageTickets" in name)
        templates = _templates(api, table)
        reads = {
            "inbox": (f"/units/{UNIT}/tickets", api.unit(UNIT)),
            "queue": ("/queues/dispatch", api.staff("dispatcher")),
        }
        timed: dict[tuple[str, int], tuple[float, float]] = {}
        before: dict[tuple[str, int], tuple[float, float]] = {}
        filled, fills = 0, []
        for size in SIZES:
            started = time.perf_counter()
            _fill(table, templates, filled, size)
            filled = size
            fill_s = time.perf_counter() - started
            for name, (path, who) in reads.items():
                timed[(name, size)] = _timed(api, path, who, READS)
            with moto_query.declined():
                for name, (path, who) in reads.items():
                    before[(name, size)] = _timed(api, path, who, READS_BEFORE)
            fills.append(f"{size:,} in {fill_s:.1f}s")
    small, large = SIZES
    print(f"\nList reads against the size of the city, local cloud over HTTP, median of {READS} (before the "
          f"paged Query: of {READS_BEFORE}); half the orders wait for dispatch, half are led by {UNIT}; ballast "
          f"written to {', '.join(fills)}")  # fmt: skip
    for name, (path, _) in reads.items():
        for page, at in (("first page", 0), ("page after", 1)):
            a, b = timed[(name, small)][at], timed[(name, large)][at]
            ua, ub = before[(name, small)][at], before[(name, large)][at]
            verdict = "met" if b / a <= GOAL else "NOT MET"
            print(f"  GET {path:24} {page}: {small:,} orders {a * 1000:6.1f} ms, {large:,} {b * 1000:6.1f} ms, "
                  f"ratio {b / a:5.2f} (goal ≤ {GOAL}: {verdict}); before the paged Query {ua * 1000:6.1f} → "
                  f"{ub * 1000:7.1f} ms, ratio {ub / ua:5.1f}")  # fmt: skip


if __name__ == "__main__":
    filings_under_load()
    read_growth()
