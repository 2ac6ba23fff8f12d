"""Signing (R-DSP-4): the lead unit takes the order; late or on time counts for the response
rate (R-KPI-1), and in cities that say so the return window opens now (Weixi Art.7)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotline.domain.actions.common import deadlines_moved
from hotline.domain.actions.declaration import Action, Ctx, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Empty
from hotline.domain.models import Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role


def _sign(lc: Lifecycle, t: Ticket, c: Ctx[Empty]) -> dict[str, Any]:
    t.signed_at = c.now
    late = bool(c.ticket.deadlines.sign_by and c.now > c.ticket.deadlines.sign_by)
    t.signed_in_time = not late
    return_by = lc.policy.return_by_after_sign(c.now, t.category)
    if return_by is not None:
        t.deadlines.return_by = return_by
        deadlines_moved(t)
    t.deadlines.sign_by = None
    return {"late": late}


ACTIONS = (Action(A.sign, Empty, (row({S.dispatched}, S.in_progress, {R.unit}, party="lead"),), _sign),)
