"""A unit returns an order that is not its own (R-DSP-5): it asks within the city's window, the
center approves (back to the queue, or straight to the right unit) or rejects. An approved
return is remembered so routing never sends the order back to that unit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import deadlines_moved, nothing_pending, request
from hotline.domain.actions.declaration import CENTER_DECIDERS, Action, Ctx, ToUnits, row
from hotline.domain.actions.dispatch import assign, units_known
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Decision, Payload, Reason
from hotline.domain.errors import RuleViolation
from hotline.domain.models import Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role


class RequestReturn(Payload):
    reason: str = Reason
    evidence: str | None = None
    complex: bool = False


class DecideReturn(Decision):
    redispatch_to: str | None = None
    assist_units: list[str] = []  # noqa: RUF012 (a pydantic field: copied per instance)


def within_return_window(lc: Lifecycle, c: Ctx[RequestReturn]) -> None:
    t, window = c.ticket, lc.config.return_window
    if t.deadlines.return_by is None:
        return  # the window opens at signing (Weixi Art.7) and the order is not signed yet
    latest = t.deadlines.return_by
    if c.payload.complex and t.dispatched_at is not None:
        latest = lc.policy.latest_return(t.dispatched_at, latest, t.category)
    if c.now > latest:
        raise RuleViolation(
            "return_window_closed",
            f"退单时限已于 {lc.policy.calendar.local(latest):%Y-%m-%d %H:%M} 截止（{window.article}），请继续办理",
            f"the return window closed at {latest.isoformat()} ({window.article}); handle the order",
        )


def _choose(t: Ticket, pl: DecideReturn) -> str:
    if pl.approve:
        return "approved_redispatch" if pl.redispatch_to else "approved"
    return "rejected_signed" if t.signed_at else "rejected_unsigned"


def _decide_return(lc: Lifecycle, t: Ticket, c: Ctx[DecideReturn]) -> dict[str, Any]:
    pl, before = c.payload, t.lead_unit
    t.pending = None
    detail: dict[str, Any] = {"approve": pl.approve, "reason": pl.reason, "returned_by": before}
    if pl.approve and pl.redispatch_to:
        detail.update(assign(lc, t, pl.redispatch_to, pl.assist_units, c.now))
    if pl.approve and before:
        t.returned_by.append(before)
    if pl.approve and not pl.redispatch_to:
        t.lead_unit, t.assist_units, t.assist_parts = None, [], {}
        t.signed_at = t.signed_in_time = None
        # back in the dispatcher's queue: dispatch at once, within the city's queue limit (R-DSP-2)
        t.deadlines = type(t.deadlines)(
            dispatch_by=c.now, queue_by=lc.policy.queue_by(c.now, c.now, t.category, t.urgency)
        )
        t.overdue = False
        deadlines_moved(t)  # the old unit's timers are void
    return detail


ACTIONS = (
    Action(
        A.request_return,
        RequestReturn,
        (
            row(
                {S.dispatched, S.in_progress},
                S.return_requested,
                {R.unit},
                party="lead",
                guards=(nothing_pending, within_return_window),  # one pending request at a time (issue 15.12)
            ),
        ),
        request("return"),
    ),
    Action(
        A.decide_return,
        DecideReturn,
        (
            row({S.return_requested}, S.pending_dispatch, CENTER_DECIDERS, "approved"),
            row({S.return_requested}, S.dispatched, CENTER_DECIDERS, "approved_redispatch", guards=(units_known,)),
            row({S.return_requested}, S.in_progress, CENTER_DECIDERS, "rejected_signed"),
            row({S.return_requested}, S.dispatched, CENTER_DECIDERS, "rejected_unsigned"),
        ),
        _decide_return,
        choose=_choose,
        units={
            "approved_redispatch": ToUnits(
                "dispatched", to.lead_and_assist, "新工单 {id}", "退回后改派给贵单位的工单，请按时签收"
            ),
            "rejected_signed": ToUnits("return_rejected", to.lead, "退单未通过 {id}", "退回申请未通过：{reason}"),
            "rejected_unsigned": ToUnits(
                "return_rejected", to.lead, "退单未通过 {id}", "退回申请未通过：{reason}，请签收办理"
            ),
        },
    ),
)
