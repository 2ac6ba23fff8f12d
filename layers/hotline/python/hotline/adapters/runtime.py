"""Built once per container, lazily: config, table binding, lifecycle, clock (no work at import)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property

from hotline.adapters.archive import ArchiveBucket
from hotline.adapters.channels import ChannelKeys
from hotline.adapters.hashkey import load_hash_keys
from hotline.adapters.vault import Vault
from hotline.config.knowledge import load_knowledge
from hotline.config.loader import CITIES_DIR, city_config, load_city_file
from hotline.config.schema import CityConfig
from hotline.dal.callers import CallerStore
from hotline.dal.hotspots import Hotspots
from hotline.dal.knowledge import KnowledgeStats
from hotline.dal.models import bind
from hotline.dal.repository import TicketRepository
from hotline.dal.stats import KpiStore, bind_stats
from hotline.dal.waits import WaitStore
from hotline.domain.filing import HashKeys
from hotline.domain.knowledge import KnowledgeIndex
from hotline.domain.lifecycle import Lifecycle

_clock_override: datetime | None = None
_clock_offset = timedelta(0)


def now() -> datetime:
    """The one clock every function reads; the local cloud moves it (SPEC §11 /_local/clock)."""
    return _clock_override or datetime.now(UTC) + _clock_offset


def set_clock(at: datetime | None) -> None:
    """Freeze the clock at `at` (tests); None lets it run again."""
    global _clock_override
    _clock_override = at


def shift_clock(offset: timedelta) -> None:
    """Let the clock run `offset` ahead of real time (the local cloud's emulator clock)."""
    global _clock_offset
    _clock_offset = offset


@dataclass(frozen=True)
class Services:
    config: CityConfig
    lifecycle: Lifecycle
    tickets: TicketRepository
    callers: CallerStore
    knowledge_stats: KnowledgeStats

    @cached_property
    def keys(self) -> HashKeys:
        """Keys of the hashes of phones and query codes (R-SEC-1): the stack's secret, read when a
        function first hashes and kept for the container; none, and it refuses (no fallback)."""
        return load_hash_keys(**_endpoint("SECRETS_MANAGER"))

    @cached_property
    def knowledge(self) -> KnowledgeIndex:
        """The city's KB: `kb.json` baked beside `city.json`, or the repository's `kb/<city>.yaml`."""
        path = os.environ.get("HOTLINE_KB") or str(CITIES_DIR / "kb" / f"{self.config.city}.yaml")
        return KnowledgeIndex(load_knowledge(path, self.config))

    @cached_property
    def vault(self) -> Vault:
        key = os.environ.get("CITY_KEY_ARN")
        if not key:
            raise RuntimeError("CITY_KEY_ARN is not set: the stack passes the city's KMS key to every function")
        return Vault(key, self.config.city)

    @cached_property
    def channels(self) -> ChannelKeys:
        return ChannelKeys(self.config.city)

    @cached_property
    def hotspots(self) -> Hotspots:
        return Hotspots()

    @cached_property
    def waits(self) -> WaitStore:
        return WaitStore()

    @cached_property
    def archive(self) -> ArchiveBucket:
        return ArchiveBucket()

    @cached_property
    def kpi(self) -> KpiStore:
        """The kept figures of the three rates (R-KPI-1), in the city's statistics table."""
        table = os.environ.get("STATS_TABLE")
        if not table:
            raise RuntimeError("STATS_TABLE is not set: the stack passes the statistics table to every function")
        bind_stats(table, **_endpoint("DYNAMODB"))
        return KpiStore()


def _endpoint(service: str) -> dict[str, str | None]:
    """Region and endpoint of an AWS service as the environment gives them (the local cloud sets both)."""
    return {
        "region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        "host": os.environ.get(f"AWS_ENDPOINT_URL_{service}") or os.environ.get("AWS_ENDPOINT_URL"),
    }


@cache
def services() -> Services:
    path = os.environ.get("HOTLINE_CITY_CONFIG")
    config = load_city_file(path) if path else city_config(os.environ["HOTLINE_CITY"])
    bind(os.environ["TABLE_NAME"], **_endpoint("DYNAMODB"))
    return Services(config, Lifecycle(config), TicketRepository(), CallerStore(), KnowledgeStats())
