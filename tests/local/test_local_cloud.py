"""The local cloud end to end over HTTP: the deployed template, the gateway's checks, clock and outbox.

SPEC §11 "Local cloud"; the rules themselves are proved in unit and integration tests.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta

import boto3
import pytest

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("local")]

_callers = itertools.count(13800138000)


def water() -> dict:
    """A water complaint from a new caller each time (the same caller again would be a duplicate)."""
    return {
        "type": "complaint",
        "category": "water",
        "content": "和平区南京路小区停水三天了，一直没人来修",
        "location": {"district": "heping", "address": "南京路 1 号"},
        "citizen": {"name": "张三", "phone": str(next(_callers))},
    }


def test_a_filed_request_becomes_a_dispatched_order_in_the_units_inbox_with_its_notice_in_the_outbox(hotline):
    """Issue 3 'done when': curl → dispatched work order, visible to its unit, SNS message sent."""
    filed = hotline.file(**water())
    assert filed["outcome"] == "accepted"
    (order,) = filed["tickets"]
    assert order["status"] == "dispatched" and order["deadlines"]["sign_by"]
    inbox = hotline.get(f"/units/{order['lead_unit']}/tickets", hotline.unit(order["lead_unit"]))
    assert inbox.status_code == 200
    assert order["ticket_id"] in [t["ticket_id"] for t in inbox.json()["tickets"]]
    sent = [m for m in hotline.outbox(order["lead_unit"]) if m["attributes"].get("ticket_id") == order["ticket_id"]]
    assert len(sent) == 1 and sent[0]["attributes"]["kind"] == "dispatched"
    assert sent[0]["topic"] == f"hotline-tianjin-unit-{order['lead_unit']}"
    for assist in order["assist_units"]:
        assert any(m["attributes"].get("ticket_id") == order["ticket_id"] for m in hotline.outbox(assist))


def test_a_whole_order_lifecycle_over_http_from_filing_to_a_closed_rating(hotline):
    filed = hotline.file(channel="wechat", **water())
    order = filed["tickets"][0]
    tid, lead = order["ticket_id"], hotline.unit(order["lead_unit"])
    assert hotline.act(tid, lead, "sign").json()["status"] == "in_progress"
    assert hotline.act(tid, lead, "sign").status_code == 409  # signed already: illegal transition
    for assist in order["assist_units"]:
        r = hotline.act(tid, hotline.unit(assist), "submit_assist", text="已配合排查管网")
        assert r.status_code == 200, r.text
    now = hotline.get("/_local/clock").json()["now"]
    reply = hotline.act(
        tid,
        lead,
        "reply",
        handled_at=now,
        process="派员现场检修，更换阀门",
        result="已恢复供水",
        citizen_contacted=True,
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "replied"
    progress = hotline.get(
        f"/requests/{filed['request_id']}", hotline.channel("wechat"), query_code=filed["query_code"]
    )
    assert progress.json()["tickets"][0]["reply"]["result"] == "已恢复供水"
    rated = hotline.post(
        f"/requests/{filed['request_id']}/rating",
        {"ticket_id": tid, "resolved": True, "satisfaction": "satisfied", "comment": "谢谢"},
        hotline.channel("wechat"),
        query_code=filed["query_code"],
    )
    assert rated.status_code == 200, rated.text
    assert rated.json()["status"] == "closed"
    seen = hotline.get(f"/tickets/{tid}", hotline.staff("reviewer")).json()
    assert [e["action"] for e in seen["events"]][:3] == ["accept", "dispatch", "sign"]
    assert [e["action"] for e in seen["events"] if e["action"] != "archive"][-1] == "rate"  # archiving may follow


@pytest.mark.parametrize("headers", [{}, {"x-api-key": "not-a-key"}])
def test_channel_routes_refuse_a_missing_or_unknown_api_key_with_401_in_the_contract_shape(hotline, headers):
    r = hotline.post("/requests", {"channel": "phone", **water()}, headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_staff_routes_refuse_no_token_a_channel_key_or_a_tampered_token_with_401(hotline):
    unit_token = hotline.info["units"]["tj-water"]["token"]
    head, payload, signature = unit_token.split(".")
    tampered = ".".join([head, payload, signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")])
    for headers in ({}, hotline.channel(), {"Authorization": f"Bearer {tampered}"}):
        r = hotline.get("/units/tj-water/tickets", headers)
        assert r.status_code == 401, headers
        assert r.json()["error"]["code"] == "unauthenticated"


def test_a_unit_reads_only_its_own_inbox(hotline):
    """R-SEC-2: a valid unit token for another unit is refused with 403."""
    r = hotline.get("/units/tj-water/tickets", hotline.unit("tj-power"))
    assert r.status_code == 403


def test_unknown_routes_answer_404_and_oversize_bodies_413_without_writing(hotline):
    assert hotline.get("/nowhere", hotline.channel()).status_code == 404
    before = hotline.get("/units/tj-water/tickets", hotline.unit("tj-water")).json()["tickets"]
    big = json.dumps({"channel": "phone", **water(), "content": "停水" * (6 * 1024 * 1024)})
    assert hotline.post("/requests", big, hotline.channel()).status_code == 413
    assert hotline.get("/units/tj-water/tickets", hotline.unit("tj-water")).json()["tickets"] == before


def test_the_clock_moves_only_forward_and_says_why_otherwise(hotline):
    now = datetime.fromisoformat(hotline.get("/_local/clock").json()["now"])
    for body in ({"to": (now - timedelta(days=1)).isoformat()}, {"advance": "soon"}, {"advance": "PT1H", "to": "x"}):
        r = hotline.post("/_local/clock", body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_clock", body
    moved = hotline.advance("PT2H")
    assert datetime.fromisoformat(moved["now"]) - now >= timedelta(hours=2)


def test_moving_the_clock_fires_a_due_schedule_through_its_real_target_once(hotline):
    """A one-time Scheduler schedule fires when the clock passes it, reaches the timers function,
    the ticket records it, the unit hears of it, and the schedule deletes itself (R-TMR-1, R-TMR-4)."""
    filed = hotline.file(**water())
    tid, unit = filed["tickets"][0]["ticket_id"], filed["tickets"][0]["lead_unit"]
    ticket = hotline.get(f"/tickets/{tid}", hotline.staff("supervisor")).json()
    clock = datetime.fromisoformat(hotline.get("/_local/clock").json()["now"])
    due = (clock + timedelta(hours=1)).replace(microsecond=0, tzinfo=None)
    scheduler = boto3.client(
        "scheduler", endpoint_url=hotline.info["emulator"], region_name=hotline.info["region"],
        aws_access_key_id="local", aws_secret_access_key="local",
    )  # fmt: skip
    fire = {"ticket_id": tid, "action": "remind", "deadline": "sign", "deadline_version": ticket["deadline_version"]}
    scheduler.create_schedule(
        Name=f"remind-{tid}",
        ScheduleExpression=f"at({due.isoformat()})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        Target={
            "Arn": f"arn:aws:lambda:{hotline.info['region']}:123456789012:function:hotline-tianjin-timers",
            "RoleArn": "arn:aws:iam::123456789012:role/scheduler",
            "Input": json.dumps(fire),
        },
    )
    assert [f for f in hotline.advance("PT30M")["fired"] if f["name"] == f"remind-{tid}"] == []
    fired = hotline.advance("PT1H")["fired"]
    (mine,) = [f for f in fired if f["name"] == f"remind-{tid}"]
    assert mine["result"]["applied"] is True
    assert mine["at"].startswith(due.isoformat())
    again = hotline.advance("PT1H")["fired"]
    assert [f for f in again if f["name"] == f"remind-{tid}"] == []  # deleted after completion: never twice
    events = hotline.get(f"/tickets/{tid}", hotline.staff("supervisor")).json()["events"]
    assert [e["action"] for e in events].count("remind") == 1
    assert any(m["attributes"]["kind"] == "reminder" for m in hotline.outbox(unit))


def test_the_outbox_filters_by_unit_and_by_topic(hotline):
    filed = hotline.file(**water())
    unit = filed["tickets"][0]["lead_unit"]
    by_unit = hotline.outbox(unit)
    assert by_unit and by_unit == hotline.outbox(f"hotline-tianjin-unit-{unit}")
    assert all(m["to"] == unit for m in by_unit)
    assert hotline.outbox("nobody") == []


def test_the_openapi_document_lists_every_contract_route(hotline):
    doc = hotline.get("/_local/openapi.json").json()
    for path in ("/catalog", "/requests", "/requests/{request_id}", "/requests/{request_id}/rating",
                 "/tickets/{ticket_id}", "/tickets/{ticket_id}/actions", "/units/{unit_id}/tickets"):  # fmt: skip
        assert path in doc["paths"], path


def test_a_missed_sign_deadline_marks_the_order_overdue_escalates_and_tells_each_level(hotline):
    """R-TMR-1/2 on the local cloud: the stack's own timers, fired by moving the clock past them."""
    filed = hotline.file(**water())
    tid, unit = filed["tickets"][0]["ticket_id"], filed["tickets"][0]["lead_unit"]
    fired = hotline.advance("P6D")["fired"]
    mine = [f for f in fired if f["name"].startswith(f"{tid}.sign.")]
    assert [f["result"]["applied"] for f in mine] == [True] * len(mine)
    ticket = hotline.get(f"/tickets/{tid}", hotline.staff("supervisor")).json()
    assert ticket["overdue"] is True and ticket["supervision_level"] >= 2
    actions = [e["action"] for e in ticket["events"]]
    assert actions.index("remind") < actions.index("mark_overdue") < actions.index("escalate")
    kinds = [m["attributes"]["kind"] for m in hotline.outbox() if m["attributes"].get("ticket_id") == tid]
    assert {"reminder", "overdue", "escalated"} <= set(kinds)
    assert any(m["to"] == unit and m["attributes"]["kind"] == "overdue" for m in hotline.outbox(unit))


def test_signing_in_time_leaves_no_sign_timer_to_fire(hotline):
    filed = hotline.file(**water())
    tid, unit = filed["tickets"][0]["ticket_id"], filed["tickets"][0]["lead_unit"]
    assert hotline.act(tid, hotline.unit(unit), "sign").status_code == 200
    fired = hotline.advance("P3D")["fired"]
    assert not [f for f in fired if f["name"].startswith(f"{tid}.sign.")]


def test_the_root_of_the_local_api_says_where_to_go_next(hotline):
    guide = hotline.get("/").json()
    assert guide["api"] == hotline.api and guide["openapi"].endswith("/_local/openapi.json")
