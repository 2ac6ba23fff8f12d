"""What the use cases need from the outside world, as Protocols (issue 16).

`hotline.dal` and `hotline.adapters` implement them against AWS; `tests/fakes` in memory;
`hotline.wiring.Deps` bundles the container's. A use case imports this module, the domain and
nothing of AWS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # the Protocols name these only in annotations: importing them is the adapters' cost
    from hotline.config.schema import Channel, CityConfig
    from hotline.domain.callers import CallerRecord
    from hotline.domain.filing import HashKeys
    from hotline.domain.governance import Cluster
    from hotline.domain.kb import Entry, Version
    from hotline.domain.knowledge import Hit, KnowledgeIndex, Miss
    from hotline.domain.kpi import Prior
    from hotline.domain.lifecycle import Lifecycle, Step
    from hotline.domain.models import Event, Status, Ticket
    from hotline.domain.notices import CenterNotice, CitizenNotice, DeskNotice, Notice
    from hotline.domain.timers import Plan
    from hotline.domain.workflow import Wait


class Clock(Protocol):
    def now(self) -> datetime: ...


class Tickets(Protocol):
    """Tickets and their events (dal/repository.py): one transaction per transition."""

    def get(self, ticket_id: str) -> Ticket: ...

    def save(self, step: Step) -> Ticket: ...

    def save_all(self, steps: Iterable[Step]) -> list[Ticket]: ...

    def events(self, ticket_id: str) -> list[Event]: ...

    def history(self, ticket_id: str) -> tuple[Ticket, list[Event]]: ...

    def inbox(
        self,
        unit_id: str,
        part: str | None = None,
        status: Status | None = None,
        limit: int = ...,
        cursor: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]: ...

    def recent_for_citizen(self, citizen_key: str, since_iso: str) -> list[Ticket]: ...

    def open311_listing(
        self, prefix: str, months: list[str], start: str, end: str, *, statuses: list[str] | None = None,
        codes: list[str] | None = None, skip: int = 0, limit: int = 1000,
    ) -> list[dict[str, Any]]: ...  # fmt: skip

    def get_many(self, ticket_ids: list[str]) -> list[Ticket]: ...

    def queue(
        self, name: str, limit: int = ..., cursor: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]: ...

    def queue_count(self, name: str) -> int: ...

    def requeue(self, limit: int = ..., cursor: str | None = None) -> tuple[int, str | None]: ...


class Callers(Protocol):
    """Callers' strikes and suspensions (R-INT-8); `save` loses to a concurrent writer with Conflict."""

    def get(self, caller_id: str) -> CallerRecord | None: ...

    def save(self, record: CallerRecord) -> CallerRecord: ...


class Vault(Protocol):
    def seal(self, request_id: str, contact: dict[str, str]) -> str: ...

    def open(self, request_id: str, sealed: str) -> dict[str, str]: ...


class Archive(Protocol):
    def put(self, key: str, body: bytes, checksum: str, content_type: str = ...) -> None: ...

    def copy_in(self, source_bucket: str, source_key: str, key: str) -> str | None: ...


