"""The one place the ports are built (issue 16): once per container, lazily, from `Settings`.

`deps()` answers the wired `Deps`: the city's config and lifecycle and the stores at once (no
AWS call: binding a table sets names), every other port at its first use, so a function pays
only for what it touches and nothing is done at import. The clock is a port too: the system
clock, a frozen one in tests (`freeze`), or the local cloud's own (`use_clock`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from typing import TYPE_CHECKING

from hotline.settings import REPOSITORY_CITIES, Settings

if TYPE_CHECKING:
    from hotline.adapters.archive import ArchiveBucket
    from hotline.adapters.attachments import Attachments
    from hotline.adapters.channels import ChannelKeys
    from hotline.adapters.executions import Executions
    from hotline.adapters.idempotency import IdempotencyStore
    from hotline.adapters.notifier import CitizenSmsQueue, Notifier
    from hotline.adapters.schedules import ScheduleService
    from hotline.adapters.vault import Vault
    from hotline.app.knowledge import LiveKnowledge
    from hotline.app.ports import Clock
    from hotline.config.schema import CityConfig
    from hotline.dal.callers import CallerStore
    from hotline.dal.governance import GovernanceStore
    from hotline.dal.hotspots import Hotspots
    from hotline.dal.kb import KnowledgeBase
    from hotline.dal.knowledge import KnowledgeStats
    from hotline.dal.repository import TicketRepository
    from hotline.dal.stats import KpiStore
    from hotline.dal.waits import WaitStore
    from hotline.domain.filing import HashKeys
    from hotline.domain.lifecycle import Lifecycle


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """Real time shifted by a fixed offset."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


class WiredClock:
    """The clock every port and use case reads: a source (the system's, or the local cloud's),
    unless a test froze it."""

    def __init__(self) -> None:
        self.source: Clock = SystemClock()
        self.frozen: datetime | None = None

    def now(self) -> datetime:
        return self.frozen or self.source.now()


CLOCK = WiredClock()


def use_clock(clock: Clock | None) -> None:
    """Let `clock` be the functions' time source (the local cloud's emulator clock); None: the system's."""
    CLOCK.source = clock or SystemClock()


def freeze(at: datetime | None) -> None:
    """Stop the clock at `at` (tests); None lets it run again."""
    CLOCK.frozen = at


