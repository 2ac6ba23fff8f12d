"""How many different citizens reported one kind of matter in one place today (R-TMR-3).

One item per street (or district) × category × local day, holding the set of keyed phone hashes
(never a phone): UpdateItem ADD is atomic, so concurrent filings never lose a count, and nothing
scans. The item expires after a week.

The set stops growing at `KEPT` citizens (issue 24): each write costs a unit per KB of the item,
so a mass event (a district-wide outage, thousands of callers on one key) would otherwise make
every filing's write dearer, reach the partition's write limit and, near 6,000 callers, the
400 KB item limit. Past `KEPT` the count reads "at least KEPT", far above any city's threshold.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pynamodb.expressions.condition import size

from hotline.dal.errors import store_errors
from hotline.dal.models import HotspotItem
from hotline.domain.errors import Conflict

KEEP = timedelta(days=7)
KEPT = 50  # citizens a day's set holds at most (one 64-byte hash each: ~3.3 KB)


class Hotspots:
    def count(self, district: str, street: str | None, category: str, day: date, citizen_key: str) -> int:
        """Add the citizen to the day's set; how many different citizens it holds now."""
        item = HotspotItem(pk=f"HOT#{district}#{street or '*'}#{category}", sk=day.isoformat())
        expires = int(datetime.combine(day + KEEP, time()).timestamp())
        room = (
            HotspotItem.citizens.does_not_exist()
            | (size(HotspotItem.citizens) < KEPT)
            | HotspotItem.citizens.contains(citizen_key)
        )
        try:
            with store_errors("hotspot count"):
                item.update(
                    actions=[HotspotItem.citizens.add({citizen_key}), HotspotItem.expires_at.set(expires)],
                    condition=room,
                )
        except Conflict:  # the set is full and this citizen is not in it
            return KEPT
        return len(item.citizens or ())
