"""What a lead does with a matter it cannot finish in time: ask for it to go on the backlog
ledger with a plan and a review date, which the reviewer approves or not (Baoding Art.19(4),
`features.backlog`, R-DESK-4). Referring it up for coordination is `units.py`'s."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import Field

from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import deadlines_moved, feature, nothing_pending, pending
from hotline.domain.actions.declaration import WORKING, Action, Ctx, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Decision, Payload
from hotline.domain.errors import BadInput
from hotline.domain.models import Pending, Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role
REVIEW_AT = time(9, 0)  # the review date reminds at the office's opening


class RequestBacklog(Payload):
    plan: str = Field(min_length=10, max_length=4000)  # a plan, not "测试" (R-DESK-4)
    review_on: date
    scope: str | None = None


def review_ahead(lc: Lifecycle, c: Ctx[RequestBacklog]) -> None:
    """A review date is a date to come, within a year."""
    today = lc.policy.calendar.local(c.now).date()
    if not today < c.payload.review_on <= date(today.year + 1, today.month, min(today.day, 28)):
        raise BadInput(
            "bad_review_date",
            f"复核日期须在今天（{today.isoformat()}）之后、一年之内",
            "review_on must be after today and within a year",
        )


def _ask(lc: Lifecycle, t: Ticket, c: Ctx[RequestBacklog]) -> dict[str, Any]:
    """The plan waits for the reviewer (R-DESK-4); meanwhile the order keeps its deadlines."""
    detail = c.payload.model_dump(mode="json", exclude_none=True)
    t.pending = Pending(kind="backlog", by=c.actor.id, at=c.now, reason=c.payload.plan, detail=detail)
    return detail


def _decide(lc: Lifecycle, t: Ticket, c: Ctx[Decision]) -> dict[str, Any]:
    """Approved: on the ledger with its plan; the review date, not the reply deadline, governs and
    reminds (Baoding Art.19(4)). Rejected: the order goes on under its deadlines."""
    assert t.pending is not None
    asked = t.pending
    t.pending = None
    detail: dict[str, Any] = {"approve": c.payload.approve, "reason": c.payload.reason}
    if not c.payload.approve:
        return detail
    review_on = date.fromisoformat(str(asked.detail["review_on"]))
    t.backlog = {**asked.detail, "since": c.now.isoformat(), "approved_by": str(c.actor), "by": asked.by}
    t.deadlines.reply_by = None
    t.deadlines.review_by = datetime.combine(review_on, REVIEW_AT, tzinfo=ZoneInfo(lc.config.timezone))
    deadlines_moved(t)
    return {**detail, "review_on": review_on.isoformat()}


ACTIONS = (
    Action(
        A.request_backlog,
        RequestBacklog,
        (row(WORKING, None, {R.unit}, party="lead", guards=(feature("backlog"), nothing_pending, review_ahead)),),
        _ask,
    ),
    Action(
        A.decide_backlog,
        Decision,
        (
            row(WORKING, S.backlogged, {R.reviewer}, "approved", guards=(pending("backlog"),)),
            row(WORKING, None, {R.reviewer}, "rejected", guards=(pending("backlog"),)),
        ),
        _decide,
        choose=lambda _t, p: "approved" if p.approve else "rejected",
        units={
            "approved": ToUnits(
                "backlog_approved", to.lead, "挂账已批准 {id}", "挂账申请已批准，请按计划推进，到复核日期前报告进展"
            ),
            "rejected": ToUnits("backlog_rejected", to.lead, "挂账未批准 {id}", "挂账申请未获批准，请按原时限办理"),
        },
    ),
)
