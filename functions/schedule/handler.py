"""Sets, moves and cancels an order's timers as it changes (R-TMR-1..4): the table stream → Scheduler.

A ticket record whose status or deadline version changed is reconciled: the schedules it needs
now are created, the rest deleted. Fires of anything missed in between are harmless no-ops,
because every fire carries its deadline version (R-TMR-4).
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.runtime import services
from hotline.adapters.schedules import ScheduleService
from hotline.dal.repository import ticket_from_stream
from hotline.domain.timers import timers_for

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
_schedules: ScheduleService | None = None


def schedules() -> ScheduleService:
    global _schedules
    if _schedules is None:
        _schedules = ScheduleService()
    return _schedules


def reconcile(record: DynamoDBRecord) -> None:
    change = record.raw_event.get("dynamodb", {})
    new = ticket_from_stream(change.get("NewImage") or {})
    if new is None:
        return
    old = ticket_from_stream(change.get("OldImage") or {})
    if old is not None and (old.status, old.deadline_version) == (new.status, new.deadline_version):
        return
    created, deleted = schedules().reconcile(new.ticket_id, timers_for(services().lifecycle.policy, new))
    metrics.add_metric(name="SchedulesCreated", unit=MetricUnit.Count, value=created)
    metrics.add_metric(name="SchedulesDeleted", unit=MetricUnit.Count, value=deleted)
    logger.info(
        "timers reconciled",
        extra={"ticket_id": new.ticket_id, "schedules_created": created, "schedules_deleted": deleted},
    )


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=reconcile, processor=processor, context=context)
