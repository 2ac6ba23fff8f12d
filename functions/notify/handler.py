"""Tells units what happened to their orders (R-DSP-13): the ticket table's stream → notices.

Reading the stream rather than publishing beside the write means a notice is never lost when
a write succeeds and a publish fails: the batch is retried record by record, then parked in
the dead-letter queue for redrive. Delivery is at least once.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.notifier import notifier
from hotline.adapters.runtime import services
from hotline.dal.repository import event_from_stream
from hotline.domain.notices import notices_for

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def notify(record: DynamoDBRecord) -> None:
    image = record.raw_event.get("dynamodb", {}).get("NewImage")
    if record.raw_event.get("eventName") != "INSERT" or not image:
        return
    event = event_from_stream(image)
    if event is None:
        return
    svc = services()
    notices = notices_for(svc.config, svc.tickets.get(event.ticket_id), event)
    for notice in notices:
        notifier().to_unit(notice)
        metrics.add_metric(name="NoticesSent", unit=MetricUnit.Count, value=1)
    if notices:
        logger.info("notices sent", extra={"ticket_id": event.ticket_id, "action": event.action, "count": len(notices)})


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=notify, processor=processor, context=context)
