"""A deadline fell due (SPEC §4): the Scheduler's fire. Stale or duplicate fires are no-ops (R-TMR-4)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from hotline.app.ports import Deps
from hotline.app.retry import reread_on_conflict
from hotline.domain.errors import IllegalTransition, RuleViolation
from hotline.domain.models import SYSTEM, Ticket
from hotline.domain.routing import due_dispatch
from hotline.domain.timers import Plan, following, timer_name
from hotline.observability import count, logger

FIRE_ATTEMPTS = 4


class Fire(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_id: str
    action: str  # route | remind | mark_overdue | escalate | auto_close
    deadline: str | None = None
    deadline_version: int | None = None
    level: int | None = None
    step: str | None = None  # which timer of its chain this is (domain/timers.py); it arms the next

    @property
    def timer(self) -> str | None:
        if self.step is None or self.deadline is None or self.deadline_version is None:
            return None  # a hand-made fire (docs/runbook.md) arms nothing
        return timer_name(self.ticket_id, self.deadline, self.deadline_version, self.step)


def apply(deps: Deps, fire: Fire) -> Ticket:
    """A fire that races a unit's action reads the ticket again: the deadline still holds."""
    body = fire.model_dump(exclude={"ticket_id", "action", "step"}, exclude_none=True)

    def once() -> Ticket:
        ticket = deps.tickets.get(fire.ticket_id)
        if fire.action == "route":  # a deferred order's morning (Weixi Art.6): the rule dispatches it
            step = due_dispatch(deps.lifecycle, ticket, deps.now())
            if step is None:
                raise IllegalTransition("not_due", "the order was dispatched already, or no rule decides it")
        else:
            step = deps.lifecycle.apply(ticket, fire.action, SYSTEM, body, deps.now())
        return deps.tickets.save(step)

    return reread_on_conflict(once, attempts=FIRE_ATTEMPTS)


def fire(deps: Deps, event: Fire) -> dict[str, Any]:
    """Apply the fire, then arm the next timer of its chain; what the rules refuse is a no-op,
    answered and counted (never retried), and arms the next only if its chain is still the
    order's (a rung the supervisor reached by hand, say: the ladder goes on)."""
    try:
        saved = apply(deps, event)
    except (IllegalTransition, RuleViolation) as exc:  # superseded, already met, or the rules say no
        logger.info("timer fire is a no-op", extra={"ticket_id": event.ticket_id, "why": exc.message})
        count("TimerNoOp")
        if event.timer is not None:
            arm_next(deps, event.timer, deps.tickets.get(event.ticket_id))
        return {"ticket_id": event.ticket_id, "applied": False, "why": exc.message}
    count(f"Timer_{event.action}")
    if event.timer is not None:
        arm_next(deps, event.timer, saved)
    return {"ticket_id": event.ticket_id, "applied": True, "status": saved.status.value}


def arm_next(deps: Deps, fired: str, ticket: Ticket) -> None:
    """One rung at a time (issue 24): the schedule that fired deleted itself after completion."""
    nxt = following(deps.lifecycle.policy, ticket, fired)
    if nxt is not None:
        created, _ = deps.schedules.apply(Plan(arm=(nxt,)))
        count("SchedulesCreated", created)


def check_calendar(deps: Deps) -> dict[str, Any]:
    """The daily calendar check (R-SLA-1): a year a deadline may fall in without holiday data
    counts Monday–Friday only; the metric raises the `calendar-data-missing` alarm until the
    layer's `chinesecalendar` is upgraded or the city enters the year (`published_years`)."""
    calendar = deps.lifecycle.policy.calendar
    missing = calendar.missing_years(deps.local(deps.now()).date())
    count("CalendarYearsMissing", len(missing))
    if missing:
        logger.warning("no statutory holiday data", extra={"years": missing})
    return {"routine": "calendar", "missing_years": missing}
