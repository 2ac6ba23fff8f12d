"""Tells units what happened to their orders (R-DSP-13): the ticket table's stream → notices.

Reading the stream rather than publishing beside the write means a notice is never lost when
a write succeeds and a publish fails: the batch is retried record by record, then parked in
the dead-letter queue for redrive. Delivery is at least once.

Units and desks hear on their topics; a citizen's SMS is queued for the `sms` function with the
sealed contact, not the phone number (R-SEC-2). The contact is opened here only for an emergency
desk, which is given the caller's phone to call back (R-INT-4).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.notifier import citizen_sms, notifier
from hotline.adapters.runtime import Services, now, services
from hotline.dal.repository import event_from_stream
from hotline.domain.models import Ticket
from hotline.domain.notices import (
    CALLER_PHONE,
    DeskNotice,
    center_notices,
    citizen_notices,
    desk_notices,
    knowledge_notices,
    notices_for,
)

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
NO_PHONE = "未留电话"
TICKET_PK = "TICKET#"  # the table also holds caller records, KB hits and hotspots (dal/models.py)


def notify(record: DynamoDBRecord) -> None:
    change = record.raw_event.get("dynamodb", {})
    image = change.get("NewImage")
    if record.raw_event.get("eventName") != "INSERT" or not image:
        return
    if not str(change.get("Keys", {}).get("pk", {}).get("S", "")).startswith(TICKET_PK):
        return  # filtered out in AWS; the local cloud hands every record to every reader
    event = event_from_stream(image)
    if event is None:
        return
    svc = services()
    ticket = svc.tickets.get(event.ticket_id)
    notices = notices_for(svc.config, ticket, event)
    for notice in notices:
        notifier().to_unit(notice)
    for center in center_notices(svc.config, ticket, event):  # the center's own clock (R-DSP-2, R-DSP-6)
        notifier().to_center(center)
        metrics.add_metric(name="CenterNotices", unit=MetricUnit.Count, value=1)
    for desk in with_caller_phone(svc, ticket, desk_notices(svc.config, ticket, event)):
        notifier().to_desk(desk)
        metrics.add_metric(name="EmergencyTransfers", unit=MetricUnit.Count, value=1)
    sealed = ticket.citizen_sealed
    if sealed:  # no SMS when no contact was left
        for sms in citizen_notices(svc.config, ticket, event):
            citizen_sms().request(sms, sealed)  # the sms function opens the contact and sends
            metrics.add_metric(name="CitizenSmsQueued", unit=MetricUnit.Count, value=1)
    if notices:
        metrics.add_metric(name="NoticesSent", unit=MetricUnit.Count, value=len(notices))
        logger.info("notices sent", extra={"ticket_id": event.ticket_id, "action": event.action, "count": len(notices)})


def with_caller_phone(svc: Services, ticket: Ticket, desks: list[DeskNotice]) -> list[DeskNotice]:
    """R-INT-4: an emergency desk calls the citizen back, so its notice names the caller's phone
    (`{caller_phone}`; 未留电话 when none was left). The contact is opened only when a notice asks."""
    if not any(CALLER_PHONE in d.text for d in desks):
        return desks
    phone = ""
    if ticket.citizen_sealed:
        phone = svc.vault.open(ticket.request_id, ticket.citizen_sealed).get("phone", "")
    for desk in desks:  # the phone itself is never logged
        disclosed = {"ticket_id": ticket.ticket_id, "desk": desk.desk, "had_phone": bool(phone)}
        logger.info("caller phone disclosed to the desk (R-INT-4)", extra=disclosed)
    return [replace(d, text=d.text.replace(CALLER_PHONE, phone or NO_PHONE)) for d in desks]


REVIEW_AHEAD = timedelta(days=14)  # units hear two weeks before an answer stops being given


def knowledge_review() -> dict[str, Any]:
    """The daily KB check (R-KB-1, R-TMR-3): each owning unit hears of its entries that are stale
    or go stale within two weeks. The KB is baked into the function, so this reads no table."""
    svc = services()
    today = svc.lifecycle.policy.calendar.local(now()).date()
    due = svc.knowledge.due_for_review(today, REVIEW_AHEAD)
    for notice in knowledge_notices(due, today):
        notifier().to_unit(notice)
    stale = len(svc.knowledge.stale(today))
    metrics.add_metric(name="KnowledgeEntriesStale", unit=MetricUnit.Count, value=stale)
    logger.info("knowledge reviewed", extra={"due": len(due), "stale": stale})
    return {"routine": "knowledge", "notified": sorted({e.unit for e in due}), "entries": [e.id for e in due]}


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> Any:
    if event.get("routine") == "knowledge":  # the daily EventBridge rule
        return knowledge_review()
    result: PartialItemFailureResponse = process_partial_response(
        event=event, record_handler=notify, processor=processor, context=context
    )
    return result
