"""What a timer's fire does (R-TMR-1/2/4): remind before a deadline, mark the order overdue at
it, then climb the city's supervision ladder one rung at a time. Each fire carries the deadline
version it was set for; a late, duplicate or superseded fire changes nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from hotline.domain.actions import recipients as to
from hotline.domain.actions.declaration import Action, Ctx, ToCenter, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload
from hotline.domain.errors import IllegalTransition
from hotline.domain.models import OPEN, Role, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

R = Role
Deadline = Literal["sign", "return", "assist", "reply", "callback", "dispatch", "queue", "review"]


class TimerFire(Payload):
    """A timer's fire carries the deadline version it was set for (R-TMR-4)."""

    deadline: Deadline
    deadline_version: int = Field(ge=0)


class Escalate(Payload):
    level: int = Field(ge=2, le=9)
    deadline_version: int = Field(ge=0)
    deadline: Deadline | None = None


def timer_current(t: Ticket, version: int, deadline: str | None = None) -> None:
    """R-TMR-4: a fire for a moved deadline, or for one already met, changes nothing."""
    if version != t.deadline_version:
        raise IllegalTransition("stale_timer", f"deadline version {version} was superseded by {t.deadline_version}")
    if deadline is not None and getattr(t.deadlines, f"{deadline}_by") is None:
        raise IllegalTransition("stale_timer", f"the {deadline} deadline is no longer pending")
    if deadline == "assist" and not t.missing_parts:
        raise IllegalTransition("stale_timer", "every assisting unit's part is in")


def _remind(lc: Lifecycle, t: Ticket, c: Ctx[TimerFire]) -> dict[str, Any]:
    timer_current(t, c.payload.deadline_version, c.payload.deadline)
    return {"deadline": c.payload.deadline}


def _mark_overdue(lc: Lifecycle, t: Ticket, c: Ctx[TimerFire]) -> dict[str, Any]:
    timer_current(t, c.payload.deadline_version, c.payload.deadline)
    if c.payload.deadline == "assist":  # the assisting units are late, not the order: told, not flagged
        return {"deadline": "assist", "late_units": t.missing_parts}
    if c.payload.deadline == "queue":  # the dispatcher is late: overdue, but no unit is supervised
        t.overdue = True
        return {"deadline": "queue"}
    t.overdue = True
    t.supervision_level = max(t.supervision_level, 1)  # R-TMR-2: supervision opens at level 1
    return {"deadline": c.payload.deadline, "supervision_level": t.supervision_level}


def _escalate(lc: Lifecycle, t: Ticket, c: Ctx[Escalate]) -> dict[str, Any]:
    timer_current(t, c.payload.deadline_version, c.payload.deadline)
    ladder = lc.config.supervision.ladder
    if c.payload.level != t.supervision_level + 1 or c.payload.level > len(ladder):
        raise IllegalTransition("stale_timer", f"level {c.payload.level} does not follow level {t.supervision_level}")
    t.supervision_level = c.payload.level
    return {"level": c.payload.level, "notify": ladder[c.payload.level - 1].notify}


ACTIONS = (
    Action(
        A.remind,
        TimerFire,
        (row(OPEN, None, {R.system}),),
        _remind,
        units={
            "assist": ToUnits(
                "reminder", to.late_parts, "协办即将到期 {id}", "协办时限将到，请尽快向主办单位提交协办意见", ahead=True
            ),
            "sign": ToUnits("reminder", to.lead, "签收即将到期 {id}", "签收时限将到，请尽快签收", ahead=True),
            "review": ToUnits("backlog_review", to.lead, "挂账复核 {id}", "挂账复核日期已到，请报告推进情况"),
            None: ToUnits("reminder", to.lead, "即将到期 {id}", "办结时限将到，请抓紧办理", ahead=True),
        },
        center={
            "queue": ToCenter("reminder", "dispatcher", "待派即将超时 {id}", "工单等待派单，派单时限将到"),
            "review": ToCenter("backlog_review", "reviewer", "挂账复核 {id}", "挂账工单复核日期已到，请核查推进情况"),
        },
    ),
    Action(
        A.mark_overdue,
        TimerFire,
        (row(OPEN, None, {R.system}),),
        _mark_overdue,
        units={
            "assist": (  # R-UNIT-4: a late part owes at least a word on where it stands
                ToUnits(
                    "overdue",
                    to.late_parts,
                    "协办已超期 {id}",
                    "协办意见已超过协办时限未提交，请立即提交，或先在工作台“报告办理进展”",
                ),
                ToUnits("overdue", to.lead, "协办已超期 {id}", "协办意见已超过协办时限未提交：{late}"),
            ),
            "sign": ToUnits("overdue", to.lead, "签收已超期 {id}", "已超过签收时限未签收，已列入督办"),
            None: ToUnits("overdue", to.lead, "已超期 {id}", "已超过办结时限，已列入督办"),
        },
        center={
            "queue": ToCenter("overdue", "dispatcher", "派单已超时 {id}", "工单已超过派单时限仍未派出"),
            "assist": ToCenter(
                "assist_overdue",
                "dispatcher",
                "协办超期 {id}",
                "协办意见超期未交：{late}；可豁免或移除协办单位（decide_assist）",
            ),
        },
    ),
    Action(
        A.escalate,
        Escalate,
        (row(OPEN, None, {R.system, R.supervisor}),),
        _escalate,
        units={None: ToUnits("escalated", to.ladder, "督办升级 {id}", "{lead}超期未办结，督办升级至第 {level} 级")},
    ),
)
