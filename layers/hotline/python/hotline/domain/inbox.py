"""Every unit with a part in an order finds it in its inbox, on its own deadline (R-UNIT-1).

Pure, from the ticket alone, like the center's queues (`domain/queues.py`): the store keeps, in
the order's own transaction (`dal/repository.py`), one entry per (unit, open order) under
`INBOX#<unit>` and one under `INBOX#<unit>#<part>` for each of its parts, sorted by the deadline
that matters to that unit and holding the row a page shows, so a page — of every part or of one
— is one Query and always a full page. A unit may hold more than one part (an assisting unit the
order was also referred to); the most pressing deadline of its parts sorts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from hotline.domain import queues
from hotline.domain.models import OPEN, Status, Ticket

Part = Literal["lead", "assist", "handling", "referred"]
PARTS: tuple[Part, ...] = ("lead", "assist", "handling", "referred")
PART_NAMES: dict[str, str] = {"lead": "主办", "assist": "协办", "handling": "经办", "referred": "协调"}


@dataclass(frozen=True)
class Involvement:
    parts: tuple[Part, ...]
    due: datetime  # the deadline that matters to this unit now
    deadline: str  # which one it is (sign_by, assist_by, reply_by, review_by …)


def _lead_due(t: Ticket) -> tuple[datetime, str]:
    d = t.deadlines
    if t.status is Status.dispatched and d.sign_by is not None:
        return d.sign_by, "sign_by"  # not yet signed: signing is what is due
    for name in ("reply_by", "review_by", "callback_by", "sign_by"):
        at = getattr(d, name)
        if at is not None:
            return at, name
    return (t.dispatched_at or t.created_at), "dispatched_at"


def _own(t: Ticket, unit: str) -> list[tuple[Part, datetime, str]]:
    lead_due, lead_name = _lead_due(t)
    out: list[tuple[Part, datetime, str]] = []
    if unit == t.lead_unit:
        out.append(("lead", lead_due, lead_name))
    if unit == t.handling_unit:
        out.append(("handling", lead_due, lead_name))  # the lead's deadlines, unchanged (R-UNIT-2)
    if unit in t.assist_units:
        owed = unit in t.missing_parts and t.deadlines.assist_by is not None
        out.append(("assist", t.deadlines.assist_by, "assist_by") if owed and t.deadlines.assist_by
                   else ("assist", lead_due, lead_name))  # fmt: skip
    if t.referred_to(unit):
        out.append(("referred", lead_due, lead_name))
    return out


def involvements(t: Ticket) -> dict[str, Involvement]:
    """unit → its parts and the deadline that sorts it, for every unit of an open order."""
    if t.status not in OPEN:
        return {}
    units = [t.lead_unit, t.handling_unit, *t.assist_units, *(r.to for r in t.referrals if r.open)]
    out: dict[str, Involvement] = {}
    for unit in dict.fromkeys(u for u in units if u):
        own = _own(t, unit)
        if not own:
            continue
        _, due, name = min(own, key=lambda p: p[1])
        out[unit] = Involvement(tuple(p for p, _, _ in own), due, name)
    return out


def row(t: Ticket, unit: str, inv: Involvement) -> dict[str, Any]:
    """What an inbox page shows: the queue row, and the unit's part and own deadline."""
    base = queues.row(t, "inbox", inv.due)
    base.pop("queue")
    return {**base, "part": inv.parts[0], "parts": list(inv.parts), "part_name": PART_NAMES[inv.parts[0]],
            "due_deadline": inv.deadline, "handling_unit": t.handling_unit,
            "assist_submitted": unit in t.assist_parts if "assist" in inv.parts else None}  # fmt: skip
