"""The timers function as the Scheduler calls it, on moto (R-TMR-2/4)."""

from __future__ import annotations

import pytest

from hotline.dal.repository import TicketRepository
from hotline.domain.errors import Conflict
from tests.conftest import cst
from tests.integration.apigw import Context, call, staff

FILING = {"channel": "phone", "type": "help", "content": "小区楼道灯坏了一个月没人修", "category": "property",
          "citizen": {"name": "张三", "phone": "13800138000"}}  # fmt: skip


def fire(event: dict) -> dict:
    from functions.timers.handler import handler

    return handler(event, Context())  # type: ignore[no-any-return]


def test_an_overdue_fire_that_races_a_units_action_is_applied_after_rereading(city, monkeypatch):
    """A unit's write between the fire's read and its write must not make the deadline vanish."""
    svc = city("tianjin")
    status, out = call("POST", "/requests", {**FILING, "location": {"district": svc.config.districts[0].code}})
    assert status == 201, out
    tid, lead = out["tickets"][0]["ticket_id"], out["tickets"][0]["lead_unit"]
    ticket = svc.tickets.get(tid)
    save, raced = TicketRepository.save, []

    def unit_writes_first(self, step):
        if step.event.action == "mark_overdue" and not raced:  # the lead acts at the very same moment
            body = {"action": "request_return", "reason": "不属于本单位职责范围内的事项"}
            raced.append(call("POST", f"/tickets/{tid}/actions", body, claims=staff("unit", lead)))
            raise Conflict(None, "ticket: someone changed it first")
        return save(self, step)

    monkeypatch.setattr(TicketRepository, "save", unit_writes_first)
    from hotline.adapters import runtime

    runtime.set_clock(ticket.deadlines.sign_by)
    out = fire({"ticket_id": tid, "action": "mark_overdue", "deadline": "sign",
                "deadline_version": ticket.deadline_version})  # fmt: skip
    assert out["applied"] is True and raced[0][0] == 200
    after = svc.tickets.get(tid)
    assert after.overdue and [e.action for e in svc.tickets.events(tid)][-2:] == ["request_return", "mark_overdue"]


@pytest.mark.parametrize("when", ["early", "stale"])
def test_a_closing_fire_the_rules_refuse_is_a_logged_no_op_not_a_retry(city, when):
    """R-TMR-4: an early or superseded callback-window fire answers applied=false and writes nothing."""
    svc = city("weixi", at=cst(2026, 11, 2, 10))
    status, out = call("POST", "/requests", {**FILING, "type": "complaint",
                                             "location": {"district": svc.config.districts[0].code}})  # fmt: skip
    assert status == 201, out
    tid = out["tickets"][0]["ticket_id"]
    before = [e.action for e in svc.tickets.events(tid)]
    version = svc.tickets.get(tid).deadline_version + (0 if when == "early" else 5)
    out = fire({"ticket_id": tid, "action": "auto_close", "deadline": "callback", "deadline_version": version})
    assert out["applied"] is False
    assert [e.action for e in svc.tickets.events(tid)] == before
