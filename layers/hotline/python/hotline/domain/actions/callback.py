"""Callback (R-CB-1..3): the citizen rates, or a callback agent records the rating with the
reviewer's judgement of an unsatisfied one (reasonable → rehandle, within the city's limit;
not → the unit's explanation closes it); silence at the window's end counts as basically
satisfied where the city says so (Weixi, R-CB-2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import deadlines_moved
from hotline.domain.actions.declaration import Action, Ctx, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload
from hotline.domain.actions.timer_fires import timer_current
from hotline.domain.errors import BadInput, RuleViolation
from hotline.domain.models import Rating, Role, Satisfaction, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role
AGENTS = {R.callback, R.reviewer}


class Rate(Payload):
    resolved: bool | None  # None: not asked or not answered (an SMS rating); leaves the resolution rate
    satisfaction: Satisfaction
    comment: str = Field(default="", max_length=2000)


class RecordCallback(Rate):
    reasonable: bool | None = None


class AutoClose(Payload):
    """The callback window's timer (R-CB-2); tests and tools may close without naming a version."""

    deadline_version: int | None = Field(default=None, ge=0)
    deadline: Literal["callback"] | None = None


def _rate_outcome(_t: Ticket, pl: Rate) -> str:
    return "needs_review" if pl.satisfaction is Satisfaction.unsatisfied else "settled"


def _callback_outcome(_t: Ticket, pl: RecordCallback) -> str:
    if pl.satisfaction is not Satisfaction.unsatisfied:
        return "settled"
    if pl.reasonable is None:
        raise BadInput(
            "reasonable_required",
            "不满意的回访须填写诉求是否合理（reasonable）：合理则退回重办，不合理则记录解释后办结",
            "an unsatisfied callback needs `reasonable`: true sends the order back "
            "for rehandling, false records the unit's explanation and closes it",
        )
    return "rehandle" if pl.reasonable else "explained"


def rehandle_within_limit(lc: Lifecycle, c: Ctx[RecordCallback]) -> None:
    cb = lc.config.callback
    if cb.rehandle_limit is not None and c.ticket.rehandles_used >= cb.rehandle_limit:
        raise RuleViolation(
            "rehandle_limit",
            f"每件工单最多重办 {cb.rehandle_limit} 次（{cb.article}），请记录承办单位的解释（reasonable: false）",
            f"an order is rehandled at most {cb.rehandle_limit} time(s) ({cb.article}); "
            "record the unit's explanation instead (reasonable: false)",
        )


def silence_counts_as_rating(lc: Lifecycle, c: Ctx[AutoClose]) -> None:
    cb = lc.config.callback
    if cb.no_rating != "deemed_basically_satisfied":
        raise RuleViolation(
            "keeps_open",
            f"{lc.config.name}未评价的工单由回访员继续回访",
            f"{lc.config.name} keeps unrated orders open for callback agents",
        )
    if c.ticket.rated_since_reply:  # R-DESK-6: only silence is deemed; a recorded rating never is
        raise RuleViolation(
            "already_rated",
            "诉求人已作出评价，不能视为基本满意",
            "the citizen rated the order; only silence is deemed basically satisfied (R-CB-2, R-DESK-6)",
        )
    due = c.ticket.deadlines.callback_by
    if due is None or c.now < due:
        raise RuleViolation("window_open", "回访期限未到", "the callback window is still open")


def _rating(lc: Lifecycle, t: Ticket, c: Ctx[Rate]) -> dict[str, Any]:
    pl = c.payload
    reasonable = getattr(pl, "reasonable", None)
    t.rating = Rating(
        resolved=pl.resolved,
        satisfaction=pl.satisfaction,
        comment=pl.comment,
        at=c.now,
        by=str(c.actor),
        reasonable=reasonable,
    )
    detail: dict[str, Any] = {"resolved": pl.resolved, "satisfaction": pl.satisfaction.value}
    if pl.satisfaction is Satisfaction.unsatisfied:
        t.unsatisfied_ratings += 1
        if t.unsatisfied_ratings >= 2:  # R-TMR-3: repeated unsatisfied ratings → supervision
            t.supervision_level = max(t.supervision_level, 1)
            detail["supervision_level"] = t.supervision_level
    if reasonable is True:  # rehandle (R-CB-3): back to the unit, same limit, fresh clock
        t.rehandles_used += 1
        assert t.limit is not None
        t.deadlines.reply_by = lc.policy.add(c.now, t.limit, lc.policy.is_always_on(t.category))
        t.deadlines.callback_by = None
        t.overdue = False
        deadlines_moved(t)
        detail["reply_by"] = t.deadlines.reply_by.isoformat()
    else:
        # Any recorded rating ends the callback window: an unsatisfied one awaits the center's
        # review and is never replaced by a deemed one (R-CB-2 is for silence only, R-DESK-6).
        if t.deadlines.callback_by is not None:
            t.deadlines.callback_by = None
            deadlines_moved(t)  # the window's close is void (R-TMR-4)
    return detail


def _auto_close(lc: Lifecycle, t: Ticket, c: Ctx[AutoClose]) -> dict[str, Any]:
    if c.payload.deadline_version is not None:
        timer_current(t, c.payload.deadline_version, "callback")
    t.rating = Rating(
        resolved=None,
        satisfaction=Satisfaction.basically_satisfied,
        at=c.now,
        by=str(c.actor),
        deemed=True,
    )
    t.deadlines.callback_by = None
    return {"deemed": "basically_satisfied", "rule": lc.config.callback.article}


ACTIONS = (
    Action(
        A.rate,
        Rate,
        (
            row({S.replied}, S.closed, {R.citizen}, "settled"),
            row({S.replied}, None, {R.citizen}, "needs_review"),
        ),
        _rating,
        choose=_rate_outcome,
    ),
    Action(
        A.record_callback,
        RecordCallback,
        (
            row({S.replied}, S.closed, AGENTS, "settled"),
            row({S.replied}, S.closed, AGENTS, "explained"),
            row({S.replied}, S.rehandling, AGENTS, "rehandle", guards=(rehandle_within_limit,)),
        ),
        _rating,
        choose=_callback_outcome,
        units={"rehandle": ToUnits("rehandle", to.lead, "重办工单 {id}", "回访不满意，经审核需重新办理")},
    ),
    Action(
        A.auto_close,
        AutoClose,
        (row({S.replied}, S.closed, {R.system}, guards=(silence_counts_as_rating,)),),
        _auto_close,
    ),
)
