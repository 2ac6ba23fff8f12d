"""A Query of one table partition reads its page, not the partition (moto mend, `emulator.mend_moto`).

moto keeps a table's items in a dict of partitions (hash key → {range key → item}) and answers a
Query by sorting every candidate, walking past the previous pages item by item to the cursor and
only then counting the page. The emulator's partition mend already keeps other partitions out,
but a queue or an inbox is one partition that grows with the city's open orders: a page of the
dispatcher's queue cost time in proportion to the whole queue (bench/load.py: `read_growth`).

Each partition here keeps its range keys sorted as they are written (a bisect insert), so a
Query finds its start — the key condition's bound, or the cursor — by bisection and reads only
as far as its page. It answers exactly what moto's own Query answers: the same items in the same
order, the same ScannedCount and LastEvaluatedKey, including moto's quirks (a page that fills
exactly at the last matching item still has a LastEvaluatedKey when items that do not match
follow; the 1 MB page cut counts the size of the next item looked at, matching or not).
tests/integration/test_local_query.py holds it to that against moto's unmended Query.

What is not a key-condition Query of a table partition with a string or number sort key — an
index, a legacy QueryFilter, a binary key, `begins_with` on a number, a cursor of another shape —
goes to moto's own path, which is always right and only slower. GSIs stay there: moto keeps no index, and the
product's one GSI Query (a caller's recent orders at intake) is not a page of a growing list.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import inspect
import threading
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

RESULT_SIZE_LIMIT = 1_000_000  # moto's page cut (DynamoDB's 1 MB)
ITEM_SIZE_LIMIT = 405_000  # moto refuses a larger item (LimitedSizeDict), so one item never crosses alone
SORTABLE = frozenset({"S", "N"})  # range-key types whose order moto's own comparison gives a native value for

# One lock for every partition: a write holds it for one bisect insert, a Query for one page. moto
# serves requests on many threads, and a page must not see a key list half updated.
_LOCK = threading.RLock()
_UNINDEXED = "-"

PRISTINE: Callable[..., Any] | None = None  # moto's own Table.query, as it was before any mend
_DECLINING = [0]  # `declined()` blocks in force, on any thread: moto's server answers on its own threads


class _Partition(dict[Any, Any]):
    """One partition's items (range key → item), with its range keys kept in order.

    `natives` are the keys' `cast_value` (what moto's own sort compares), `order` the keys
    themselves, position for position. A partition whose keys are not all of one sortable type
    is left unindexed and always answered by moto."""

    __slots__ = ("kind", "natives", "order")

    def __init__(self, pairs: Iterable[tuple[Any, Any]] = ()) -> None:
        super().__init__()
        self.kind: str | None = None
        self.natives: list[Any] = []
        self.order: list[Any] = []
        for key, value in pairs:
            self[key] = value

    def _insert(self, key: Any) -> None:
        if self.kind is None:
            self.kind = key.type if key.type in SORTABLE else _UNINDEXED
        elif key.type != self.kind:
            self.kind = _UNINDEXED
        if self.kind == _UNINDEXED:
            return
        native = key.cast_value
        at = bisect_left(self.natives, native)
        self.natives.insert(at, native)
        self.order.insert(at, key)

    def _remove(self, key: Any) -> None:
        if self.kind == _UNINDEXED:
            return
        native = key.cast_value
        at = bisect_left(self.natives, native)
        if at < len(self.natives) and self.natives[at] == native:
            del self.natives[at]
            del self.order[at]

    def __setitem__(self, key: Any, value: Any) -> None:
        with _LOCK:
            if not dict.__contains__(self, key):
                self._insert(key)
            dict.__setitem__(self, key, value)

    def __delitem__(self, key: Any) -> None:
        with _LOCK:
            dict.__delitem__(self, key)
            self._remove(key)

    def pop(self, key: Any, *default: Any) -> Any:
        with _LOCK:
            if dict.__contains__(self, key):
                self._remove(key)
            return dict.pop(self, key, *default)

    def popitem(self) -> tuple[Any, Any]:
        with _LOCK:
            key, value = dict.popitem(self)
            self._remove(key)
            return key, value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        with _LOCK:
            if not dict.__contains__(self, key):
                self[key] = default
            return dict.__getitem__(self, key)

    def update(self, *args: Any, **kw: Any) -> None:
        with _LOCK:
            for key, value in dict(*args, **kw).items():
                self[key] = value

    def __ior__(self, other: Any) -> _Partition:  # type: ignore[misc]
        self.update(other)
        return self

    def clear(self) -> None:
        with _LOCK:
            dict.clear(self)
            self.kind, self.natives, self.order = None, [], []

    def __reduce__(self) -> Any:
        return _Partition, (list(self.items()),)

    def __deepcopy__(self, memo: dict[int, Any]) -> _Partition:
        """A table backup copies every partition: copied as it is, not re-sorted key by key."""
        new = _Partition()
        memo[id(self)] = new
        with _LOCK:
            pairs, natives, order, kind = list(dict.items(self)), list(self.natives), list(self.order), self.kind
        for key, value in pairs:
            dict.__setitem__(new, copy.deepcopy(key, memo), copy.deepcopy(value, memo))
        new.natives, new.order, new.kind = natives, [copy.deepcopy(k, memo) for k in order], kind
        return new


class _Partitions(defaultdict[Any, Any]):
    """A range-keyed table's `items`: moto's defaultdict of partitions, each one a `_Partition`."""

    def __init__(self, _factory: Any = None, data: Any = (), /) -> None:  # copy passes the factory back
        super().__init__(_Partition)
        for key, value in dict(data).items():
            self[key] = value

    def __missing__(self, key: Any) -> Any:
        # moto's `dict` factory runs in C, atomically; a Python one could let two threads each make
        # the same new partition and lose the first one's write.
        with _LOCK:
            found = dict.get(self, key)
            if found is None:
                found = _Partition()
                dict.__setitem__(self, key, found)
            return found

    def __setitem__(self, key: Any, value: Any) -> None:
        dict.__setitem__(self, key, value if isinstance(value, _Partition) else _Partition(dict(value).items()))

    def __reduce__(self) -> Any:
        return _Partitions, (), None, None, iter(self.items())

    def __copy__(self) -> _Partitions:
        new = _Partitions()
        for key, value in self.items():
            dict.__setitem__(new, key, value)
        return new

    copy = __copy__


def _upper(prefix: str) -> str | None:
    """The least string above every string that starts with `prefix`; None if there is none."""
    stem = prefix.rstrip(chr(0x10FFFF))
    return stem[:-1] + chr(ord(stem[-1]) + 1) if stem else None


def _bounds(natives: list[Any], comparison: str | None, values: list[Any]) -> tuple[int, int] | None:
    """Positions [lo, hi) of the keys the key condition keeps; None for a condition not read here."""
    n = len(natives)
    if comparison is None:
        return 0, n
    op, v = comparison.upper(), values[0] if values else None
    if op == "BETWEEN" and len(values) == 2:
        lo, hi = bisect_left(natives, values[0]), bisect_right(natives, values[1])
    elif len(values) != 1:
        return None
    elif op in ("=", "EQ"):
        lo, hi = bisect_left(natives, v), bisect_right(natives, v)
    elif op in ("<", "LT"):
        lo, hi = 0, bisect_left(natives, v)
    elif op in ("<=", "LE"):
        lo, hi = 0, bisect_right(natives, v)
    elif op in (">", "GT"):
        lo, hi = bisect_right(natives, v), n
    elif op in (">=", "GE"):
        lo, hi = bisect_left(natives, v), n
    elif op == "BEGINS_WITH" and isinstance(v, str):
        upper = _upper(v)
        lo, hi = bisect_left(natives, v), n if upper is None else bisect_left(natives, upper)
    else:
        return None
    return lo, max(lo, hi)


def _typed(value: Any, kind: str | None) -> Any:
    """An ExclusiveStartKey attribute as moto reads it, if it is of the key's own type."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    if not isinstance(value, dict) or len(value) != 1 or next(iter(value)) != kind:
        return None
    return DynamoType(value)


