"""What the hotline tells the city about its own problems (SPEC §12.4, R-GOV-1..4): where and
about what people call, clusters that call for a warning, the scope of a governance topic, and
the rankings. Pure: from tickets and counts, never a person.

Volumes are kept like the three rates (`domain/kpi.py`): an order's volume share is a function
of its ticket (its filing day, place and category), counted once per ticket version as the
difference from what was counted before — a reclassified order moves from one category to the
other — so the kept counts always equal a recount of the orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from hotline.domain.calendar import WorkingCalendar
from hotline.domain.errors import BadInput
from hotline.domain.kpi import rates
from hotline.domain.models import Status, Ticket

By = Literal["district", "street", "category", "day"]
BY: tuple[By, ...] = ("district", "street", "category", "day")
NO_CATEGORY = "none"
VolumeKey = tuple[str, str]  # (pk, sk) of one counter: ("VOL#2026-11#district", "heping")
Volume = dict[VolumeKey, int]

DAY = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
WEEK = re.compile(r"^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def periods(local: datetime) -> dict[str, str]:
    """The day, ISO week and month a local moment counts in: 2026-11-02, 2026-W45, 2026-11."""
    year, week, _ = local.isocalendar()
    return {"day": f"{local:%Y-%m-%d}", "week": f"{year}-W{week:02d}", "month": f"{local:%Y-%m}"}


def check_period(period: str, by: str | None = None) -> str:
    """A day, an ISO week or a month; `by=day` needs a month (the days of that month)."""
    if by == "day" and not MONTH.match(period):
        raise BadInput("bad_period", f"按日统计请填月份（如 2026-11），不是 {period!r}", "by=day needs a month")
    if not (DAY.match(period) or WEEK.match(period) or MONTH.match(period)):
        raise BadInput(
            "bad_period",
            f"统计期间 {period!r} 无效：请填日期（2026-11-02）、周（2026-W45）或月份（2026-11）",
            f"period {period!r} is not a day (2026-11-02), an ISO week (2026-W45) or a month (2026-11)",
        )
    return period


def scope_key(district: str | None, street: str | None, category: str | None) -> str:
    """A place × category scope, `*` where any: heping|wudadao|water, heping|*|*, *|*|water."""
    return f"{district or '*'}|{street or '*'}|{category or '*'}"


def scopes_of(t: Ticket) -> list[str]:
    """Every scope an order falls in (what a topic may be opened on, R-GOV-3)."""
    d, s, c = t.location.district, t.location.street, t.category
    keys = [scope_key(None, None, c)] if c else []
    if d:
        keys += [scope_key(d, None, None)] + ([scope_key(d, None, c)] if c else [])
        if s:
            keys += [scope_key(d, s, None)] + ([scope_key(d, s, c)] if c else [])
    return keys


def counted(t: Ticket) -> bool:
    """Every request a citizen made counts; a repeat the intake recognised as the same is not a
    new one (R-INT-4: it is noted on the original)."""
    return t.status is not Status.duplicate


def volume_share(t: Ticket, calendar: WorkingCalendar) -> Volume:
    """What this order adds to the volume counts (R-GOV-1) and the scope series (R-GOV-3)."""
    if not counted(t):
        return {}
    p = periods(calendar.local(t.created_at))
    d, s, c = t.location.district, t.location.street, t.category or NO_CATEGORY
    out: Volume = {}
    for period in p.values():
        out[(f"VOL#{period}#category", c)] = 1
        if d:
            out[(f"VOL#{period}#district", d)] = 1
            if s:
                out[(f"VOL#{period}#street", f"{d}/{s}")] = 1
    out[(f"VOL#{p['month']}#day", p["day"])] = 1
    for key in scopes_of(t):
        out[(f"SERIES#{key}", p["day"])] = 1
    return out


def volume_difference(new: Volume, old: Volume) -> Volume:
    out = {k: new.get(k, 0) - old.get(k, 0) for k in new.keys() | old.keys()}
    return {k: v for k, v in out.items() if v}


def top(rows: list[tuple[str, int]], n: int, by: str) -> list[tuple[str, int]]:
    """The most frequent first (ties by key); the days of a month in calendar order."""
    if by == "day":
        return sorted(rows)
    return sorted(rows, key=lambda r: (-r[1], r[0]))[:n]


# -- early warning (R-GOV-2) ---------------------------------------------------------------------


@dataclass
class Cluster:
    """One street × category's recent requests, and until when it stays quiet after a warning."""

    arrivals: list[tuple[str, datetime]]
    quiet_until: datetime | None = None
    version: int = 0


def arrive(c: Cluster, ticket_id: str, at: datetime, n: int, window: timedelta) -> tuple[Cluster, bool]:
    """A request joins its cluster's sliding window; True when this one makes the warning: the
    window holds `n` or more and no warning of this cluster is still within its own window
    (raised once per cluster, not again until the window it covered has passed)."""
    kept = [(tid, when) for tid, when in c.arrivals if when > at - window and tid != ticket_id]
    kept.append((ticket_id, at))
    kept.sort(key=lambda a: a[1])
    raised = len(kept) >= n and (c.quiet_until is None or at >= c.quiet_until)
    quiet = at + window if raised else c.quiet_until
    return Cluster(kept, quiet, c.version), raised


# -- rankings (R-GOV-4) --------------------------------------------------------------------------

RATES = ("response_rate", "resolution_rate", "satisfaction_rate")


def ranking(rows: list[tuple[str, dict[str, int]]], level: str, names: dict[str, str]) -> list[dict[str, Any]]:
    """Units or districts by the three rates, with the counts each rests on; a rank per rate (1 is
    best; no rank where nothing was counted) and the order by their mean rank."""
    mine = [(scope, counts) for scope, counts in rows if scope.startswith(f"{level}:")]
    out: list[dict[str, Any]] = [
        {"id": scope.partition(":")[2], "name": names.get(scope, ""), "counts": dict(counts), **rates(counts)}
        for scope, counts in mine
    ]
    places: dict[str, dict[str, int]] = {r["id"]: {} for r in out}
    for rate in RATES:
        ranked = sorted((r for r in out if r[rate] is not None), key=lambda r: -float(r[rate]))
        for place, r in enumerate(ranked, start=1):
            places[r["id"]][rate] = place
    for r in out:
        mine_ranks = places[r["id"]]
        r["rank"] = mine_ranks
        r["mean_rank"] = round(sum(mine_ranks.values()) / len(mine_ranks), 2) if mine_ranks else None
    return sorted(out, key=lambda r: (r["mean_rank"] is None, r["mean_rank"] or 0, r["id"]))


def days_between(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
