"""Termination (where the city's regulation has it, `features.termination`): the lead asks, a
reviewer decides; an approved termination ends the order and every deadline with it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import approve_or_reject, deadlines_moved, feature, nothing_pending, pending, request
from hotline.domain.actions.declaration import WORKING, Action, Ctx, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Decision, Payload, Reason
from hotline.domain.models import Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role


class RequestTermination(Payload):
    reason: str = Reason
    evidence: str | None = None


def _decide_termination(lc: Lifecycle, t: Ticket, c: Ctx[Decision]) -> dict[str, Any]:
    t.pending = None
    if c.payload.approve:
        t.deadlines = type(t.deadlines)()
        deadlines_moved(t)
    return {"approve": c.payload.approve, "reason": c.payload.reason}


ACTIONS = (
    Action(
        A.request_termination,
        RequestTermination,
        (row(WORKING, None, {R.unit}, party="lead", guards=(feature("termination"), nothing_pending)),),
        request("termination"),
    ),
    Action(
        A.decide_termination,
        Decision,
        (
            row(WORKING, S.terminated, {R.reviewer}, "approved", guards=(pending("termination"),)),
            row(WORKING, None, {R.reviewer}, "rejected", guards=(pending("termination"),)),
        ),
        _decide_termination,
        choose=approve_or_reject,
        units={
            "approved": ToUnits("terminated", to.lead, "终止已批准 {id}", "终止办理申请已批准"),
            "rejected": ToUnits("termination_rejected", to.lead, "终止未批准 {id}", "终止办理申请未批准：{reason}"),
        },
    ),
)
