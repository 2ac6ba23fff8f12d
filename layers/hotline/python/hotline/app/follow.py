"""Keeps the machinery in step with each ticket version the stream delivers (DESIGN §1): its
Scheduler timers (R-TMR-1..4), its execution (started once, resumed when the phase it waits in
ends), the three rates (R-KPI-1) and what the city governs with (R-GOV-1..3). Everything is
idempotent: the stream redelivers."""

from __future__ import annotations

from hotline.app import governance
from hotline.app.ports import Deps
from hotline.app.retry import reread_on_conflict
from hotline.domain import kpi
from hotline.domain.governance import volume_share
from hotline.domain.models import Ticket
from hotline.domain.timers import timers_for
from hotline.domain.workflow import execution_name, resumes
from hotline.observability import count, logger

COUNT_ATTEMPTS = 5


def timing(t: Ticket) -> tuple[object, ...]:
    """What the timers an order needs depend on (domain/timers.py): nothing else triggers work."""
    return t.status, t.deadline_version, tuple(t.missing_parts)


def follow(deps: Deps, old: Ticket | None, new: Ticket) -> None:
    """One change of a ticket: `old` is None when it was created."""
    if old is None or timing(old) != timing(new):
        reconcile_timers(deps, new)
    drive_execution(deps, old, new)
    count_rates(deps, new)
    governance.observe(deps, old, new)  # R-GOV-1..3: callers, clusters, topics, reported risks


def reconcile_timers(deps: Deps, ticket: Ticket) -> None:
    created, deleted = deps.schedules.reconcile(ticket.ticket_id, timers_for(deps.lifecycle.policy, ticket))
    count("SchedulesCreated", created)
    count("SchedulesDeleted", deleted)
    logger.info(
        "timers reconciled",
        extra={"ticket_id": ticket.ticket_id, "schedules_created": created, "schedules_deleted": deleted},
    )


def count_rates(deps: Deps, ticket: Ticket) -> None:
    """Move the kept figures by what this version changed in the order's share (R-KPI-1)."""
    calendar = deps.lifecycle.policy.calendar
    share = kpi.share(ticket, calendar, deps.config.kpi)
    volume = volume_share(ticket, calendar)  # R-GOV-1: in the same transaction as the rates
    delta = reread_on_conflict(
        lambda: deps.kpi.count(ticket.ticket_id, ticket.version, share, ticket.expires_at, volume),
        attempts=COUNT_ATTEMPTS,
    )
    if delta:
        logger.info("rates counted", extra={"ticket_id": ticket.ticket_id, "figures_moved": len(delta)})


def drive_execution(deps: Deps, old: Ticket | None, new: Ticket) -> None:
    name = execution_name(old, new)
    if name is not None:
        started = deps.executions.start(new.ticket_id, name)
        count("ExecutionStarts", int(started))
        logger.info("execution running" if started else "execution ended already", extra={"execution": name})
        return
    if old is None or old.status == new.status:
        return
    wait = deps.waits.get(new.ticket_id)
    if not resumes(old, new, wait):
        return
    assert wait is not None
    resumed = deps.executions.resume(wait.token, new)
    count("ExecutionsResumed", int(resumed))
    logger.info(
        "execution resumed" if resumed else "nothing waited on the token",
        extra={"ticket_id": new.ticket_id, "phase": wait.phase, "status": new.status},
    )
