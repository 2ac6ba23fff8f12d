"""Answers staff get from the dispatch function (issue 15.7, 15.11, 15.15), through the real
handler on moto: clear 4xx with a Chinese message, and no 409 for the system's own writes."""

from __future__ import annotations

import base64
import json

from hotline.adapters import runtime
from hotline.domain.models import SYSTEM
from tests.conftest import cst
from tests.integration.apigw import Context, call, staff
from tests.integration.test_api import FILING


def _order(svc) -> dict:
    status, out = call("POST", "/requests", {**FILING, "location": {"district": svc.config.districts[0].code}})
    assert status == 201, out
    return out["tickets"][0]


def _write_between_read_and_write(svc, monkeypatch, actor, action: str, body) -> None:
    """The first read of the ticket is followed at once by `actor`'s `action`: the handler then
    writes on a version that is no longer the latest."""
    original, raced = svc.tickets.history, []

    def read_then_write(ticket_id: str):
        ticket, events = original(ticket_id)
        if not raced:
            raced.append(True)
            svc.tickets.save(svc.lifecycle.apply(ticket, action, actor, body(ticket), runtime.now()))
        return ticket, events

    monkeypatch.setattr(svc.tickets, "history", read_then_write)


def test_an_unknown_units_inbox_is_404_not_an_empty_list(city):
    city("tianjin")
    status, out = call("GET", "/units/no-such-unit/tickets", claims=staff("dispatcher"))
    assert status == 404 and out["error"]["code"] == "unknown_unit"
    assert "no-such-unit" in out["error"]["message"] and "单位" in out["error"]["message"]


def test_a_crafted_inbox_cursor_is_400_whatever_it_decodes_to(city):
    """A cursor is opaque (issue 15.11): valid base64 of another key shape, of another unit's
    key, or of no JSON at all is refused with 400, never passed to the store (was 502)."""
    svc = city("tianjin")
    t = _order(svc)
    lead = t["lead_unit"]
    other = {"pk": {"S": "CALLER#x"}, "sk": {"S": "META"}}
    not_mine = {"pk": {"S": "INBOX#tj-gov"}, "sk": {"S": "x"}}
    queue = {"pk": {"S": "QUEUE#dispatch"}, "sk": {"S": "x"}}
    for key in ({"pk": "x"}, other, not_mine, queue, {**not_mine, "gsi1pk": {"S": "x"}}, [1, 2], "x"):
        cursor = base64.urlsafe_b64encode(json.dumps(key).encode()).decode()
        status, out = call("GET", f"/units/{lead}/tickets", query={"cursor": cursor}, claims=staff("unit", lead))
        assert status == 400 and out["error"]["code"] == "bad_cursor", (key, out)
    status, out = call("GET", f"/units/{lead}/tickets", query={"cursor": "%%%"}, claims=staff("unit", lead))
    assert status == 400


def test_a_unit_not_party_to_an_order_gets_403_not_a_state_or_payload_answer(city):
    svc = city("tianjin")
    t = _order(svc)
    stranger = next(u.id for u in svc.config.units if u.id not in {t["lead_unit"], *t["assist_units"]})
    for body in ({"action": "sign"}, {"action": "reply"}, {"action": "request_extension", "days": "x"}):
        status, out = call("POST", f"/tickets/{t['ticket_id']}/actions", body, claims=staff("unit", stranger))
        assert status == 403, (body, out)


def test_a_persons_action_is_not_refused_for_the_systems_bookkeeping_in_between(city, monkeypatch):
    """Issue 15.15: the system wrote the ticket between the unit's read and its write (a timer's
    reminder here): the action is applied again to the fresh ticket instead of a 409."""
    svc = city("tianjin")
    t = _order(svc)
    _write_between_read_and_write(svc, monkeypatch, SYSTEM, "remind", lambda t: {"deadline": "sign",
                                  "deadline_version": t.deadline_version})  # fmt: skip
    status, out = call("POST", f"/tickets/{t['ticket_id']}/actions", {"action": "sign"},
                       claims=staff("unit", t["lead_unit"]))  # fmt: skip
    assert status == 200, out
    assert out["status"] == "in_progress" and [e["action"] for e in out["events"]][-2:] == ["remind", "sign"]


def test_a_persons_write_in_between_still_answers_409(city, monkeypatch):
    svc = city("tianjin")
    t = _order(svc)
    from tests.unit.factories import SUPERVISOR

    _write_between_read_and_write(svc, monkeypatch, SUPERVISOR, "supervise", lambda t: {"level": 1, "note": "请加快"})
    runtime.set_clock(cst(2026, 11, 2, 10, 30))
    status, out = call("POST", f"/tickets/{t['ticket_id']}/actions", {"action": "sign"},
                       claims=staff("unit", t["lead_unit"]))  # fmt: skip
    assert status == 409 and out["error"]["code"] == "stale_version" and "他人" in out["error"]["message"]


def test_the_operators_requeue_routine_pages_through_the_table_and_refuses_an_unknown_routine(city):
    """docs/runbook.md: `aws lambda invoke … '{"routine": "requeue"}'` on the dispatch function."""
    import pytest

    from functions.dispatch.handler import handler

    svc = city("tianjin")
    body = {**FILING, "content": "我要告他们，这事必须有个说法", "location": {"district": svc.config.districts[0].code}}
    status, filed = call("POST", "/requests", body)
    assert status == 201 and filed["tickets"][0]["status"] == "triage", filed
    tid = filed["tickets"][0]["ticket_id"]
    out = handler({"routine": "requeue"}, Context())
    assert out == {"orders": 1, "next": None}
    status, page = call("GET", "/queues/triage", claims=staff("dispatcher"))
    assert status == 200 and [r["ticket_id"] for r in page["tickets"]] == [tid]  # rewritten, not doubled
    with pytest.raises(ValueError, match="unknown routine"):
        handler({"routine": "nothing"}, Context())
