"""Failure paths (R-OPS-2, issue 8): each fault is injected into the AWS call itself, and the
order is neither lost nor duplicated.

- DynamoDB throttled on the API path → 503, nothing written; the channel's retry files once.
- SNS publish fails in the stream reader → the record fails (alone in its batch, the whole
  invocation fails; beside others, only it is reported), so Lambda retries it, bisecting, and
  parks it in the dead-letter queue after five tries (infra-tested); the retry sends each notice once.
- The Scheduler refuses a schedule → the same; the retry creates each schedule once and counts
  the order's rates once, however often the record is redelivered.
- A failing task of the state machine → tests/workflow/test_lifecycle_tianjin.py::
  test_a_failing_step_alarms_keeps_the_ticket_and_a_restart_finishes_it.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from botocore.client import BaseClient
from botocore.exceptions import ClientError

from hotline.dal.models import TicketItem
from tests.integration.apigw import Context, call, staff

FILING = {"type": "help", "content": "家里停水两天了，物业说不清原因，请尽快处理", "category": "water",
          "citizen": {"name": "李四", "phone": "13700000001"}}  # fmt: skip


def inject(monkeypatch: pytest.MonkeyPatch, operation: str, code: str, times: int = 1) -> list[str]:
    """The next `times` calls of `operation` fail with `code`, as AWS would answer; returns a log."""
    real, failed = BaseClient._make_api_call, []

    def faulty(client: Any, name: str, params: dict[str, Any]) -> Any:
        if name == operation and len(failed) < times:
            failed.append(name)
            error = {"Error": {"Code": code, "Message": "injected"}, "ResponseMetadata": {"HTTPStatusCode": 400}}
            raise ClientError(error, name)  # type: ignore[arg-type]
        return real(client, name, params)

    monkeypatch.setattr(BaseClient, "_make_api_call", faulty)
    return failed


def metas() -> list[TicketItem]:
    return [i for i in TicketItem.scan() if i.sk == "META"]  # test-only: look at everything written


def filed(svc: Any) -> dict[str, Any]:
    status, out = call("POST", "/requests", {**FILING, "location": {"district": svc.config.districts[0].code}})
    assert status == 201, out
    return out


def stream_record(ticket_id: str, sk: str, old: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record the table's stream carries for an item as it is now (DynamoDB JSON)."""
    table = boto3.client("dynamodb")
    item = table.get_item(
        TableName=TicketItem.Meta.table_name, Key={"pk": {"S": f"TICKET#{ticket_id}"}, "sk": {"S": sk}}
    )
    change: dict[str, Any] = {"Keys": {"pk": item["Item"]["pk"], "sk": item["Item"]["sk"]}, "NewImage": item["Item"],
                              "SequenceNumber": f"{abs(hash((ticket_id, sk))) % 10**12:012d}",
                              "StreamViewType": "NEW_AND_OLD_IMAGES"}  # fmt: skip
    if old is not None:
        change["OldImage"] = old
    return {"eventID": "1", "eventName": "MODIFY" if old else "INSERT", "eventSource": "aws:dynamodb",
            "eventSourceARN": "arn:aws:dynamodb:ap-southeast-1:123456789012:table/t/stream/1",
            "dynamodb": change}  # fmt: skip


def test_a_throttled_store_answers_503_writes_nothing_and_the_channels_retry_files_exactly_once(city, monkeypatch):
    svc = city("tianjin")
    body = {**FILING, "location": {"district": svc.config.districts[0].code}}
    headers = {"Idempotency-Key": "phone-20261102-0001"}
    failed = inject(monkeypatch, "TransactWriteItems", "ProvisionedThroughputExceededException")
    status, out = call("POST", "/requests", body, headers=headers)
    assert (status, out["error"]["code"], failed) == (503, "unavailable", ["TransactWriteItems"])
    assert metas() == []
    status, first = call("POST", "/requests", body, headers=headers)
    again = call("POST", "/requests", body, headers=headers)
    assert status == 201 and again == (201, first)
    assert len(metas()) == 1


