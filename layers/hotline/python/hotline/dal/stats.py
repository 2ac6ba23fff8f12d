"""The kept figures of the three rates (R-KPI-1), in the city's statistics table.

    pk = KPI#<period>      sk = <scope>      counts of one scope (city, district:…, unit:…) in
                                             one month (2026-11) or year (2026): one GetItem to
                                             answer, one Query to export a month
    pk = SHARE#<ticket id> sk = SHARE        what that ticket added last (rates and volumes), and
                                             at which version
    pk = VOL#<period>#<by> sk = <key>        requests of one day / ISO week / month by district,
                                             street or category, and of each day of a month
                                             (R-GOV-1): one Query answers a hotspot list
    pk = SERIES#<scope>    sk = <local date> requests of a place × category scope per day (R-GOV-3):
                                             one Query counts any window of days

A table of its own, without a stream: its writes must not wake the ticket stream's readers,
and the figures outlive the live tickets. Counting is one transaction — the ticket's new share
(conditioned on the version counted before) and an atomic ADD of the difference to each scope
it touches — so a redelivered stream record counts nothing twice and no update is lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeSetAttribute
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from hotline.dal.errors import store_errors
from hotline.dal.models import KeyedModel, bind_items
from hotline.dal.repository import table_connection
from hotline.domain.errors import Conflict
from hotline.domain.governance import Volume, volume_difference
from hotline.domain.kpi import MEASURES, Prior, Share, difference

SHARE = "SHARE"


class _StatsBase(KeyedModel):
    class Meta(KeyedModel.Meta):
        pass


class KpiItem(_StatsBase):
    class Meta(_StatsBase.Meta):
        pass

    dispatched = NumberAttribute(null=True)
    responded = NumberAttribute(null=True)
    rated = NumberAttribute(null=True)
    asked_resolved = NumberAttribute(null=True)
    resolved = NumberAttribute(null=True)
    satisfied = NumberAttribute(null=True)
    exempted = NumberAttribute(null=True)
    unjudged = NumberAttribute(null=True)


class ShareItem(_StatsBase):
    class Meta(_StatsBase.Meta):
        pass

    version = NumberAttribute()  # the ticket version this share was counted at
    share = JSONAttribute()  # [[period, scope, {measure: n}], …]
    volume = JSONAttribute(null=True)  # [[pk, sk, n], …]: the order's volume counters (R-GOV-1)
    expires_at = NumberAttribute(null=True)  # once the live ticket expires, nothing can change it


class VolumeItem(_StatsBase):
    class Meta(_StatsBase.Meta):
        pass

    requests = NumberAttribute(null=True)


class GovItem(_StatsBase):
    """The governance items beside the figures (dal/governance.py has their keys)."""

    class Meta(_StatsBase.Meta):
        pass

    data = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    tickets = UnicodeSetAttribute(null=True)
    ids = UnicodeSetAttribute(null=True)
    requests = NumberAttribute(null=True)
    expires_at = NumberAttribute(null=True)


STATS_ITEMS: tuple[type[Model], ...] = (KpiItem, ShareItem, VolumeItem, GovItem)
assert {a for a in KpiItem.get_attributes() if a not in ("pk", "sk")} == set(MEASURES)


def bind_stats(table_name: str, region: str | None = None, host: str | None = None) -> None:
    bind_items(STATS_ITEMS, table_name, region, host)


def _encode(share: Share) -> list[list[Any]]:
    return [[period, scope, counts] for (period, scope), counts in sorted(share.items())]


def _decode(raw: list[list[Any]]) -> Share:
    return {(period, scope): {m: int(v) for m, v in counts.items()} for period, scope, counts in raw}


def _volume_rows(volume: Volume) -> list[list[Any]]:
    return [[pk, sk, n] for (pk, sk), n in sorted(volume.items())]


def _counts(item: KpiItem) -> dict[str, int]:
    return {m: int(getattr(item, m) or 0) for m in MEASURES}


class KpiStore:
    def counted(self, ticket_id: str) -> tuple[int, Share, Volume] | None:
        """The version, share and volume last counted for a ticket, or None if it never counted."""
        with store_errors("kpi share"):
            try:
                item = ShareItem.get(f"SHARE#{ticket_id}", SHARE, consistent_read=True)
            except ShareItem.DoesNotExist:
                return None
        volume = {(pk, sk): int(n) for pk, sk, n in item.volume or []}
        return int(item.version), _decode(item.share), volume

    def count(
        self,
        ticket_id: str,
        version: int,
        share: Share,
        expires_at: datetime | None,
        volume: Volume | None = None,
        prior: Prior | None = None,
    ) -> Share:
        """Move the figures from the share last counted to `share`, and the volume counters from
        the volume last counted to `volume` (R-GOV-1), in one transaction; the rate increments.

        With `prior` — what the version before this one added, from the stream's old image — the
        count is one write and no read (issue 24), conditioned on the row holding exactly that
        and an older version; a version that moves nothing writes nothing. When the row holds
        something else (a version was counted by another path, or this is a redelivery) it falls
        back to reading the row. A version not newer than the one counted is a redelivery:
        nothing changes. A concurrent count of the same ticket loses with Conflict (the caller
        reads again).
        """
        if prior is not None:
            moved = self._count_after(ticket_id, version, share, expires_at, volume, prior)
            if moved is not None:
                return moved
        before = self.counted(ticket_id)
        if before is not None and before[0] >= version:
            return {}
        now_volume = volume if volume is not None else (before[2] if before else {})
        condition = ShareItem.version == before[0] if before else ShareItem.pk.does_not_exist()
        return self._write(ticket_id, version, share, expires_at, now_volume, before, condition)

    def _count_after(
        self,
        ticket_id: str,
        version: int,
        share: Share,
        expires_at: datetime | None,
        volume: Volume | None,
        prior: Prior,
    ) -> Share | None:
        now_volume = volume if volume is not None else prior.volume
        if share == prior.share and now_volume == prior.volume and expires_at == prior.expires_at:
            return {}  # nothing moves and the row already says so (or will, from the version that did)
        known = (ShareItem.share == _encode(prior.share)) & (ShareItem.version < version)
        condition = known & (ShareItem.volume == _volume_rows(prior.volume))
        if prior.first:
            condition = ShareItem.pk.does_not_exist()
        before = (version - 1, prior.share, prior.volume)
        try:
            return self._write(ticket_id, version, share, expires_at, now_volume, before, condition)
        except Conflict:
            return None

    def _write(
        self,
        ticket_id: str,
        version: int,
        share: Share,
        expires_at: datetime | None,
        volume: Volume,
        before: tuple[int, Share, Volume] | None,
        condition: Any,
    ) -> Share:
        delta = difference(share, before[1] if before else {})
        moved = volume_difference(volume, before[2] if before else {})
        item = ShareItem(pk=f"SHARE#{ticket_id}", sk=SHARE, version=version, share=_encode(share),
                         volume=_volume_rows(volume))  # fmt: skip
        if expires_at is not None:
            item.expires_at = int(expires_at.timestamp())
        with store_errors("kpi count"), TransactWrite(connection=table_connection(ShareItem)) as tx:
            tx.save(item, condition=condition)
            for (period, scope), counts in sorted(delta.items()):
                actions = [getattr(KpiItem, m).add(v) for m, v in sorted(counts.items())]
                tx.update(KpiItem(pk=f"KPI#{period}", sk=scope), actions=actions)
            for (pk, sk), n in sorted(moved.items()):
                tx.update(VolumeItem(pk=pk, sk=sk), actions=[VolumeItem.requests.add(n)])
        return delta

    def volumes(self, pk: str) -> list[tuple[str, int]]:
        """Every counter of one list (`VOL#<period>#<by>`): one Query (R-GOV-1)."""
        with store_errors("volumes"):
            return [(i.sk, int(i.requests or 0)) for i in VolumeItem.query(pk)]

    def series(self, scope: str, first: str, last: str) -> int:
        """Requests of a scope on the local days first..last: one Query (R-GOV-3)."""
        with store_errors("volumes"):
            found = VolumeItem.query(f"SERIES#{scope}", VolumeItem.sk.between(first, last))
            return sum(int(i.requests or 0) for i in found)

    def get(self, period: str, scope: str) -> dict[str, int]:
        with store_errors("kpi figures"):
            try:
                return _counts(KpiItem.get(f"KPI#{period}", scope))
            except KpiItem.DoesNotExist:
                return dict.fromkeys(MEASURES, 0)

    def period(self, period: str) -> list[tuple[str, dict[str, int]]]:
        """Every scope's counts in one period, city first, then districts, then units."""
        with store_errors("kpi figures"):
            rows = [(i.sk, _counts(i)) for i in KpiItem.query(f"KPI#{period}")]
        order = {"city": 0, "district": 1, "unit": 2}
        return sorted(rows, key=lambda r: (order.get(r[0].partition(":")[0], 3), r[0]))
