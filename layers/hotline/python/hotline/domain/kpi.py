"""The three rates (R-KPI-1): what one order adds to them, and the rates from the sums.

An order's share is a pure function of its ticket. The figures are therefore kept by adding,
once per ticket version, the difference between the share now and the share last counted: a
late exemption or a rehandle moves the figures by exactly what changed, and summing the shares
of the archived records gives the same figures again. Formulas: docs/kpi.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hotline.config.schema import CityConfig, KpiPolicy
from hotline.domain.calendar import WorkingCalendar
from hotline.domain.errors import BadInput
from hotline.domain.models import Status, Ticket

Measure = Literal["dispatched", "responded", "rated", "asked_resolved", "resolved", "satisfied", "exempted", "unjudged"]
MEASURES: tuple[Measure, ...] = (
    "dispatched",  # orders given to a lead unit, by the month they were (last) dispatched
    "responded",  # … of which the lead signed by the sign deadline
    "rated",  # closed orders whose rating counts, by the month of the rating
    "asked_resolved",  # … of which the citizen said whether it was resolved (not deemed, R-CB-2)
    "resolved",  # … and said yes
    "satisfied",  # rated satisfied or basically satisfied (deemed ratings included)
    "exempted",  # unsatisfied ratings the center exempted (R-CB-4): counted here, not in `rated`
    "unjudged",  # ratings of matters not judged by satisfaction (Tianjin Art.25): idem
)
Key = tuple[str, str]  # (period, scope): ("2026-11", "unit:tj-water"), ("2026", "city")
Share = dict[Key, dict[str, int]]

PERIOD = re.compile(r"^\d{4}(-(0[1-9]|1[0-2]))?$")


def check_period(period: str) -> str:
    if not PERIOD.match(period):
        raise BadInput(
            "bad_period",
            f"统计期间 {period!r} 无效：请填月份（如 2026-11）或年份（如 2026）",
            f"period {period!r} is neither a month (2026-11) nor a year (2026)",
        )
    return period


def periods(local: datetime) -> tuple[str, str]:
    """The month and the year a moment counts in, on the city's local calendar."""
    return f"{local:%Y-%m}", f"{local:%Y}"


def scopes(ticket: Ticket) -> tuple[str, ...]:
    """The figures an order counts in: the city, its district (when known) and its lead unit."""
    found = ["city"]
    if ticket.location.district:
        found.append(f"district:{ticket.location.district}")
    if ticket.lead_unit:
        found.append(f"unit:{ticket.lead_unit}")
    return tuple(found)


@dataclass(frozen=True)
class Prior:
    """What a ticket's previous version added to the figures and volumes, and its expiry (from
    the stream's old image); `first`: there was none, the ticket is new. Counting from it needs
    no read of what was counted (dal/stats.py)."""

    share: Share
    volume: dict[tuple[str, str], int]
    expires_at: datetime | None
    first: bool = False


def share(ticket: Ticket, calendar: WorkingCalendar, policy: KpiPolicy) -> Share:
    """What this order adds to the figures now. Orders that never reached a unit add nothing."""
    out: Share = {}
    if ticket.lead_unit is None or ticket.dispatched_at is None:
        return out

    def add(at: datetime, measure: Measure) -> None:
        for period in periods(calendar.local(at)):
            for scope in scopes(ticket):
                counts = out.setdefault((period, scope), {})
                counts[measure] = counts.get(measure, 0) + 1

    add(ticket.dispatched_at, "dispatched")
    if ticket.signed_in_time:
        add(ticket.dispatched_at, "responded")
    rating = ticket.rating
    if ticket.status is not Status.closed or rating is None:
        return out  # a rating that sent the order back (rehandle) is replaced by the next one
    if ticket.category in policy.unjudged_categories:
        add(rating.at, "unjudged")
    elif ticket.exempted:
        add(rating.at, "exempted")
    else:
        add(rating.at, "rated")
        if rating.satisfaction.value != "unsatisfied":
            add(rating.at, "satisfied")
        if rating.resolved is not None:
            add(rating.at, "asked_resolved")
            if rating.resolved:
                add(rating.at, "resolved")
    return out


def difference(new: Share, old: Share) -> Share:
    """new − old, without zeros: the increments that move the figures from one share to the other."""
    out: Share = {}
    for key in new.keys() | old.keys():
        a, b = new.get(key, {}), old.get(key, {})
        delta = {m: a.get(m, 0) - b.get(m, 0) for m in a.keys() | b.keys()}
        delta = {m: v for m, v in delta.items() if v}
        if delta:
            out[key] = delta
    return out


def total(shares: list[Share]) -> Share:
    """The sum of many shares: what the kept figures must equal."""
    out: Share = {}
    for one in shares:
        for key, counts in one.items():
            into = out.setdefault(key, {})
            for m, v in counts.items():
                into[m] = into.get(m, 0) + v
    return out


def _ratio(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def rates(counts: Mapping[str, int]) -> dict[str, float | None]:
    """The three rates from one scope's counts; None where nothing was counted yet."""
    c = {m: int(counts.get(m, 0)) for m in MEASURES}
    return {
        "response_rate": _ratio(c["responded"], c["dispatched"]),
        "resolution_rate": _ratio(c["resolved"], c["asked_resolved"]),
        "satisfaction_rate": _ratio(c["satisfied"], c["rated"]),
    }


def figures(period: str, scope: str, counts: Mapping[str, int]) -> dict[str, object]:
    """One row of the figures: what the API answers and the monthly export holds."""
    kind, _, ident = scope.partition(":")
    return {
        "period": period,
        "scope": kind,
        "id": ident or None,
        "counts": {m: int(counts.get(m, 0)) for m in MEASURES},
        **rates(counts),
    }


def scope_names(config: CityConfig) -> dict[str, str]:
    """Readable names of every scope the figures are kept for."""
    return {
        "city": config.name,
        **{f"district:{d.code}": d.name for d in config.districts},
        **{f"unit:{u.id}": u.name for u in config.units},
    }


def previous_month(local: datetime) -> str:
    """The month that ended before `local`'s month: what the export on the 1st publishes."""
    year, month = (local.year, local.month - 1) if local.month > 1 else (local.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def report(
    city: str, period: str, rows: list[tuple[str, dict[str, int]]], names: Mapping[str, str], at: datetime
) -> tuple[bytes, bytes]:
    """The published figures of one period as JSON and as CSV (UTF-8 with BOM, for spreadsheets).

    Rows hold counts and rates only: no order, citizen or person is named (R-KPI-4)."""
    import csv
    import io
    import json

    lines = [{**figures(period, scope, counts), "name": names.get(scope, "")} for scope, counts in rows]
    document = {"city": city, "period": period, "generated_at": at.isoformat(), "rows": lines}
    body = json.dumps(document, ensure_ascii=False, sort_keys=True, indent=1).encode()
    out = io.StringIO()
    header = ["period", "scope", "id", "name", *MEASURES, "response_rate", "resolution_rate", "satisfaction_rate"]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for line in lines:
        counts = line["counts"]
        assert isinstance(counts, dict)
        writer.writerow([*(line[h] if h not in MEASURES else counts[h] for h in header)])
    return body, ("\ufeff" + out.getvalue()).encode()
