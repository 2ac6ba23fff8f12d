"""How many different citizens reported one kind of matter in one place today (R-TMR-3).

One item per street (or district) × category × local day, holding the set of keyed phone hashes
(never a phone): UpdateItem ADD is atomic, so concurrent filings never lose a count, and nothing
scans. The item expires after a week.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hotline.dal.errors import store_errors
from hotline.dal.models import HotspotItem

KEEP = timedelta(days=7)


class Hotspots:
    def count(self, district: str, street: str | None, category: str, day: date, citizen_key: str) -> int:
        """Add the citizen to the day's set; how many different citizens it holds now."""
        item = HotspotItem(pk=f"HOT#{district}#{street or '*'}#{category}", sk=day.isoformat())
        expires = int(datetime.combine(day + KEEP, time()).timestamp())
        with store_errors("hotspot count"):
            item.update(actions=[HotspotItem.citizens.add({citizen_key}), HotspotItem.expires_at.set(expires)])
        return len(item.citizens or ())
