"""Keeps the machinery in step with each ticket version the stream delivers (DESIGN §1): its
Scheduler timers (R-TMR-1..4), its execution (started once, resumed when the phase it waits in
ends), the three rates (R-KPI-1) and what the city governs with (R-GOV-1..3). Everything is
idempotent: the stream redelivers."""

from __future__ import annotations

from hotline.app import governance
from hotline.app.ports import Deps
from hotline.app.retry import reread_on_conflict
from hotline.domain import kpi, timers
from hotline.domain.governance import volume_share
from hotline.domain.models import Ticket
from hotline.domain.workflow import execution_name, leaves_phase, resumes
from hotline.observability import count, logger

COUNT_ATTEMPTS = 5


def timing(t: Ticket) -> tuple[object, ...]:
    """What the timers an order needs depend on (domain/timers.py): nothing else triggers work."""
    return t.status, t.deadline_version, tuple(t.missing_parts)


def follow(deps: Deps, old: Ticket | None, new: Ticket) -> None:
    """One change of a ticket: `old` is None when it was created."""
    if old is None or timing(old) != timing(new):
        arm_timers(deps, old, new)
    drive_execution(deps, old, new)
    count_rates(deps, new, old)
    governance.observe(deps, old, new)  # R-GOV-1..3: callers, clusters, topics, reported risks


def arm_timers(deps: Deps, old: Ticket | None, new: Ticket) -> None:
    """The next timer of each deadline the change opened, none of those it ended (R-TMR-1..4)."""
    created, deleted = deps.schedules.apply(timers.plan(deps.lifecycle.policy, old, new))
    count("SchedulesCreated", created)
    count("SchedulesDeleted", deleted)
    logger.info(
        "timers armed", extra={"ticket_id": new.ticket_id, "schedules_created": created, "schedules_deleted": deleted}
    )


def count_rates(deps: Deps, ticket: Ticket, old: Ticket | None = None) -> None:
    """Move the kept figures by what this version changed in the order's share (R-KPI-1). What
    the previous version added comes from the stream's old image (None: the ticket is new), so
    counting is one conditioned write and no read, and a version that moves nothing writes
    nothing; the store reads what was counted only when its row says otherwise (a redelivery)."""
    calendar = deps.lifecycle.policy.calendar
    share = kpi.share(ticket, calendar, deps.config.kpi)
    volume = volume_share(ticket, calendar)  # R-GOV-1: in the same transaction as the rates
    prior = (
        kpi.Prior(kpi.share(old, calendar, deps.config.kpi), volume_share(old, calendar), old.expires_at)
        if old is not None
        else kpi.Prior({}, {}, None, first=True)
    )
    delta = reread_on_conflict(
        lambda: deps.kpi.count(ticket.ticket_id, ticket.version, share, ticket.expires_at, volume, prior),
        attempts=COUNT_ATTEMPTS,
    )
    if delta:
        logger.info("rates counted", extra={"ticket_id": ticket.ticket_id, "figures_moved": len(delta)})


def drive_execution(deps: Deps, old: Ticket | None, new: Ticket) -> None:
    name = execution_name(old, new)
    if name is not None:
        started = deps.executions.start(new, name)
        count("ExecutionStarts", int(started))
        logger.info("execution running" if started else "execution ended already", extra={"execution": name})
        return
    if not leaves_phase(old, new):
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
