"""Ratings by SMS answer (R-CB-1): the two-way gateway posts "1/2/3" to POST /sms/inbound."""

from __future__ import annotations

import boto3
import pytest

from hotline.adapters import runtime
from hotline.dal.models import TicketItem
from tests.conftest import cst
from tests.integration.apigw import CHANNEL_KEYS, call, staff

PHONE = "13800138000"


@pytest.fixture
def replied(city):
    """A Tianjin order of PHONE, replied and waiting for its rating, and the gateway's key."""
    svc = city("tianjin")
    CHANNEL_KEYS["sms-gateway"] = boto3.client("apigateway").create_api_key(
        name="hotline-tianjin-sms-gateway", enabled=True
    )["id"]
    body = {"type": "help", "content": "小区楼道灯坏了一个月没人修,晚上出行很不方便", "category": "property",
            "citizen": {"name": "张三", "phone": PHONE},
            "location": {"district": svc.config.districts[0].code}}  # fmt: skip
    status, filed = call("POST", "/requests", body)
    assert status == 201, filed
    (t,) = filed["tickets"]
    tid, lead = t["ticket_id"], t["lead_unit"]
    assert call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", lead))[0] == 200
    runtime.set_clock(cst(2026, 11, 3, 10))
    reply = {"action": "reply", "handled_at": "2026-11-03T09:00:00+08:00", "process": "上门查看并更换灯泡",
             "result": "已修复", "citizen_contacted": True}  # fmt: skip
    status, out = call("POST", f"/tickets/{tid}/actions", reply, claims=staff("unit", lead))
    assert (status, out["status"]) == (200, "replied")
    return tid


def sms(text: str, message_id: str = "m-1", sender: str = "+86" + PHONE, key: str = "sms-gateway"):
    return call("POST", "/sms/inbound", {"message_id": message_id, "from": sender, "text": text}, channel=key)


def written() -> int:
    return len(list(TicketItem.scan()))  # test-only: count everything that was written


def test_an_sms_answer_rates_the_senders_replied_order_and_a_redelivery_rates_nothing_more(replied):
    status, out = sms("1 谢谢,灯已经亮了")
    assert (status, out["ticket_id"], out["status"], out["rated_by"]) == (200, replied, "closed", "sms")
    before = written()
    assert sms("1 谢谢,灯已经亮了") == (status, out)  # the gateway retried: same answer, nothing written
    assert written() == before
    ticket = call("GET", f"/tickets/{replied}", claims=staff("reviewer"))[1]
    assert ticket["rating"]["satisfaction"] == "satisfied" and ticket["rating"]["resolved"] is None
    assert ticket["rating"]["comment"] == "谢谢,灯已经亮了" and ticket["events"][-1]["actor"].startswith("citizen")


def test_an_unsatisfied_sms_waits_for_a_reviewer_and_another_sms_rates_nothing(replied):
    status, out = sms("３ 灯还是不亮")  # full-width digits count too
    assert (status, out["status"]) == (200, "replied")
    status, out = sms("1", message_id="m-2")
    assert (status, out["error"]["code"]) == (404, "nothing_to_rate")
    ticket = call("GET", f"/tickets/{replied}", claims=staff("reviewer"))[1]
    assert ticket["rating"]["satisfaction"] == "unsatisfied"


@pytest.mark.parametrize(
    ("text", "sender", "key", "want"),
    [
        ("好的", "+86" + PHONE, "sms-gateway", (422, "unrecognised_answer")),
        ("12", "+86" + PHONE, "sms-gateway", (422, "unrecognised_answer")),
        ("1", "010-12345678", "sms-gateway", (422, "bad_sender")),
        ("1", "+8613900000000", "sms-gateway", (404, "nothing_to_rate")),
        ("1", "+86" + PHONE, "phone", (403, "not_the_sms_gateway")),
    ],
)
def test_an_sms_that_is_no_answer_from_no_waiting_citizen_or_not_from_the_gateway_writes_nothing(
    replied, text, sender, key, want
):
    before = written()
    status, out = sms(text, sender=sender, key=key)
    assert (status, out["error"]["code"]) == want
    assert written() == before


def test_a_message_id_reused_for_another_text_is_refused(replied):
    assert sms("1")[0] == 200
    status, out = sms("3 不满意")
    assert (status, out["error"]["code"]) == (422, "message_id_reused")
