"""Citizen SMS apart from topic publishing (issue 15 item 13, R-SEC-2, R-DSP-13, R-INT-4).

`notify` queues each citizen SMS with the sealed contact and no phone number; the `sms` function
opens the contact and texts the phone, the only publish to a phone number in the stack. An
emergency desk's notice is given the caller's phone by notify itself.
"""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from hotline import wiring
from hotline.adapters import runtime
from hotline.dal.models import TicketItem
from hotline.domain.notices import CitizenNotice, DeskNotice
from tests.fakes import Recorder
from tests.integration.apigw import Context, call

PHONE = "13700000001"


@pytest.fixture
def sent(monkeypatch):
    """What would go out: the notifier records instead of publishing; the SMS queue is real."""
    recorder = Recorder()
    monkeypatch.setattr(wiring.Deps, "notifier", recorder)  # the wired notifier port, in every container
    runtime.services.cache_clear()
    yield recorder
    runtime.services.cache_clear()


def sms_queue(monkeypatch) -> str:
    url = boto3.client("sqs").create_queue(QueueName="hotline-tianjin-citizen-sms")["QueueUrl"]
    monkeypatch.setenv("CITIZEN_SMS_QUEUE_URL", url)
    runtime.services.cache_clear()  # the ports are wired again from the environment
    return url


def event_records(ticket_id: str) -> list[dict[str, Any]]:
    """The INSERT record the stream carries for the filing's write: the ticket item, with the
    events it added riding on it (`recent`)."""
    item = boto3.client("dynamodb").get_item(
        TableName=TicketItem.Meta.table_name, Key={"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": "META"}}
    )["Item"]
    return [{"eventID": "0", "eventName": "INSERT", "eventSource": "aws:dynamodb",
             "eventSourceARN": "arn:aws:dynamodb:ap-southeast-1:123456789012:table/t/stream/1",
             "dynamodb": {"Keys": {"pk": item["pk"], "sk": item["sk"]}, "NewImage": item, "SequenceNumber": f"{0:012d}",
                          "StreamViewType": "NEW_AND_OLD_IMAGES"}}]  # fmt: skip


def received(url: str) -> list[dict[str, Any]]:
    """The queued messages as the SQS event source hands them to the sms function."""
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    return [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
             "attributes": {}, "messageAttributes": {}, "eventSource": "aws:sqs",
             "eventSourceARN": "arn:aws:sqs:ap-southeast-1:123456789012:hotline-tianjin-citizen-sms"}
            for m in messages]  # fmt: skip


def test_notify_queues_the_citizen_sms_without_the_phone_and_only_the_sms_function_texts_it(city, sent, monkeypatch):
    """R-SEC-2, R-DSP-13: notify hands the filing's SMS to the queue with the sealed contact and
    the `{query_code}` placeholder, never the phone or the code; the sms function opens the contact,
    fills the code in and texts the phone; notify itself texts nobody."""
    from functions.notify import handler as notify
    from functions.sms import handler as sms

    svc = city("tianjin")
    url = sms_queue(monkeypatch)
    body = {"type": "help", "category": "property", "content": "楼道灯坏了一个月没人修",
            "location": {"district": svc.config.districts[0].code}, "citizen": {"phone": PHONE}}  # fmt: skip
    status, filed = call("POST", "/requests", body)
    assert status == 201, filed
    (ticket,) = filed["tickets"]
    assert notify.handler({"Records": event_records(ticket["ticket_id"])}, Context())["batchItemFailures"] == []
    assert sent.citizens == []  # notify texts no phone

    queued = received(url)
    assert len(queued) == 1
    body = queued[0]["body"]
    assert PHONE not in body and filed["query_code"] not in body
    request = json.loads(body)
    assert (request["ticket_id"], request["request_id"]) == (ticket["ticket_id"], filed["request_id"])
    assert (
        "{query_code}" in request["text"] and request["sealed"] == svc.tickets.get(ticket["ticket_id"]).citizen_sealed
    )

    assert sms.handler({"Records": queued}, Context())["batchItemFailures"] == []
    [(phone, notice)] = sent.citizens
    assert phone == PHONE
    assert filed["request_id"] in notice.text and filed["query_code"] in notice.text and "{" not in notice.text


def test_a_queued_sms_that_cannot_be_sent_is_handed_back_for_redelivery(city, sent, monkeypatch):
    """R-DSP-13 (at least once): a sealed contact that does not open fails its message alone; the
    queue redelivers it, then parks it in the dead-letter queue (tests/infra)."""
    from functions.sms import handler as sms

    city("tianjin")
    url = sms_queue(monkeypatch)
    runtime.services().citizen_sms.request(CitizenNotice("TJ-1-1", "TJ-1", "accepted", "受理 {query_code}"), "bm90LWl0")
    with pytest.raises(BatchProcessingError):  # the whole batch failed: the queue redelivers it
        sms.handler({"Records": received(url)}, Context())
    assert sent.citizens == []


@pytest.mark.parametrize(("phone", "shown"), [(PHONE, PHONE), (None, "未留电话")], ids=["phone", "no-phone"])
def test_an_emergency_desk_is_told_the_callers_phone_to_call_back(city, sent, monkeypatch, phone, shown):
    """R-INT-4: the desk's notice names the caller's phone in place of `{caller_phone}` (未留电话 when
    none was left); the contact is opened by notify for this and nothing else."""
    from functions.notify import handler as notify
    from hotline.app import notices as app_notices

    svc = city("tianjin")
    sms_queue(monkeypatch)
    citizen = {"citizen": {"phone": phone}} if phone else {"citizen": {"name": "王五"}}
    body = {"type": "help", "content": "和平区一栋居民楼三楼着火了，火很大，里面还有人",
            "location": {"district": svc.config.districts[0].code}, **citizen}  # fmt: skip
    status, filed = call("POST", "/requests", body)
    assert status == 201 and filed["outcome"] == "transferred", filed
    (ticket,) = filed["tickets"]

    def desk_notice(config: Any, t: Any, event: Any) -> list[DeskNotice]:
        if event.action != "transfer":
            return []
        return [DeskNotice("119", t.ticket_id, f"12345 转来紧急事项 {t.ticket_id}\n来电人电话：{{caller_phone}}")]

    monkeypatch.setattr(app_notices, "desk_notices", desk_notice)
    assert notify.handler({"Records": event_records(ticket["ticket_id"])}, Context())["batchItemFailures"] == []
    [desk] = sent.desks
    assert desk.text.endswith(f"来电人电话：{shown}") and "{" not in desk.text
