"""In-memory ports (hotline.app.ports) for use-case tests without moto (issue 16).

`FakeDeps("tianjin", at)` is a container's wiring with every store a dict: the city's real config,
lifecycle and KB, optimistic locking like DynamoDB's (a stale version is a Conflict), and
recorders for what the outside world would have been told.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property
from typing import Any

from hotline.config.knowledge import load_knowledge
from hotline.config.loader import CITIES_DIR, city_config
from hotline.config.schema import Channel, CityConfig
from hotline.domain import inbox, queues
from hotline.domain.callers import CallerRecord
from hotline.domain.errors import BadInput, Conflict, NotFound
from hotline.domain.filing import HashKeys
from hotline.domain.governance import Cluster, volume_difference
from hotline.domain.knowledge import KnowledgeIndex
from hotline.domain.lifecycle import Lifecycle, Step
from hotline.domain.models import Event, Status, Ticket
from hotline.domain.timers import Plan, Timer, prefix
from hotline.domain.workflow import Wait


class FakeClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


class FakeTickets:
    """Tickets and events; a save conditioned on a version another write moved is a Conflict."""

    def __init__(self) -> None:
        self.tickets: dict[str, Ticket] = {}
        self.log: dict[str, list[Event]] = {}
        self.writes = 0

    def save(self, step: Step) -> Ticket:
        return self.save_all([step])[0]

    def save_all(self, steps: Iterable[Step]) -> list[Ticket]:
        chains: dict[str, list[Step]] = {}
        for step in steps:
            chains.setdefault(step.after.ticket_id, []).append(step)
        for tid, chain in chains.items():  # all or none
            stored = self.tickets.get(tid)
            read = chain[0].before.version
            if (stored.version if stored else 0) != read or (stored is None and read):
                raise Conflict(None, "工单已被他人修改，请刷新后重试", f"{tid} changed since version {read}")
        for tid, chain in chains.items():
            self.tickets[tid] = chain[-1].after
            self.log.setdefault(tid, []).extend(s.event for s in chain)
        self.writes += 1
        return [chain[-1].after for chain in chains.values()]

    def get(self, ticket_id: str) -> Ticket:
        if ticket_id not in self.tickets:
            raise NotFound(None, f"没有编号为 {ticket_id} 的工单", f"no ticket {ticket_id}")
        return self.tickets[ticket_id]

    def events(self, ticket_id: str) -> list[Event]:
        return list(self.log.get(ticket_id, []))

    def history(self, ticket_id: str) -> tuple[Ticket, list[Event]]:
        return self.get(ticket_id), self.events(ticket_id)

    def inbox(
        self, unit_id: str, part: str | None = None, status: Status | None = None, limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
        """The inbox as the store's entries would hold it (domain/inbox.py), by its sort key."""
        rows = sorted(
            (queues.sort_key(inv.due, t.ticket_id), inbox.row(t, unit_id, inv))
            for t in self.tickets.values()
            for unit, inv in inbox.involvements(t).items()
            if unit == unit_id and (part is None or part in inv.parts) and (status is None or t.status is status)
        )
        return [r for _, r in rows[:limit]], None

    def queue(self, name: str, limit: int = 50, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """The queue as the store's entries would hold it: every order in it, by its sort key."""
        rows = sorted(
            (queues.sort_key(due, t.ticket_id), queues.row(t, name, due))
            for t in self.tickets.values()
            for q, due in queues.memberships(t).items()
            if q == name
        )
        start = int(cursor or 0)
        page = [r for _, r in rows[start : start + limit]]
        return page, (str(start + limit) if start + limit < len(rows) else None)

    def queue_count(self, name: str) -> int:
        return sum(name in queues.memberships(t) for t in self.tickets.values())

    def requeue(self, limit: int = 200, cursor: str | None = None) -> tuple[int, str | None]:
        """The fake's queues are computed from the orders: every queued order counts as written."""
        return sum(bool(queues.memberships(t)) for t in self.tickets.values()), None

    def recent_for_citizen(self, citizen_key: str, since_iso: str) -> list[Ticket]:
        since = datetime.fromisoformat(since_iso)
        return [t for t in self.tickets.values() if t.citizen_key == citizen_key and t.created_at >= since]


class FakeCallers:
    def __init__(self) -> None:
        self.records: dict[str, CallerRecord] = {}

    def get(self, caller_id: str) -> CallerRecord | None:
        return self.records.get(caller_id)

    def save(self, record: CallerRecord) -> CallerRecord:
        stored = self.records.get(record.caller_id)
        if (stored.version if stored else 0) != record.version:
            raise Conflict(None, "caller record changed")
        saved = record.model_copy(update={"version": record.version + 1})
        self.records[record.caller_id] = saved
        return saved


class FakeVault:
    """Seals by encoding (a test needs the round trip, not the cipher), bound to the request."""

    def seal(self, request_id: str, contact: dict[str, str]) -> str:
        return base64.b64encode(json.dumps([request_id, contact]).encode()).decode()

    def open(self, request_id: str, sealed: str) -> dict[str, str]:
        bound, contact = json.loads(base64.b64decode(sealed))
        if bound != request_id:
            raise BadInput(None, "sealed for another request")
        return dict(contact)


@dataclass
class FakeChannels:
    """API key id → holder; the key id `key-<channel>` belongs to that channel."""

    def holder(self, api_key_id: str | None) -> str:
        return (api_key_id or "").removeprefix("key-")

    def channel(self, api_key_id: str | None) -> Channel:
        return Channel(self.holder(api_key_id))


@dataclass
class FakeIdempotency:
    """Answers a repeated key with the first answer; another payload under the key is refused."""

    answers: dict[str, tuple[Any, dict[str, Any]]] = field(default_factory=dict)

    def once(self, fn: Callable[[dict[str, Any]], dict[str, Any]], request: dict[str, Any], *, key_path: str,
             payload_path: str, hours: int, context: Any, what: str, reused_code: str) -> dict[str, Any]:  # fmt: skip
        key = json.dumps([request.get(k) for k in key_path.strip("[]").replace(" ", "").split(",")])
        if key in self.answers:
            payload, answer = self.answers[key]
            if payload != request.get(payload_path):
                raise BadInput(reused_code, f"this {what} was used for a different request")
            return answer
        answer = fn(request)
        self.answers[key] = (request.get(payload_path), answer)
        return answer


@dataclass
class Recorder:
    """What the notifier, the SMS queue, the schedules and the executions were asked to do."""

    units: list[Any] = field(default_factory=list)
    desks: list[Any] = field(default_factory=list)
    center: list[Any] = field(default_factory=list)
    citizens: list[tuple[str, Any]] = field(default_factory=list)
    queued: list[tuple[Any, str]] = field(default_factory=list)

    def to_unit(self, notice: Any) -> None:
        self.units.append(notice)

    def to_desk(self, notice: Any) -> None:
        self.desks.append(notice)

    def to_center(self, notice: Any) -> None:
        self.center.append(notice)

    def to_citizen(self, phone: str, notice: Any) -> None:
        self.citizens.append((phone, notice))

    def request(self, notice: Any, sealed: str) -> None:
        self.queued.append((notice, sealed))


@dataclass
class FakeSchedules:
    """The armed schedules by name, as the Scheduler keeps them (creating an existing name or
    deleting a missing one changes nothing)."""

    armed: dict[str, Timer] = field(default_factory=dict)

    def apply(self, plan: Plan) -> tuple[int, int]:
        deleted = sum(1 for name in plan.disarm if self.armed.pop(name, None) is not None)
        created = 0
        for timer in plan.arm:
            if timer.name not in self.armed:
                self.armed[timer.name] = timer
                created += 1
        return created, deleted

    def of(self, ticket_id: str) -> list[Timer]:
        return [t for name, t in self.armed.items() if name.startswith(prefix(ticket_id))]


@dataclass
class FakeExecutions:
    started: list[str] = field(default_factory=list)
    resumed: list[str] = field(default_factory=list)

    def start(self, ticket: Ticket, name: str) -> bool:
        if name in self.started:
            return False
        self.started.append(name)
        return True

    def resume(self, token: str, ticket: Ticket) -> bool:
        self.resumed.append(token)
        return True


@dataclass
class FakeWaits:
    waits: dict[str, Wait] = field(default_factory=dict)

    def park(self, wait: Wait) -> None:
        self.waits[wait.ticket_id] = wait

    def get(self, ticket_id: str) -> Wait | None:
        return self.waits.get(ticket_id)

    def clear(self, ticket_id: str) -> None:
        self.waits.pop(ticket_id, None)


@dataclass
class FakeArchive:
    objects: dict[str, bytes] = field(default_factory=dict)

    def put(self, key: str, body: bytes, checksum: str, content_type: str = "application/json") -> None:
        self.objects.setdefault(key, body)

    def copy_in(self, source_bucket: str, source_key: str, key: str) -> str | None:
        return None


@dataclass
class FakeKpi:
    counted: dict[str, int] = field(default_factory=dict)
    figures: dict[tuple[str, str], dict[str, int]] = field(default_factory=dict)
    volume_of: dict[str, dict[tuple[str, str], int]] = field(default_factory=dict)
    counters: dict[tuple[str, str], int] = field(default_factory=dict)

    def count(
        self,
        ticket_id: str,
        version: int,
        share: Any,
        expires_at: datetime | None,
        volume: Any = None,
        prior: Any = None,
    ) -> Any:
        if self.counted.get(ticket_id, -1) >= version:
            return {}
        self.counted[ticket_id] = version
        for key, counts in share.items():
            row = self.figures.setdefault(key, {})
            for m, v in counts.items():
                row[m] = row.get(m, 0) + v
        if volume is not None:  # the difference from what was counted, as the store moves it
            for key, n in volume_difference(volume, self.volume_of.get(ticket_id, {})).items():
                self.counters[key] = self.counters.get(key, 0) + n
            self.volume_of[ticket_id] = dict(volume)
        return share

    def get(self, period: str, scope: str) -> dict[str, int]:
        return dict(self.figures.get((period, scope), {}))

    def period(self, period: str) -> list[tuple[str, dict[str, int]]]:
        return [(s, dict(c)) for (p, s), c in sorted(self.figures.items()) if p == period]

    def volumes(self, pk: str) -> list[tuple[str, int]]:
        return sorted((sk, n) for (p, sk), n in self.counters.items() if p == pk and n)

    def series(self, scope: str, first: str, last: str) -> int:
        return sum(n for (p, sk), n in self.counters.items() if p == f"SERIES#{scope}" and first <= sk <= last)


@dataclass
class FakeGovernance:
    """The governance items in dicts, with the store's once-only and version rules."""

    calls: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    frequent: dict[tuple[str, str], int] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    raised: dict[str, dict[str, Any]] = field(default_factory=dict)
    linked: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    topic_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    topic_orders: dict[str, list[str]] = field(default_factory=dict)

    def caller_seen(self, month: str, caller: str, ticket_id: str, bar: int) -> int:
        seen = self.calls.setdefault((month, caller), set())
        seen.add(ticket_id)
        if len(seen) >= bar:
            self.frequent[(month, caller)] = len(seen)
        return len(seen)

    def frequent_callers(self, month: str) -> list[tuple[str, int]]:
        return sorted((c, n) for (m, c), n in self.frequent.items() if m == month)

    def cluster(self, scope: str) -> Cluster:
        return copy.deepcopy(self.clusters.get(scope, Cluster([])))

    def save_cluster(self, scope: str, c: Cluster, expires_at: datetime) -> None:
        if self.clusters.get(scope, Cluster([])).version != c.version:
            raise Conflict(None, "cluster changed")
        self.clusters[scope] = Cluster(list(c.arrivals), c.quiet_until, c.version + 1)

    def warning_recorded(self, warning: dict[str, Any]) -> bool:
        return warning["warning_id"] in self.raised

    def raise_warning(self, warning: dict[str, Any]) -> bool:
        if warning["warning_id"] in self.raised:
            return False
        self.raised[warning["warning_id"]] = warning
        for tid in warning["tickets"]:
            self.linked.setdefault(tid, {"warnings": [], "topics": []})["warnings"].append(warning["warning_id"])
        return True

    def warnings(
        self, limit: int = 50, cursor: str | None = None, unit: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        mine = [w for w in self.raised.values() if unit is None or unit in w.get("units", [])]
        return sorted(mine, key=lambda w: w["raised_at"], reverse=True)[:limit], None

    def links(self, ticket_id: str) -> dict[str, list[str]]:
        return copy.deepcopy(self.linked.get(ticket_id, {"warnings": [], "topics": []}))

    def topic(self, topic_id: str) -> tuple[dict[str, Any], list[str]] | None:
        found = self.topic_items.get(topic_id)
        return (copy.deepcopy(found), list(self.topic_orders.get(topic_id, []))) if found else None

    def save_topic(self, topic: dict[str, Any], read_version: int) -> None:
        stored = self.topic_items.get(topic["topic_id"])
        if (stored["version"] if stored else 0) != read_version:
            raise Conflict(None, "专题已被他人修改，请刷新后重试")
        self.topic_items[topic["topic_id"]] = {**copy.deepcopy(topic), "version": read_version + 1}

    def topics(self, limit: int = 50, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        rows = sorted(self.topic_items.values(), key=lambda t: t["opened_at"], reverse=True)
        return [{k: v for k, v in t.items() if k not in ("version", "progress")} for t in rows][:limit], None

    def open_topics(self, scopes: list[str]) -> list[str]:
        return sorted(t for t, v in self.topic_items.items() if v["status"] == "open" and v["scope_key"] in scopes)

    def link_topic(self, topic_id: str, ticket_id: str, at: datetime) -> bool:
        orders = self.topic_orders.setdefault(topic_id, [])
        if ticket_id in orders:
            return False
        orders.append(ticket_id)
        self.linked.setdefault(ticket_id, {"warnings": [], "topics": []})["topics"].append(topic_id)
        return True


@dataclass
class FakeKnowledgeStats:
    hits: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    unhelpfuls: list[str] = field(default_factory=list)

    def hit(self, entry_id: str, at: datetime) -> None:
        self.hits.append(entry_id)

    def miss(self, query: str, at: datetime, unit: str | None = None) -> None:
        self.misses.append(query)

    def unhelpful(self, entry_id: str, at: datetime) -> None:
        self.unhelpfuls.append(entry_id)


@dataclass
class FakeHotspots:
    seen: dict[tuple[str, str | None, str, date], set[str]] = field(default_factory=dict)

    def count(self, district: str, street: str | None, category: str, day: date, citizen_key: str) -> int:
        citizens = self.seen.setdefault((district, street, category, day), set())
        citizens.add(citizen_key)
        return len(citizens)


class FakeAttachments:
    def slot(self, content_type: str, size: int, channel: str) -> Any:
        raise BadInput("no_attachments", "this hotline accepts no attachments")

    def verify(self, attachment_id: str, channel: str) -> None:
        raise BadInput("no_attachments", "this hotline accepts no attachments")


class FakeDeps:
    """A wired container in memory (hotline.app.ports.Deps)."""

    uploads_bucket = ""

    def __init__(self, city: str, at: datetime) -> None:
        self.config: CityConfig = city_config(city)
        self.lifecycle = Lifecycle(self.config)
        self.clock = FakeClock(at)
        self.tickets = FakeTickets()
        self.callers = FakeCallers()
        self.keys = HashKeys(b"k" * 32)
        self.vault = FakeVault()
        self.channels = FakeChannels()
        self.idempotency = FakeIdempotency()
        self.notifier = Recorder()
        self.citizen_sms = self.notifier
        self.schedules = FakeSchedules()
        self.executions = FakeExecutions()
        self.waits = FakeWaits()
        self.archive = FakeArchive()
        self.kpi = FakeKpi()
        self.governance = FakeGovernance()
        self.knowledge_stats = FakeKnowledgeStats()
        self.hotspots = FakeHotspots()
        self.attachments = FakeAttachments()

    @cached_property
    def knowledge(self) -> KnowledgeIndex:
        return KnowledgeIndex(load_knowledge(CITIES_DIR / "kb" / f"{self.config.city}.yaml", self.config))

    def now(self) -> datetime:
        return self.clock.now()

    def local(self, at: datetime) -> datetime:
        return self.lifecycle.policy.calendar.local(at)