class Slot(Protocol):
    """A pre-signed POST for one upload."""

    @property
    def attachment_id(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def fields(self) -> dict[str, str]: ...
    @property
    def expires_in(self) -> int: ...


class Attachments(Protocol):
    def slot(self, content_type: str, size: int, channel: str) -> Slot: ...

    def verify(self, attachment_id: str, channel: str) -> None: ...


SMS_GATEWAY = "sms-gateway"  # the holder of the two-way SMS gateway's key: it posts citizens' answers (R-CB-1)


class Channels(Protocol):
    """Who holds the API key the gateway checked (R-INT-1): a channel, or SMS_GATEWAY."""

    def holder(self, api_key_id: str | None) -> str: ...

    def channel(self, api_key_id: str | None) -> Channel: ...

    def is_key_of(self, holder: str, value: str | None) -> bool: ...


class Schedules(Protocol):
    def apply(self, plan: Plan) -> tuple[int, int]: ...


class Executions(Protocol):
    def start(self, ticket: Ticket, name: str) -> bool: ...

    def resume(self, token: str, ticket: Ticket) -> bool: ...


class Waits(Protocol):
    def park(self, wait: Wait) -> None: ...

    def get(self, ticket_id: str) -> Wait | None: ...

    def clear(self, ticket_id: str) -> None: ...


class Notifier(Protocol):
    def to_unit(self, notice: Notice) -> None: ...

    def to_desk(self, notice: DeskNotice) -> None: ...

    def to_center(self, notice: CenterNotice) -> None: ...

    def to_citizen(self, phone: str, notice: CitizenNotice) -> None: ...


class CitizenSms(Protocol):
    """The queue of citizen SMS: the notice and the sealed contact, never the phone (R-SEC-2)."""

    def request(self, notice: CitizenNotice, sealed: str) -> None: ...


class Idempotency(Protocol):
    """`fn(request)` at most once per key (R-INT-6); the same key with another payload is refused."""

    def once(
        self,
        fn: Callable[[dict[str, Any]], dict[str, Any]],
        request: dict[str, Any],
        *,
        key_path: str,
        payload_path: str,
        hours: int,
        context: Any,
        what: str,
        reused_code: str,
    ) -> dict[str, Any]: ...


class KpiStore(Protocol):
    """The kept figures (R-KPI-1) and volumes (R-GOV-1), counted once per ticket version."""

    def count(
        self,
        ticket_id: str,
        version: int,
        share: Any,
        expires_at: datetime | None,
        volume: Any = None,
        prior: Prior | None = None,
    ) -> Any: ...

    def get(self, period: str, scope: str) -> dict[str, int]: ...

    def period(self, period: str) -> list[tuple[str, dict[str, int]]]: ...

    def volumes(self, pk: str) -> list[tuple[str, int]]: ...

    def series(self, scope: str, first: str, last: str) -> int: ...


class Governance(Protocol):
    """Frequent callers, clusters, warnings, topics and links (dal/governance.py, R-GOV-1..3)."""

    def caller_seen(self, month: str, caller: str, ticket_id: str, bar: int) -> int: ...

    def frequent_callers(self, month: str) -> list[tuple[str, int]]: ...

    def cluster(self, scope: str) -> Cluster: ...

    def save_cluster(self, scope: str, c: Cluster, expires_at: datetime) -> None: ...

    def warning_recorded(self, warning: dict[str, Any]) -> bool: ...

    def raise_warning(self, warning: dict[str, Any]) -> bool: ...

    def warnings(
        self, limit: int = ..., cursor: str | None = None, unit: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]: ...

    def links(self, ticket_id: str) -> dict[str, list[str]]: ...

    def topic(self, topic_id: str) -> tuple[dict[str, Any], list[str]] | None: ...

    def save_topic(self, topic: dict[str, Any], read_version: int) -> None: ...

    def topics(self, limit: int = ..., cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]: ...

    def open_topics(self, scopes: list[str]) -> list[str]: ...

    def link_topic(self, topic_id: str, ticket_id: str, at: datetime) -> bool: ...


class KnowledgeStats(Protocol):
    def hit(self, entry_id: str, at: datetime) -> None: ...

    def miss(self, query: str, at: datetime, unit: str | None = None) -> None: ...

    def unhelpful(self, entry_id: str, at: datetime) -> None: ...

    def usage(self, entry_ids: list[str], month: str) -> dict[str, tuple[int, int]]: ...

    def misses(self, month: str) -> list[Miss]: ...


class KbStore(Protocol):
    """Knowledge entries in the store (R-KB-4, `dal/kb.py`)."""

    def revision(self) -> int | None: ...

    def heads(self) -> tuple[int | None, list[Entry]]: ...

    def get(self, entry_id: str) -> Entry: ...

    def versions(self, entry_id: str) -> list[Version]: ...

    def save(self, entry: Entry, version: Version | None = None, *, answers_change: bool = False) -> Entry: ...

    def seed(self, entries: Iterable[Entry]) -> bool: ...


class LiveKb(Protocol):
    """The approved entries as a search index at the store's revision (`app/knowledge.py`)."""

    def refresh(self) -> tuple[KnowledgeIndex, list[Entry]]: ...

    def search(self, query: str, today: date, *, minimum: float, limit: int = 5) -> list[Hit]: ...


class Hotspots(Protocol):
    def count(self, district: str, street: str | None, category: str, day: date, citizen_key: str) -> int: ...


class Deps(Protocol):
    """Everything a use case may reach, wired once per container (`hotline.wiring.Deps`)."""

    @property
    def config(self) -> CityConfig: ...
    @property
    def lifecycle(self) -> Lifecycle: ...
    @property
    def clock(self) -> Clock: ...
    @property
    def tickets(self) -> Tickets: ...
    @property
    def callers(self) -> Callers: ...
    @property
    def keys(self) -> HashKeys: ...
    @property
    def vault(self) -> Vault: ...
    @property
    def archive(self) -> Archive: ...
    @property
    def attachments(self) -> Attachments: ...
    @property
    def uploads_bucket(self) -> str: ...
    @property
    def channels(self) -> Channels: ...
    @property
    def schedules(self) -> Schedules: ...
    @property
    def executions(self) -> Executions: ...
    @property
    def waits(self) -> Waits: ...
    @property
    def notifier(self) -> Notifier: ...
    @property
    def citizen_sms(self) -> CitizenSms: ...
    @property
    def idempotency(self) -> Idempotency: ...
    @property
    def kpi(self) -> KpiStore: ...
    @property
    def knowledge(self) -> LiveKb: ...
    @property
    def kb(self) -> KbStore: ...
    @property
    def knowledge_stats(self) -> KnowledgeStats: ...
    @property
    def hotspots(self) -> Hotspots: ...
    @property
    def governance(self) -> Governance: ...

    def now(self) -> datetime: ...

    def local(self, at: datetime) -> datetime: ...
