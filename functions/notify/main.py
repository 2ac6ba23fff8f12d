"""Tells units what happened to their orders (R-DSP-13): the ticket table's stream → notices.

Reading the stream rather than publishing beside the write means a notice is never lost when
a write succeeds and a publish fails: the batch is retried record by record, then parked in
the dead-letter queue for redrive. Delivery is at least once.

Units and desks hear on their topics; a citizen's SMS is queued for the `sms` function with the
sealed contact, not the phone number (R-SEC-2). The contact is opened here only for an emergency
desk, which is given the caller's phone to call back (R-INT-4). What is sent: hotline.app.notices.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.app import knowledge, notices
from hotline.dal.repository import events_from_stream, ticket_from_stream
from hotline.observability import instrumented
from hotline.wiring import deps

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
TICKET_PK = "TICKET#"  # the table also holds caller records, KB hits and hotspots (dal/models.py)


def notify(record: DynamoDBRecord) -> None:
    """A ticket's write (its META record): the events it added ride on the item (`recent`), and
    the image is the ticket as they left it, so nothing is read (issue 24)."""
    change = record.raw_event.get("dynamodb", {})
    image = change.get("NewImage")
    if not image or not str(change.get("Keys", {}).get("pk", {}).get("S", "")).startswith(TICKET_PK):
        return  # filtered out in AWS; the local cloud hands every record to every reader
    events = events_from_stream(image, change.get("OldImage"))
    if not events:
        return
    ticket = ticket_from_stream(image)
    for event in events:
        notices.notify(deps(), event, ticket)


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    if event.get("routine") == "knowledge":  # the daily EventBridge rule (R-KB-3)
        return knowledge.review(deps())
    if event.get("routine") == "knowledge_monthly":  # the monthly one: usage to each unit (R-KB-4)
        return knowledge.monthly(deps())
    result: PartialItemFailureResponse = process_partial_response(
        event=event, record_handler=notify, processor=processor, context=context
    )
    return result