class Deps:
    """The wired ports, as the use cases (`hotline.app.ports.Deps`) see them."""

    def __init__(self, settings: Settings) -> None:
        from hotline.config.loader import city_config, load_city_file
        from hotline.dal.callers import CallerStore
        from hotline.dal.knowledge import KnowledgeStats
        from hotline.dal.models import bind
        from hotline.dal.repository import TicketRepository
        from hotline.dal.stats import bind_stats
        from hotline.domain.lifecycle import Lifecycle

        self.settings = settings
        self.clock: Clock = CLOCK
        cities = settings.cities_dir or REPOSITORY_CITIES
        self.config: CityConfig = (
            load_city_file(settings.city_config)
            if settings.city_config
            else city_config(str(settings.city), str(cities))
        )
        bind(settings.table_name, **settings.aws("DYNAMODB"))
        if settings.stats_table:
            bind_stats(settings.stats_table, **settings.aws("DYNAMODB"))
        self.lifecycle: Lifecycle = Lifecycle(self.config)
        self.tickets: TicketRepository = TicketRepository()
        self.callers: CallerStore = CallerStore()
        self.knowledge_stats: KnowledgeStats = KnowledgeStats()

    def now(self) -> datetime:
        return self.clock.now()

    def local(self, at: datetime) -> datetime:
        """`at` on the city's wall clock (the working-day calendar's zone)."""
        return self.lifecycle.policy.calendar.local(at)

    @cached_property
    def keys(self) -> HashKeys:
        """Keys of the hashes of phones and query codes (R-SEC-1): the stack's secret, read when a
        function first hashes and kept for the container; none, and it refuses (no fallback)."""
        from hotline.adapters.hashkey import load_hash_keys

        return load_hash_keys(arn=self.settings.hash_key_secret_arn or "", **self.settings.aws("SECRETS_MANAGER"))

    @cached_property
    def kb(self) -> KnowledgeBase:
        from hotline.dal.kb import KnowledgeBase

        return KnowledgeBase()

    @cached_property
    def knowledge(self) -> LiveKnowledge:
        """The living KB (R-KB-4): the store's approved entries; the city's seed file — `kb.json`
        baked beside `city.json`, or the repository's `kb/<city>.yaml` — is its first load."""
        from hotline.app.knowledge import LiveKnowledge
        from hotline.config.knowledge import load_knowledge

        cities = self.settings.cities_dir or REPOSITORY_CITIES
        path = self.settings.kb or cities / "kb" / f"{self.config.city}.yaml"
        return LiveKnowledge(self.kb, lambda: load_knowledge(str(path), self.config), self.now)

    @cached_property
    def vault(self) -> Vault:
        from hotline.adapters.vault import Vault

        return Vault(self.settings.need("city_key_arn"), self.config.city)

    @cached_property
    def channels(self) -> ChannelKeys:
        from hotline.adapters.channels import ChannelKeys

        form_keys = {"open311": self.settings.open311_key_id} if self.settings.open311_key_id else {}
        return ChannelKeys(self.config.city, form_keys=form_keys)

    @cached_property
    def hotspots(self) -> Hotspots:
        from hotline.dal.hotspots import Hotspots

        return Hotspots()

    @cached_property
    def waits(self) -> WaitStore:
        from hotline.dal.waits import WaitStore

        return WaitStore()

    @cached_property
    def archive(self) -> ArchiveBucket:
        from hotline.adapters.archive import ArchiveBucket

        return ArchiveBucket(self.settings.need("archive_bucket"))

    @cached_property
    def kpi(self) -> KpiStore:
        """The kept figures of the three rates (R-KPI-1), in the city's statistics table."""
        from hotline.dal.stats import KpiStore

        self.settings.need("stats_table")  # bound with the others in __init__
        return KpiStore()

    @cached_property
    def governance(self) -> GovernanceStore:
        """Frequent callers, clusters, warnings and topics (R-GOV-1..3), beside the figures."""
        from hotline.dal.governance import GovernanceStore

        self.settings.need("stats_table")
        return GovernanceStore()

    @cached_property
    def attachments(self) -> Attachments:
        """Uploads (R-INT-2); a hotline without an attachments bucket accepts none."""
        from hotline.adapters.attachments import Attachments
        from hotline.domain.errors import BadInput

        if not self.settings.attachments_bucket:
            raise BadInput("no_attachments", "this hotline accepts no attachments")
        return Attachments(self.settings.attachments_bucket, self.config.intake.attachments)

    @property
    def uploads_bucket(self) -> str:
        return self.settings.attachments_bucket or ""

    @cached_property
    def idempotency(self) -> IdempotencyStore:
        from hotline.adapters.idempotency import IdempotencyStore

        return IdempotencyStore(self.settings.need("idempotency_table"))

    @cached_property
    def notifier(self) -> Notifier:
        from hotline.adapters.notifier import build_notifier

        s = self.settings
        if s.notifier:
            return build_notifier(s.notifier)
        return build_notifier(
            None,
            unit_topic_arn_prefix=s.need("unit_topic_arn_prefix"),
            emergency_topic_arn=s.emergency_topic_arn,
            center_topic_arn_prefix=s.center_topic_arn_prefix,
        )

    @cached_property
    def citizen_sms(self) -> CitizenSmsQueue:
        from hotline.adapters.notifier import CitizenSmsQueue

        return CitizenSmsQueue(self.settings.need("citizen_sms_queue_url"))

    @cached_property
    def schedules(self) -> ScheduleService:
        from hotline.adapters.schedules import ScheduleService

        s = self.settings
        return ScheduleService(
            group=s.need("schedule_group"),
            target_arn=s.need("timers_function_arn"),
            role_arn=s.need("scheduler_role_arn"),
            dead_letters=s.timers_dlq_arn,
        )

    @cached_property
    def executions(self) -> Executions:
        from hotline.adapters.executions import Executions

        return Executions(self.settings.need("state_machine_arn"))


@cache
def deps() -> Deps:
    """The container's ports, built on first use from the environment; `deps.cache_clear()`
    (tests) builds them again from the environment as it is then."""
    return Deps(Settings.from_env())
