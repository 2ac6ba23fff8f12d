"""A deadline fell due (SPEC §4): the Scheduler target. Stale or duplicate fires are no-ops (R-TMR-4)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from hotline.adapters.runtime import now, services
from hotline.dal.repository import reread_on_conflict
from hotline.domain.errors import IllegalTransition, RuleViolation
from hotline.domain.models import SYSTEM, Ticket
from hotline.domain.routing import due_dispatch

logger = Logger()
metrics = Metrics(namespace="Hotline12345")


class Fire(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ticket_id: str
    action: str  # route | remind | mark_overdue | escalate | auto_close
    deadline: str | None = None
    deadline_version: int | None = None
    level: int | None = None


def apply(fire: Fire) -> Ticket:
    """A fire that races a unit's action reads the ticket again: the deadline still holds."""
    svc = services()
    body = fire.model_dump(exclude={"ticket_id", "action"}, exclude_none=True)

    def once() -> Ticket:
        ticket = svc.tickets.get(fire.ticket_id)
        if fire.action == "route":  # a deferred order's morning (Weixi Art.6): the rule dispatches it
            step = due_dispatch(svc.lifecycle, ticket, now())
            if step is None:
                raise IllegalTransition("not_due", "the order was dispatched already, or no rule decides it")
        else:
            step = svc.lifecycle.apply(ticket, fire.action, SYSTEM, body, now())
        return svc.tickets.save(step)

    return reread_on_conflict(once, attempts=4)


def check_calendar() -> dict[str, Any]:
    """The daily calendar check (R-SLA-1): a year a deadline may fall in without holiday data
    counts Monday–Friday only; the metric raises the `calendar-data-missing` alarm until the
    layer's `chinesecalendar` is upgraded or the city enters the year (`published_years`)."""
    policy = services().lifecycle.policy
    missing = policy.calendar.missing_years(policy.calendar.local(now()).date())
    metrics.add_metric(name="CalendarYearsMissing", unit=MetricUnit.Count, value=len(missing))
    if missing:
        logger.warning("no statutory holiday data", extra={"years": missing})
    return {"routine": "calendar", "missing_years": missing}


ROUTINES = {"calendar": check_calendar}


@logger.inject_lambda_context
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "routine" in event:  # a daily EventBridge rule, not an order's deadline
        routine = ROUTINES.get(str(event["routine"]))
        if routine is None:
            raise ValueError(f"unknown routine {event['routine']!r}; known: {sorted(ROUTINES)}")
        return routine()
    fire = Fire.model_validate(event)
    try:
        saved = apply(fire)
    except (IllegalTransition, RuleViolation) as exc:  # superseded, already met, or the rules say no
        logger.info("timer fire is a no-op", extra={"ticket_id": fire.ticket_id, "why": exc.message})
        metrics.add_metric(name="TimerNoOp", unit=MetricUnit.Count, value=1)
        return {"ticket_id": fire.ticket_id, "applied": False, "why": exc.message}
    metrics.add_metric(name=f"Timer_{fire.action}", unit=MetricUnit.Count, value=1)
    return {"ticket_id": fire.ticket_id, "applied": True, "status": saved.status.value}
