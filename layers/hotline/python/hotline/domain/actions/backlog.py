"""What a lead does with a matter it cannot finish in time: put it on the backlog ledger with a
plan and a review date (Baoding Art.19(4), `features.backlog`), or refer it up the unit tree
for coordination (R-DSP-10, Hohhot Art.19)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from hotline.domain.actions.common import deadlines_moved, feature, nothing_pending
from hotline.domain.actions.declaration import WORKING, Action, Ctx, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload, Reason, Text
from hotline.domain.models import Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role


class RequestBacklog(Payload):
    plan: str = Text
    review_on: date
    scope: str | None = None


class ReferUp(Payload):
    reason: str = Reason
    to: str | None = None


def _backlog(lc: Lifecycle, t: Ticket, c: Ctx[RequestBacklog]) -> dict[str, Any]:
    t.backlog = c.payload.model_dump(mode="json") | {"since": c.now.isoformat()}
    t.deadlines.reply_by = None  # the ledger's review date governs now (Baoding Art.19(4))
    deadlines_moved(t)
    return t.backlog


def _refer_up(lc: Lifecycle, t: Ticket, c: Ctx[ReferUp]) -> dict[str, Any]:
    unit = next((u for u in lc.config.units if u.id == t.lead_unit), None)
    to = c.payload.to or (unit.parent if unit else None)
    entry = {"reason": c.payload.reason, "to": to, "at": c.now.isoformat()}
    t.referrals.append(entry)
    return entry


ACTIONS = (
    Action(
        A.request_backlog,
        RequestBacklog,
        (row(WORKING, S.backlogged, {R.unit}, party="lead", guards=(feature("backlog"), nothing_pending)),),
        _backlog,
    ),
    Action(A.refer_up, ReferUp, (row(WORKING | {S.backlogged}, None, {R.unit}, party="lead"),), _refer_up),
)
