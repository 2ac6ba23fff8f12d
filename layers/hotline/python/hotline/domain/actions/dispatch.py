"""Dispatch (R-DSP-1/2): by routing rule (system) or by the dispatcher's choice; the unit's
clock starts at dispatch. `assign` is also what an approved return with a new unit does."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import deadlines_moved
from hotline.domain.actions.declaration import Action, Ctx, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload
from hotline.domain.errors import BadInput
from hotline.domain.models import Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role


class Dispatch(Payload):
    lead_unit: str
    assist_units: list[str] = []  # noqa: RUF012 (a pydantic field: copied per instance)
    note: str | None = None


def assign(lc: Lifecycle, t: Ticket, lead: str, assist: list[str], now: datetime) -> dict[str, Any]:
    """The order goes to a lead unit (and its assisting units) with a fresh clock."""
    t.lead_unit, t.assist_units = lead, [u for u in assist if u != lead]
    t.handling_unit = None  # the old lead's 经办单位 has no part in the new lead's order (R-UNIT-2)
    for r in t.referrals:  # nor has the unit the old lead referred it to (R-UNIT-3)
        if r.open:
            r.answered_at, r.answer = now, "工单已改派"
    t.assist_parts, t.waived_parts, t.signed_at, t.signed_in_time, t.pending = {}, {}, None, None, None
    t.dispatched_at, t.deadlines.dispatch_by, t.deadlines.queue_by = now, None, None
    t.overdue = False  # a late dispatch was the center's; the unit's clock starts now (R-DSP-2)
    t.limit = lc.policy.limit_for(t.type, t.urgency, t.category, t.legal_limit)
    d = lc.policy.deadlines(now, t.limit, t.category)
    t.deadlines.sign_by, t.deadlines.return_by = d.sign_by, d.return_by
    t.deadlines.reply_by = d.reply_by
    t.deadlines.assist_by = d.assist_by if t.assist_units else None
    deadlines_moved(t)
    return {"lead_unit": lead, "assist_units": t.assist_units, "reply_by": d.reply_by.isoformat()}


def units_known(lc: Lifecycle, c: Ctx[Any]) -> None:
    """Only units of the city's tree receive orders (a dispatch, or a return's new unit)."""
    pl = c.payload
    lead = pl.lead_unit if hasattr(pl, "lead_unit") else pl.redispatch_to
    unknown = [u for u in [lead, *pl.assist_units] if not lc.is_unit(u)]
    if unknown:
        raise BadInput("unknown_unit", f"未知的单位：{'、'.join(unknown)}", f"unknown unit(s): {', '.join(unknown)}")


def _dispatch(lc: Lifecycle, t: Ticket, c: Ctx[Dispatch]) -> dict[str, Any]:
    detail = assign(lc, t, c.payload.lead_unit, c.payload.assist_units, c.now)
    return {**detail, "note": c.payload.note} if c.payload.note else detail


ACTIONS = (
    Action(
        A.dispatch,
        Dispatch,
        (row({S.pending_dispatch}, S.dispatched, {R.system, R.dispatcher}, guards=(units_known,)),),
        _dispatch,
        units={None: ToUnits("dispatched", to.lead_and_assist, "新工单 {id}", "新派工单，请按时签收")},
    ),
)