def page(table: Any, a: dict[str, Any]) -> tuple[list[Any], int, dict[str, Any] | None] | None:
    """The answer moto's Query would give for a key-condition Query of one table partition, read
    from the sorted keys; None when the Query is not one of those (moto answers it)."""
    limit, forward, start = a["limit"], a["scan_index_forward"], a["exclusive_start_key"]
    hash_key, conditions = a["hash_key"], a.get("range_key_conditions") or []
    if (
        _DECLINING[0]
        or a.get("index_name")
        or a.get("filter_kwargs")
        or table.range_key_attr is None
        or not isinstance(table.items, _Partitions)
        or hash_key is None
        or not isinstance(forward, bool)
        or (limit is not None and (not isinstance(limit, int) or limit < 1))
        or len(conditions) > 1
        or (conditions and conditions[0][0] != table.range_key_attr)
    ):
        return None
    comparison, values = a["range_comparison"], a["range_objs"] or []
    if any(v.type != table.range_key_type for v in values):
        return None
    with _LOCK:
        partition = table.items.get(hash_key)
        if not partition:
            return [], 0, None
        if partition.kind == _UNINDEXED:
            return None
        natives, order = partition.natives, partition.order
        n = len(natives)
        bounds = _bounds(natives, comparison, [v.cast_value for v in values])
        if bounds is None:
            return None
        lo, hi = bounds
        begin, end = 0, n  # forward: candidates from `begin`; backward: below `end`
        if start is not None:
            after_hash = _typed(start.get(table.hash_key_attr), table.hash_key_type)
            after_range = _typed(start.get(table.range_key_attr), table.range_key_type)
            if after_hash is None or after_range is None:
                return None
            if after_hash != hash_key:  # moto skips the whole partition, or none of it
                if (hash_key < after_hash) == forward:
                    return [], 0, None
            else:
                begin, end = bisect_right(natives, after_range.cast_value), bisect_left(natives, after_range.cast_value)
        if forward:
            run, rest = range(max(begin, lo), hi), range(max(begin, hi), n)
        else:
            run, rest = range(min(hi, end) - 1, lo - 1, -1), range(min(lo, end) - 1, -1, -1)
        results: list[Any] = []
        size, last = 0, None
        for i in run:
            item = dict.__getitem__(partition, order[i])
            bytes_ = item.size()
            if len(results) == limit or size + bytes_ > RESULT_SIZE_LIMIT:
                last = table._get_last_evaluated_key(results[-1], None)
                break
            results.append(item)
            size += bytes_
        else:
            if rest and len(results) == limit:
                last = table._get_last_evaluated_key(results[-1], None)
            elif rest and size > RESULT_SIZE_LIMIT - ITEM_SIZE_LIMIT:  # only then can an item after the run cut it
                for i in rest:
                    if size + dict.__getitem__(partition, order[i]).size() > RESULT_SIZE_LIMIT:
                        last = table._get_last_evaluated_key(results[-1], None)
                        break
    scanned = len(results)
    results = copy.deepcopy(results)
    if a.get("filter_expression") is not None:
        results = [item for item in results if a["filter_expression"].expr(item)]
    if a.get("projection_expressions"):
        results = [r.project(a["projection_expressions"]) for r in results]
    return results, scanned, last


