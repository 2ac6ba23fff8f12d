"""Intake over HTTP on the local cloud (issue: intake, SPEC §2, §11): what a channel sees and sends."""

from __future__ import annotations

import json
import time

import boto3
import pytest

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("local")]


def table_items(hotline) -> list[dict]:
    ddb = boto3.client(
        "dynamodb", endpoint_url=hotline.info["emulator"], region_name=hotline.info["region"],
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip
    name = next(t for t in ddb.list_tables()["TableNames"] if "Tickets" in t or "tickets" in t.lower())
    return ddb.scan(TableName=name, ConsistentRead=True)["Items"]


def settled_items(hotline) -> list[dict]:
    """The table once the executions of earlier filings have finished their steps (they park or
    archive a moment after the filing answered)."""
    last, deadline = table_items(hotline), time.monotonic() + 20
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = table_items(hotline)
        if now == last:
            return now
        last = now
    raise AssertionError("the table never settled")


def test_a_filed_request_texts_the_citizen_their_request_number_and_query_code(hotline):
    """R-DSP-13: SMS at filing, to the citizen's mobile, with what they need to follow it up."""
    filed = hotline.file(type="help", category="property", content="楼道灯坏了一个月没人修",
                         location={"district": "heping"}, citizen={"phone": "13700000001"})  # fmt: skip
    sms = hotline.outbox("+8613700000001")
    assert len(sms) == 1
    assert filed["request_id"] in sms[0]["message"] and filed["query_code"] in sms[0]["message"]


def test_an_emergency_goes_to_its_desk_on_the_emergency_topic(hotline):
    """R-INT-4: transferred at once, with an outbound event the 119 desk's integration consumes."""
    filed = hotline.file(type="help", content="和平区一栋居民楼三楼着火了，火很大，里面还有人",
                         location={"district": "heping"}, citizen={"phone": "13700000002"})  # fmt: skip
    assert (filed["outcome"], filed["transferred_to"]) == ("transferred", "119")
    sent = [m for m in hotline.outbox("hotline-tianjin-emergency") if m["attributes"].get("desk") == "119"]
    assert [m["attributes"]["ticket_id"] for m in sent] == [filed["tickets"][0]["ticket_id"]]


def test_a_consultation_is_answered_from_the_kb_and_search_is_public_to_channels(hotline):
    answered = hotline.file(channel="app", type="consultation", content="公积金怎么提取",
                            citizen={"phone": "13700000003"})  # fmt: skip
    assert answered["outcome"] == "answered" and answered["kb_entry"].startswith("tianjin-")
    found = hotline.get("/kb/search", hotline.channel("web"), q="居住证怎么办")
    assert found.status_code == 200 and found.json()["results"]
    assert hotline.get("/kb/search", {}, q="居住证").status_code == 401


def test_the_body_cannot_claim_another_channel_than_the_key(hotline):
    body = {"channel": "wechat", "type": "help", "content": "路灯坏了"}
    r = hotline.post("/requests", body, hotline.channel("phone"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_channel"


BAD = [
    ("{not json", 400, "malformed_json"),
    ({"type": "help"}, 422, "invalid_input"),
    ({"type": "help", "content": "路灯坏了", "citizen": {"phone": "110"}}, 422, "invalid_input"),
    ({"type": "help", "content": "路灯坏了", "category": "unicorns"}, 422, "unknown_category"),
    ({"type": "help", "content": "路灯坏了", "location": {"district": "atlantis"}}, 422, "unknown_district"),
    ({"type": "help", "content": "路灯\x00坏了"}, 422, "invalid_input"),
    ({"type": "help", "content": "长" * 2001}, 422, "too_long"),
    ({"type": "help", "content": "路灯坏了", "attachments": ["att-" + "0" * 32]}, 422, "unknown_attachment"),
    ([1, 2, 3], 422, "bad_body"),
]


def test_bad_input_gets_a_clear_4xx_and_writes_nothing(hotline):
    """R-INT-9 over HTTP: each malformed filing answers 4xx in the contract's shape; the table is unchanged."""
    before = settled_items(hotline)
    for body, status, code in BAD:
        raw = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
        r = hotline.post("/requests", raw, hotline.channel())
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (body, r.text)
        assert r.json()["error"]["message"]
    ten_mb = json.dumps({"type": "help", "content": "长" * (10 * 1024 * 1024 // 3 + 1)})
    assert hotline.post("/requests", ten_mb, hotline.channel()).status_code == 413
    assert table_items(hotline) == before


def test_a_held_request_is_told_it_is_reviewed_and_the_dispatchers_refusal_is_texted(hotline):
    """R-TRI-2 over HTTP: held in triage (the dispatcher's topic hears it), the citizen is texted;
    the dispatcher refuses it, the citizen is texted the guidance."""
    filed = hotline.file(type="complaint", category="other", content="我要告他们，这事必须给个说法",
                         location={"district": "heping"}, citizen={"phone": "13700000009"})  # fmt: skip
    tid = filed["tickets"][0]["ticket_id"]
    assert (filed["outcome"], filed["tickets"][0]["status"], filed["held_for_review"]) == ("accepted", "triage", True)
    assert filed["triage"]["suggested"]["reason"] == "legal_procedure"
    assert any(tid in m["message"] for m in hotline.outbox("hotline-tianjin-center-dispatcher"))
    assert "核实" in hotline.outbox("+8613700000009")[-1]["message"]
    r = hotline.act(tid, hotline.staff("dispatcher"), "refuse", reason="legal_procedure")
    assert r.status_code == 200 and r.json()["status"] == "not_accepted", r.text
    assert "不予受理" in hotline.outbox("+8613700000009")[-1]["message"]
    again = hotline.act(tid, hotline.staff("dispatcher"), "accept")
    assert again.status_code == 409 and again.json()["error"]["message"]


def test_the_phone_call_takers_disposition_wins_and_an_app_may_not_send_one(hotline):
    """R-TRI-3: the staffed phone channel decides; the app channel's disposition is 403, nothing written."""
    body = {"type": "help", "category": "property", "content": "厨房煤气味特别大", "location": {"district": "heping"},
            "disposition": {"outcome": "accepted"}}  # fmt: skip
    filed = hotline.file(**body)
    assert (filed["outcome"], filed["decided_by"]) == ("accepted", "call_taker")
    r = hotline.post("/requests", {**body, "channel": "app"}, hotline.channel("app"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "not_staffed"
    bad = hotline.post("/requests", {**body, "disposition": {"outcome": "transferred"}}, hotline.channel("phone"))
    assert bad.status_code == 422


def test_an_instant_answer_can_be_escalated_once_with_the_query_code(hotline):
    """R-TRI-5 over HTTP."""
    filed = hotline.file(type="consultation", content="公积金怎么提取", citizen={"phone": "13700000010"})
    assert (
        filed["outcome"] == "answered"
        and filed["score"] >= hotline.get("/catalog", hotline.channel()).json()["instant_answer_min"]
    )
    path = f"/requests/{filed['request_id']}/escalate"
    assert hotline.post(path, {}, hotline.channel(), query_code="wrong").status_code == 404
    r = hotline.post(path, {"reason": "没解决"}, hotline.channel(), query_code=filed["query_code"])
    assert r.status_code == 200 and r.json()["tickets"][0]["status"] in {"pending_dispatch", "dispatched"}, r.text
    assert hotline.post(path, {}, hotline.channel(), query_code=filed["query_code"]).status_code == 409
