"""Bytes that used to crash a function (R-INT-9): each is a 400/422 in the contract shape, and
nothing is written. Bodies reach the functions as API Gateway hands them over: a `str`, or
base64 with `isBase64Encoded` (the local gateway's way with bytes that are not UTF-8)."""

from __future__ import annotations

import base64
import importlib
import json
import uuid
from typing import Any

import boto3
import pytest

from hotline.dal.models import TicketItem
from tests.integration.apigw import CHANNEL_KEYS, Context, call, staff

PHONE = "13912345678"
DEEP = 1_000


def raw_call(
    function: str, path: str, body: str | bytes, *, claims=None, channel: str | None = "phone", encoded: bool = False
):
    """A POST whose body is given exactly: a `str` as is (flagged base64 if `encoded`), `bytes`
    base64-encoded."""
    encoded = encoded or isinstance(body, bytes)
    event = {
        "httpMethod": "POST", "path": path, "resource": path,
        "headers": {"content-type": "application/json"}, "multiValueHeaders": {},
        "queryStringParameters": {"query_code": "whatever"}, "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "body": base64.b64encode(body).decode() if isinstance(body, bytes) else body,
        "isBase64Encoded": encoded,
        "requestContext": {
            "requestId": uuid.uuid4().hex, "stage": "v1", "httpMethod": "POST", "path": path,
            "authorizer": {"claims": claims} if claims else None,
            "identity": {"apiKeyId": CHANNEL_KEYS.get(channel)} if channel and not claims else {},
        },
    }  # fmt: skip
    out = importlib.import_module(f"functions.{function}.handler").handler(event, Context())
    return out["statusCode"], json.loads(out["body"])


def hostile_bodies() -> dict[str, str | bytes]:
    good = {"type": "help", "content": "小区楼道灯坏了", "citizen": {"phone": PHONE}}
    text = json.dumps(good, ensure_ascii=False)
    return {
        "not utf-8 (surrogateescape)": b"\xce\xbd\xff#".decode("utf-8", "surrogateescape"),
        "not utf-8 (base64)": b"\xce\xbd\xff#",
        "latin-1 json": json.dumps({**good, "content": "café crème"}, ensure_ascii=False).encode("latin-1"),
        "utf-16 json": text.encode("utf-16"),
        "raw lone surrogate": text.replace("小区", "小\ud800区"),
        "escaped lone surrogate": json.dumps({**good, "content": "小区\ud800楼道灯坏了"}),  # \ud800 escaped
        "nested arrays": "[" * DEEP + "]" * DEEP,
        "nested objects": '{"a":' * DEEP + "1" + "}" * DEEP,
        "nested deeper than the interpreter": "[" * 200_000,
        "nested in a field": json.dumps({**good, "location": {"address": "x"}})[:-1]
        + ', "x": '
        + "[" * DEEP
        + "]" * DEEP
        + "}",
        "NaN": text[:-1] + ', "location": {"lat": NaN}}',
        "infinity": text[:-1] + ', "location": {"lat": 1e999}}',
        "huge integer": text[:-1] + ', "n": ' + "9" * 5_000 + "}",
        "isBase64Encoded but not base64": "%%% not base64 %%%",
    }


@pytest.fixture
def stack(city):
    svc = city("tianjin")
    CHANNEL_KEYS["sms-gateway"] = boto3.client("apigateway").create_api_key(
        name="hotline-tianjin-sms-gateway", enabled=True
    )["id"]
    status, filed = call("POST", "/requests", {"type": "help", "content": "小区楼道灯坏了一个月没人修",
                                                "category": "property", "citizen": {"phone": PHONE},
                                                "location": {"district": svc.config.districts[0].code}})  # fmt: skip
    assert status == 201, filed
    return filed["request_id"], filed["tickets"][0]["ticket_id"]


def written() -> list[Any]:
    return sorted(f"{i.pk}|{i.sk}|{i.version}" for i in TicketItem.scan())  # test-only


@pytest.mark.parametrize("name", list(hostile_bodies()))
def test_hostile_bodies_get_a_4xx_in_the_contract_shape_and_write_nothing_on_every_body_route(stack, name):
    """R-INT-9: non-UTF-8, latin-1/UTF-16 JSON, lone surrogates, JSON nested 1,000 deep, NaN — on
    /requests, /tickets/{id}/actions, the rating and /sms/inbound — 400/422 `{"error": {code,
    message}}`, never a crash (502), nothing written."""
    request_id, ticket_id = stack
    body = hostile_bodies()[name]
    before = written()
    routes = [
        ("intake", "/requests", None, "phone"),
        ("dispatch", f"/tickets/{ticket_id}/actions", staff("dispatcher"), None),
        ("callback", f"/requests/{request_id}/rating", None, "phone"),
        ("callback", "/sms/inbound", None, "sms-gateway"),
        ("intake", "/attachments", None, "phone"),
    ]
    for function, path, claims, channel in routes:
        status, out = raw_call(function, path, body, claims=claims, channel=channel, encoded="base64" in name)
        assert status in (400, 422), (path, status, out)
        assert set(out) == {"error"} and {"code", "message"} <= set(out["error"]), out
        assert out["error"]["message"] and isinstance(out["error"]["code"], str)
    assert written() == before


def test_an_undecodable_body_is_malformed_body_with_a_chinese_message_and_english_detail(stack):
    """R-INT-9: the code says what is wrong, the message is for the person, the detail for developers."""
    status, out = raw_call("intake", "/requests", b"\xce\xbd\xff#")
    assert status == 400
    assert out["error"]["code"] == "malformed_body"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out["error"]["message"])
    assert "UTF-8" in out["error"]["detail"]
    status, out = raw_call("intake", "/requests", "[" * DEEP + "]" * DEEP)
    assert (status, out["error"]["code"]) == (400, "too_deep")
    status, out = raw_call("intake", "/requests", '{"type": ')
    assert (status, out["error"]["code"]) == (400, "malformed_json")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in out["error"]["message"]) and out["error"]["detail"]


def test_an_escaped_surrogate_pair_is_a_character_like_any_other(stack):
    """R-INT-9: `"\\uda06\\ude72"` is the escaped form of one astral character: accepted."""
    text = '{"type": "help", "content": "小区楼道灯坏了 \\uda06\\ude72", "citizen": {"phone": "13700000000"}}'
    status, out = raw_call("intake", "/requests", text)
    assert status == 201, out
