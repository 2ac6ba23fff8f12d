"""Who handles an order: category × district/street → lead and assisting units (R-DSP-1, R-DSP-6).

The most specific route wins (street over district over city-wide, a named category over `*`).
No route → None, and the order waits in the dispatcher's queue; routing never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hotline.config.schema import CityConfig, Route
from hotline.domain.lifecycle import Lifecycle, Step
from hotline.domain.models import SYSTEM, Status, Ticket


@dataclass(frozen=True)
class Assignment:
    lead_unit: str
    assist_units: tuple[str, ...]
    principle: str
    article: str


def _specificity(route: Route) -> tuple[int, int, int]:
    return (route.street != "*", route.district != "*", route.category != "*")


def route(config: CityConfig, category: str | None, district: str | None, street: str | None) -> Assignment | None:
    candidates = [
        r
        for r in config.routing
        if r.category in ("*", category)
        and r.district in ("*", district)
        and r.street in ("*", street)
        and category is not None
    ]
    if not candidates:
        return None
    best = max(candidates, key=_specificity)
    return Assignment(best.lead, tuple(best.assist), best.principle, best.article)


def _department_leads(config: CityConfig, a: Assignment, t: Ticket) -> Assignment | None:
    """Hohhot Art.19: a district (or street) that returned the order disputes it with the city
    department of the rule, which then leads; the city's choice (`dispatch.department_leads_disputes`)."""
    rule = config.dispatch.department_leads_disputes
    kinds = {u.id: u.kind for u in config.units}
    if rule is None or kinds.get(a.lead_unit) not in ("district", "street"):
        return None
    department = next((u for u in a.assist_units if kinds.get(u) == "department" and u not in t.returned_by), None)
    if department is None:
        return None
    rest = tuple(u for u in a.assist_units if u != department)
    return Assignment(department, rest, "dispute", rule.article)


def due_dispatch(lc: Lifecycle, t: Ticket, now: datetime) -> Step | None:
    """The rule's dispatch of a queued order that is due now (R-DSP-1/2), or None.

    None when the order is deferred to the working morning (Weixi Art.6), when no rule
    decides, or when the rule names a unit whose return of this order was approved
    (R-DSP-5): then the dispatcher chooses, and the choice is recorded as theirs.
    """
    if t.status is not Status.pending_dispatch:
        return None
    if t.deadlines.dispatch_by is not None and lc.policy.dispatch_opens(t.deadlines.dispatch_by) > now:
        return None
    assignment = route(lc.config, t.category, t.location.district, t.location.street)
    if assignment is not None and assignment.lead_unit in t.returned_by:
        assignment = _department_leads(lc.config, assignment, t)
    if assignment is None or assignment.lead_unit in t.returned_by:
        return None
    body = {
        "lead_unit": assignment.lead_unit,
        "assist_units": [u for u in assignment.assist_units if u not in t.returned_by],
        "note": f"routed by rule ({assignment.principle}, {assignment.article})",
    }
    return lc.apply(t, "dispatch", SYSTEM, body, now)


def with_routing(lc: Lifecycle, step: Step, now: datetime) -> list[Step]:
    """A step that leaves an order waiting for dispatch, and the rule's dispatch if one is due now:
    written together, so nobody is told of a queue the order never waited in."""
    dispatched = due_dispatch(lc, step.after, now)
    return [step, dispatched] if dispatched else [step]
