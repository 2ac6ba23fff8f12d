"""Assisting units (R-DSP-6): each submits its part to the lead, which replies for all; the
center waives a part that does not come, or removes the unit, so no assisting unit can hold
an order forever."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import deadlines_moved
from hotline.domain.actions.declaration import CENTER_DECIDERS, Action, Ctx, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload, Reason, Text
from hotline.domain.errors import BadInput, IllegalTransition
from hotline.domain.models import Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role
OPEN_PARTS = {S.dispatched, S.in_progress, S.backlogged}  # whenever the lead could reply for all


class SubmitAssist(Payload):
    text: str = Text


class DecideAssist(Payload):
    """R-DSP-6: the center waives an assisting unit's part (`waive: true`) or removes the unit."""

    unit: str = Field(min_length=1)
    waive: bool
    reason: str = Reason


def assist_part_open(lc: Lifecycle, c: Ctx[SubmitAssist]) -> None:
    if c.actor.id in c.ticket.assist_parts:
        raise IllegalTransition("already_submitted", "本单位的协办意见已提交", "this unit's part is already submitted")


def assisting_unit(lc: Lifecycle, c: Ctx[DecideAssist]) -> None:
    unit = c.payload.unit
    if unit not in c.ticket.assist_units:
        raise BadInput(
            "not_assisting",
            f"{lc.unit_name(unit)}不是该工单的协办单位",
            f"{unit} is not an assisting unit of this order",
        )
    if c.payload.waive and unit in c.ticket.assist_parts:
        raise IllegalTransition(
            "already_submitted", f"{lc.unit_name(unit)}的协办意见已提交，无需豁免", f"{unit}'s part is already in"
        )


def _submit_assist(lc: Lifecycle, t: Ticket, c: Ctx[SubmitAssist]) -> dict[str, Any]:
    t.assist_parts[c.actor.id] = c.payload.text
    t.waived_parts.pop(c.actor.id, None)  # a part that comes in after all is the part
    return {"unit": c.actor.id}


def _decide_assist(lc: Lifecycle, t: Ticket, c: Ctx[DecideAssist]) -> dict[str, Any]:
    """The center waives the part (the unit stays on the order and may still submit) or removes
    the unit; when no part is missing any more the assist deadline goes."""
    pl = c.payload
    if pl.waive:
        t.waived_parts[pl.unit] = pl.reason
    else:
        t.assist_units = [u for u in t.assist_units if u != pl.unit]
        t.assist_parts.pop(pl.unit, None)
        t.waived_parts.pop(pl.unit, None)
    if not t.missing_parts and t.deadlines.assist_by is not None:
        t.deadlines.assist_by = None
        deadlines_moved(t)  # the assist timers are void (R-TMR-4)
    return {"unit": pl.unit, "waive": pl.waive, "reason": pl.reason, "removed": not pl.waive}


ACTIONS = (
    Action(
        A.submit_assist,
        SubmitAssist,
        (row(OPEN_PARTS, None, {R.unit}, party="assist", guards=(assist_part_open,)),),
        _submit_assist,
    ),
    Action(
        A.decide_assist,
        DecideAssist,
        (row(OPEN_PARTS, None, CENTER_DECIDERS, guards=(assisting_unit,)),),
        _decide_assist,
        units={None: ToUnits("assist_decided", to.lead, "协办调整 {id}", "中心已{assist_change}：{reason}")},
    ),
)