def test_an_sns_failure_hands_the_record_back_and_the_retry_sends_each_notice_once(city, monkeypatch):
    from functions.notify import handler as notify
    from hotline.adapters import runtime

    svc = city("tianjin")
    sns = boto3.client("sns")
    out = filed(svc)
    (ticket,) = out["tickets"]
    units = [ticket["lead_unit"], *ticket["assist_units"]]
    arns = {u: sns.create_topic(Name=f"hotline-tianjin-unit-{u}")["TopicArn"] for u in units}
    monkeypatch.setenv("UNIT_TOPIC_ARN_PREFIX", arns[units[0]].removesuffix(units[0]))
    queue = boto3.client("sqs").create_queue(QueueName="hotline-tianjin-citizen-sms")["QueueUrl"]
    monkeypatch.setenv("CITIZEN_SMS_QUEUE_URL", queue)  # the filing's SMS rides on the same write
    runtime.services.cache_clear()  # the ports are wired again from the environment
    sent: list[dict[str, Any]] = []
    real_publish = BaseClient._make_api_call

    def record_publish(client: Any, name: str, params: dict[str, Any]) -> Any:
        answer = real_publish(client, name, params)
        if name == "Publish":
            sent.append(params)
        return answer

    monkeypatch.setattr(BaseClient, "_make_api_call", record_publish)
    record = stream_record(ticket["ticket_id"], "META")  # the filing's write: accept and dispatch ride on it
    failed = inject(monkeypatch, "Publish", "Throttling")
    with pytest.raises(BatchProcessingError):  # the whole batch failed: Lambda retries it, bisected
        notify.handler({"Records": [record]}, Context())
    assert failed == ["Publish"] and sent == []
    assert notify.handler({"Records": [record]}, Context())["batchItemFailures"] == []
    assert sorted(p["TopicArn"] for p in sent if "TopicArn" in p) == sorted(arns.values())  # each unit once
    assert len(metas()) == 1


def test_a_scheduler_refusal_hands_the_record_back_and_the_retry_creates_each_schedule_once(city, monkeypatch):
    from functions.orchestrate import handler as orchestrate
    from hotline.adapters import runtime
    from hotline.domain.timers import plan, prefix

    svc = city("tianjin")
    scheduler = boto3.client("scheduler")
    scheduler.create_schedule_group(Name="hotline-tianjin")
    monkeypatch.setenv("SCHEDULE_GROUP", "hotline-tianjin")
    monkeypatch.setenv("TIMERS_FUNCTION_ARN", "arn:aws:lambda:ap-southeast-1:123456789012:function:timers")
    monkeypatch.setenv("SCHEDULER_ROLE_ARN", "arn:aws:iam::123456789012:role/scheduler")
    machine = boto3.client("stepfunctions").create_state_machine(  # the new order's execution starts too
        name="lifecycle", definition='{"StartAt": "S", "States": {"S": {"Type": "Succeed"}}}',
        roleArn="arn:aws:iam::123456789012:role/sfn",
    )["stateMachineArn"]  # fmt: skip
    monkeypatch.setenv("STATE_MACHINE_ARN", machine)
    runtime.services.cache_clear()  # the ports are wired again from the environment
    (ticket,) = filed(svc)["tickets"]
    tid = ticket["ticket_id"]
    key = {"pk": {"S": f"TICKET#{tid}"}, "sk": {"S": "META"}}
    old = boto3.client("dynamodb").get_item(TableName=TicketItem.Meta.table_name, Key=key)["Item"]
    new_order, dispatched = stream_record(tid, "META"), svc.tickets.get(tid)

    def armed() -> list[str]:
        listed = scheduler.list_schedules(GroupName="hotline-tianjin", NamePrefix=prefix(tid))["Schedules"]
        return sorted(s["Name"] for s in listed)

    failed = inject(monkeypatch, "CreateSchedule", "ServiceQuotaExceededException")
    with pytest.raises(BatchProcessingError):
        orchestrate.handler({"Records": [new_order]}, Context())
    assert failed == ["CreateSchedule"]
    assert orchestrate.handler({"Records": [new_order]}, Context())["batchItemFailures"] == []
    assert orchestrate.handler({"Records": [new_order]}, Context())["batchItemFailures"] == []  # redelivered again
    first = plan(svc.lifecycle.policy, None, dispatched).arm
    assert armed() == sorted(t.name for t in first) and len(first) == 3  # sign, assist, reply: one each
    assert (
        call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", ticket["lead_unit"]))[0] == 200
    )
    signed = stream_record(tid, "META", old=old)
    for _ in range(2):  # delivered, then redelivered
        assert orchestrate.handler({"Records": [signed]}, Context())["batchItemFailures"] == []
    assert armed() == sorted(t.name for t in first if ".sign." not in t.name)  # the sign chain ended
    figures = svc.kpi.get(svc.lifecycle.policy.calendar.local(svc.tickets.get(tid).dispatched_at).strftime("%Y-%m"),
                          "city")  # fmt: skip
    assert (figures["dispatched"], figures["responded"]) == (1, 1)  # counted once, whatever was redelivered
