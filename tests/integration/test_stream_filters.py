"""The stream readers read only what they are for (issue 15 item 10, R-TMR-1, R-DSP-13, R-INT-8).

The tickets table also holds caller records (`CALLER#<hash>` / `META`), knowledge hits and
hotspot counts. A caller's strike writes one; the readers' event filters leave it out in AWS
(tests/infra), and the handlers skip it themselves, since the local cloud's emulator hands every
record to every reader. A record a reader cannot use must never fail its batch: Lambda would retry
it five times and park it in the dead-letter queue, paging ops for nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import boto3

from hotline.adapters import runtime
from hotline.dal.callers import CallerStore
from hotline.dal.models import TicketItem
from hotline.domain.callers import CallerRecord
from tests.integration.apigw import Context


def caller_record(caller_id: str, *, old: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stream record the table carries for a caller item as it is now (DynamoDB JSON)."""
    key = {"pk": {"S": f"CALLER#{caller_id}"}, "sk": {"S": "META"}}
    item = boto3.client("dynamodb").get_item(TableName=TicketItem.Meta.table_name, Key=key)["Item"]
    change: dict[str, Any] = {"Keys": key, "NewImage": item, "SequenceNumber": "000000000001",
                              "StreamViewType": "NEW_AND_OLD_IMAGES"}  # fmt: skip
    if old is not None:
        change["OldImage"] = old
    return {"eventID": "1", "eventName": "MODIFY" if old else "INSERT", "eventSource": "aws:dynamodb",
            "eventSourceARN": "arn:aws:dynamodb:ap-southeast-1:123456789012:table/t/stream/1",
            "dynamodb": change}  # fmt: skip


def strike(caller_id: str) -> list[dict[str, Any]]:
    """A caller struck twice (a refused filing with a phone, R-INT-8): the INSERT and the MODIFY."""
    store, now = CallerStore(), runtime.now()
    first = store.save(CallerRecord(caller_id=caller_id, strikes=[now]))
    inserted = caller_record(caller_id)
    store.save(first.model_copy(update={"strikes": [now, now + timedelta(minutes=1)]}))
    return [inserted, caller_record(caller_id, old=inserted["dynamodb"]["NewImage"])]


def test_a_callers_strike_leaves_orchestrate_error_free(city):
    """Issue 15 item 10: orchestrate reads ticket records only; a caller record (`sk = META` too)
    is skipped, not parsed as a ticket, so its batch succeeds and nothing is retried or parked."""
    from functions.orchestrate import handler as orchestrate

    city("tianjin")
    records = strike("c0ffee")
    answer = orchestrate.handler({"Records": records}, Context())
    assert answer["batchItemFailures"] == []


def test_a_callers_strike_leaves_notify_error_free(city):
    """R-DSP-13: notify reads event items only; a caller record sends nothing and fails nothing."""
    from functions.notify import handler as notify

    city("tianjin")
    assert notify.handler({"Records": strike("c0ffee")}, Context())["batchItemFailures"] == []
