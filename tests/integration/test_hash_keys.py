"""The hash key is the stack's secret (R-SEC-1): read from Secrets Manager, never defaulted, and
rotated without losing duplicates, caller records, query codes or SMS ratings."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

import boto3
import pytest

from hotline.adapters import runtime
from hotline.dal.models import TicketItem
from tests.conftest import cst
from tests.integration.apigw import CHANNEL_KEYS, call, staff

PHONE = "13912345678"


def body(svc, content: str, **over):
    return {"type": "help", "content": content, "category": "property", "citizen": {"phone": PHONE},
            "location": {"district": svc.config.districts[0].code}} | over  # fmt: skip


def rotate(secret: dict[str, str]) -> None:
    """The operator's rotation, then a new container (the key is read once per container)."""
    import os

    boto3.client("secretsmanager").put_secret_value(
        SecretId=os.environ["HASH_KEY_SECRET_ARN"], SecretString=json.dumps(secret)
    )
    runtime.services.cache_clear()


def test_intake_refuses_to_file_without_its_hash_key_secret_and_writes_nothing(city, monkeypatch):
    """R-SEC-1: no secret, no hashing: the function fails (a crash API Gateway answers 502) with a
    message naming what is missing, rather than hashing with a guessable key."""
    svc = city("tianjin")
    monkeypatch.delenv("HASH_KEY_SECRET_ARN")
    monkeypatch.setenv("HOTLINE_HASH_KEY", "x" * 64)  # the old variable is no way round
    runtime.services.cache_clear()
    with pytest.raises(RuntimeError, match="HASH_KEY_SECRET_ARN is not set"):
        call("POST", "/requests", body(svc, "小区楼道灯坏了一个月没人修"))
    assert list(TicketItem.scan()) == []


def test_the_hashes_are_keyed_with_the_stacks_secret(city):
    """R-SEC-1: the caller_id is the HMAC of the phone under the secret's `current`."""
    import hashlib
    import hmac
    import os

    svc = city("tianjin")
    out = call("POST", "/requests", body(svc, "小区楼道灯坏了一个月没人修"))[1]
    seen = call("GET", f"/tickets/{out['tickets'][0]['ticket_id']}", claims=staff("dispatcher"))[1]["caller_id"]
    current = json.loads(
        boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["HASH_KEY_SECRET_ARN"])["SecretString"]
    )["current"]
    assert seen == hmac.new(current.encode(), PHONE.encode(), hashlib.sha256).hexdigest()
    assert seen != hmac.new(b"hotline-tianjin", PHONE.encode(), hashlib.sha256).hexdigest()


def test_during_a_rotation_old_hashes_still_find_duplicates_caller_records_query_codes_and_sms(city):
    """R-SEC-1 rotation: with `previous` = the old key, a request filed before the rotation is
    still the duplicate of the same matter, a suspended caller stays suspended, the old query code
    opens the request and an SMS answer finds the order; once `previous` is dropped, none does."""
    svc = city("tianjin")
    old = secrets.token_urlsafe(32)
    rotate({"current": old})
    CHANNEL_KEYS["sms-gateway"] = boto3.client("apigateway").create_api_key(
        name="hotline-tianjin-sms-gateway", enabled=True
    )["id"]
    first = call("POST", "/requests", body(svc, "小区楼道灯坏了一个月没人修"))[1]
    tid, lead = first["tickets"][0]["ticket_id"], first["tickets"][0]["lead_unit"]
    assert call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", lead))[0] == 200
    reply = {"action": "reply", "handled_at": "2026-11-02T11:00:00+08:00", "process": "上门查看并更换灯泡",
             "result": "已修复", "citizen_contacted": True}  # fmt: skip
    runtime.set_clock(cst(2026, 11, 2, 12))
    assert call("POST", f"/tickets/{tid}/actions", reply, claims=staff("unit", lead))[0] == 200
    other = "13700000000"  # a caller suspended under the old key
    for i in range(5):
        runtime.set_clock(cst(2026, 11, 2, 13) + timedelta(minutes=i))
        refused = {"outcome": "not_accepted", "reason": "not_government"}  # the call-taker's (R-TRI-6)
        call("POST", "/requests", body(svc, "帮我点个外卖送到家", citizen={"phone": other}, disposition=refused))
    assert call("POST", "/requests", body(svc, "小区路灯坏了", citizen={"phone": other}))[0] == 403

    rotate({"current": secrets.token_urlsafe(32), "previous": old})
    runtime.set_clock(cst(2026, 11, 2, 14))
    code = {"query_code": first["query_code"]}
    assert call("GET", f"/requests/{first['request_id']}", query=code)[0] == 200
    assert call("POST", "/requests", body(svc, "小区路灯坏了", citizen={"phone": other}))[0] == 403
    sms = {"message_id": "m-rot-1", "from": "+86" + PHONE, "text": "1 修好了"}
    status, rated = call("POST", "/sms/inbound", sms, channel="sms-gateway")
    assert (status, rated.get("ticket_id")) == (200, tid), rated
    again = call("POST", "/requests", body(svc, "小区楼道灯坏了一个月了没人修"))[1]
    assert (again["outcome"], again["duplicate_of"]) == ("duplicate", tid)

    rotate({"current": secrets.token_urlsafe(32)})  # previous dropped: the old hashes mean nothing now
    assert call("GET", f"/requests/{first['request_id']}", query=code)[0] == 404
    assert call("POST", "/requests", body(svc, "小区路灯坏了", citizen={"phone": other}))[0] == 201
    assert call("POST", "/requests", body(svc, "小区楼道灯坏了一个月了没人修"))[1]["outcome"] == "accepted"


def test_the_idempotency_record_keeps_no_unkeyed_digest_of_the_body(city):
    """R-SEC-1: the retry store checks a body by a hash; unkeyed, that hash of a body whose other
    fields sit on the ticket gives the phone away in 10^6 tries, so it is keyed too."""
    import hashlib

    svc = city("tianjin")
    filing = body(svc, "小区门口路面塌陷了一个大坑")
    assert call("POST", "/requests", filing, headers={"Idempotency-Key": "phone-call-0001"})[0] == 201
    stored = boto3.client("dynamodb").scan(TableName="hotline-tianjin-idempotency")["Items"]
    assert stored
    text = json.dumps(stored, ensure_ascii=False)
    assert PHONE not in text
    for dumped in (json.dumps(filing, sort_keys=True), json.dumps(filing, sort_keys=True, ensure_ascii=False),
                   json.dumps(filing), json.dumps(filing, ensure_ascii=False)):  # fmt: skip
        for h in ("md5", "sha256"):
            assert hashlib.new(h, dumped.encode()).hexdigest() not in text
