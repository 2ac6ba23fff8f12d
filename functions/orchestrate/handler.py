"""Keeps the machinery in step with each ticket, from the table's stream (DESIGN §1).

For every ticket record that changed: the order's Scheduler timers are made equal to the
deadlines it has now (R-TMR-1..4), its execution is started when the ticket is new, the
parked execution is resumed when the change ends the phase it waits in, and the three rates
move by what the change did to the order's share (R-KPI-1). Everything here is idempotent,
because the stream redelivers: schedules are reconciled by name, executions are named after
the ticket, a resume is decided by the ticket version the execution parked at, and a share is
counted once per ticket version.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.executions import Executions
from hotline.adapters.runtime import services
from hotline.adapters.schedules import ScheduleService
from hotline.dal.repository import reread_on_conflict, ticket_from_stream
from hotline.domain import kpi
from hotline.domain.models import Ticket
from hotline.domain.timers import timers_for
from hotline.domain.workflow import execution_name, resumes

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def schedules() -> ScheduleService:
    return ScheduleService()


@cache
def executions() -> Executions:
    return Executions()


TICKET_PK = "TICKET#"  # the table also holds caller records, KB hits and hotspots (dal/models.py)


def is_ticket(change: dict[str, Any]) -> bool:
    """A ticket item (`TICKET#<id>` / `META`): the stream filter lets only these through in AWS;
    the local cloud hands every record to every reader, so this reader checks again (issue 15)."""
    keys = change.get("Keys") or {}
    return str(keys.get("pk", {}).get("S", "")).startswith(TICKET_PK) and keys.get("sk", {}).get("S") == "META"


def follow(record: DynamoDBRecord) -> None:
    change = record.raw_event.get("dynamodb", {})
    if not is_ticket(change):
        return
    new = ticket_from_stream(change.get("NewImage") or {})
    if new is None:
        return
    old = ticket_from_stream(change.get("OldImage") or {})
    if old is None or _timing(old) != _timing(new):
        reconcile_timers(new)
    drive_execution(old, new)
    count_rates(new)


def _timing(t: Ticket) -> tuple[object, ...]:
    """What the timers an order needs depend on (domain/timers.py): nothing else triggers work."""
    return t.status, t.deadline_version, tuple(t.missing_parts)


def reconcile_timers(ticket: Ticket) -> None:
    created, deleted = schedules().reconcile(ticket.ticket_id, timers_for(services().lifecycle.policy, ticket))
    metrics.add_metric(name="SchedulesCreated", unit=MetricUnit.Count, value=created)
    metrics.add_metric(name="SchedulesDeleted", unit=MetricUnit.Count, value=deleted)
    logger.info(
        "timers reconciled",
        extra={"ticket_id": ticket.ticket_id, "schedules_created": created, "schedules_deleted": deleted},
    )


def count_rates(ticket: Ticket) -> None:
    """Move the kept figures by what this version changed in the order's share (R-KPI-1)."""
    svc = services()
    share = kpi.share(ticket, svc.lifecycle.policy.calendar, svc.config.kpi)
    delta = reread_on_conflict(
        lambda: svc.kpi.count(ticket.ticket_id, ticket.version, share, ticket.expires_at), attempts=5
    )
    if delta:
        logger.info("rates counted", extra={"ticket_id": ticket.ticket_id, "figures_moved": len(delta)})


def drive_execution(old: Ticket | None, new: Ticket) -> None:
    name = execution_name(old, new)
    if name is not None:
        started = executions().start(new.ticket_id, name)
        metrics.add_metric(name="ExecutionStarts", unit=MetricUnit.Count, value=int(started))
        logger.info("execution running" if started else "execution ended already", extra={"execution": name})
        return
    if old is None or old.status == new.status:
        return
    wait = services().waits.get(new.ticket_id)
    if not resumes(old, new, wait):
        return
    assert wait is not None
    resumed = executions().resume(wait.token, new)
    metrics.add_metric(name="ExecutionsResumed", unit=MetricUnit.Count, value=int(resumed))
    logger.info(
        "execution resumed" if resumed else "nothing waited on the token",
        extra={"ticket_id": new.ticket_id, "phase": wait.phase, "status": new.status},
    )


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=follow, processor=processor, context=context)