@contextlib.contextmanager
def declined() -> Iterator[None]:
    """Every Query answered by moto's own path while it lasts (still behind the emulator's
    partition mend): the local cloud as it was before this mend, for a benchmark to compare."""
    with _LOCK:
        _DECLINING[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _DECLINING[0] -= 1


def mend() -> None:
    """Install the sorted partitions (every table created from now on) and the paged Query.

    Installed before the emulator's partition mend, so that moto's own Query — the answer for
    everything `page` declines — is what this wraps, and the emulator's mend wraps both."""
    global PRISTINE
    from moto.dynamodb.models.table import Table

    query, init = Table.query, Table.__init__
    if getattr(query, "paged", False):
        return
    if getattr(query, "mended", False):
        raise RuntimeError("moto_query.mend() must run before the emulator's partition mend of Query")
    PRISTINE = query
    signature = inspect.signature(query)
    rest = next((p.name for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD), "filter_kwargs")

    @functools.wraps(query)  # moto's signature shows through: the emulator's partition mend binds by it
    def paged_query(table: Any, *args: Any, **kw: Any) -> Any:
        call = signature.bind(table, *args, **kw)
        call.apply_defaults()
        answer = page(table, {**call.arguments, "filter_kwargs": call.arguments.get(rest)})
        return answer if answer is not None else query(table, *args, **kw)

    def sorted_init(table: Any, *args: Any, **kw: Any) -> None:
        init(table, *args, **kw)
        if table.range_key_attr is not None:
            table.items = _Partitions()

    paged_query.paged = True  # type: ignore[attr-defined]
    Table.query = paged_query  # type: ignore[method-assign,assignment]
    Table.__init__ = sorted_init  # type: ignore[method-assign,assignment]
