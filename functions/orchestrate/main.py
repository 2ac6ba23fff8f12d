"""Keeps the machinery in step with each ticket, from the table's stream (DESIGN §1; hotline.app.follow).

For every ticket record that changed: the order's Scheduler timers are made equal to the
deadlines it has now (R-TMR-1..4), its execution is started when the ticket is new, the
parked execution is resumed when the change ends the phase it waits in, and the three rates
move by what the change did to the order's share (R-KPI-1). Everything here is idempotent,
because the stream redelivers: schedules are reconciled by name, executions are named after
the ticket, a resume is decided by the ticket version the execution parked at, and a share is
counted once per ticket version.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.app import follow as app_follow
from hotline.dal.repository import ticket_from_stream
from hotline.domain.models import Ticket
from hotline.observability import instrumented
from hotline.wiring import deps

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
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
    app_follow.follow(deps(), ticket_from_stream(change.get("OldImage") or {}), new)


def count_rates(ticket: Ticket, old: Ticket | None = None) -> None:
    app_follow.count_rates(deps(), ticket, old)


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=follow, processor=processor, context=context)
