"""Weixi on its synthesized state machine: off-hours orders wait for the working morning
(Weixi Art.6), the two-hour sign limit and the return window that opens at signing (Art.7)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.workflow.conftest import Deployed
from tests.workflow.scenario import file

CITY = "weixi"
pytestmark = pytest.mark.xdist_group("workflow")
LOCAL = ZoneInfo("Asia/Shanghai")


def _evening(d: Deployed) -> datetime:
    """The next 21:00 in Weixi, after the emulator's now."""
    now = datetime.fromisoformat(d.api.get("/_local/clock").json()["now"]).astimezone(LOCAL)
    evening = now.replace(hour=21, minute=0, second=0, microsecond=0)
    return evening if evening > now else evening + timedelta(days=1)


def test_weixi_off_hours_order_waits_for_the_working_morning_and_then_goes_out_by_rule(deployed: Deployed) -> None:
    """Art.6: off-hours orders are dispatched by 10:00 of the next working day; the rule's unit gets
    it when the office opens, by the order's own timer, and the execution moves on."""
    r = deployed.api.post("/_local/clock", {"to": _evening(deployed).isoformat()})
    assert r.status_code == 200, r.text
    filed = file(deployed, "roads", "weixi", type="help")
    tid = filed["tickets"][0]["ticket_id"]
    assert filed["tickets"][0]["status"] == "pending_dispatch"
    deployed.settle(tid, "AwaitDispatch")
    dispatch_by = datetime.fromisoformat(deployed.ticket(tid)["deadlines"]["dispatch_by"])
    assert (dispatch_by.astimezone(LOCAL).hour, dispatch_by.astimezone(LOCAL).minute) == (10, 0)

    r = deployed.api.post("/_local/clock", {"to": dispatch_by.isoformat()})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert any(f.get("name", "").startswith(f"{tid}.dispatch") for f in moved["fired"]), moved["fired"]
    deployed.settle(tid, "AwaitUnit")
    t = deployed.ticket(tid)
    opened = datetime.fromisoformat(t["dispatched_at"]).astimezone(LOCAL)
    assert t["lead_unit"] == "wx-jiaotong" and (opened.hour, opened.minute) == (9, 0)


def test_weixi_complaint_at_night_goes_out_at_once(deployed: Deployed) -> None:
    """Art.6: complaints and reports are dispatched immediately, whatever the hour."""
    r = deployed.api.post("/_local/clock", {"to": _evening(deployed).isoformat()})
    assert r.status_code == 200, r.text
    tid = file(deployed, "roads", "weixi", type="complaint")["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    assert deployed.ticket(tid)["status"] == "dispatched"


def test_weixi_signs_within_two_hours_and_the_return_window_opens_at_signing(deployed: Deployed) -> None:
    """Art.7: sign within 2 hours; a return may be asked within 24 hours after signing."""
    tid = file(deployed, "roads", "weixi", type="complaint")["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    t = deployed.ticket(tid)
    dispatched = datetime.fromisoformat(t["dispatched_at"])
    assert datetime.fromisoformat(t["deadlines"]["sign_by"]) - dispatched == timedelta(hours=2)
    assert t["deadlines"]["return_by"] is None
    signed = deployed.act(tid, "wx-jiaotong", "sign")
    return_by = datetime.fromisoformat(signed["deadlines"]["return_by"])
    assert return_by - datetime.fromisoformat(signed["signed_at"]) == timedelta(hours=24)


def test_weixi_silent_citizen_is_deemed_basically_satisfied_when_the_window_closes(deployed: Deployed) -> None:
    """R-CB-2 (Weixi Art.9): no rating within the callback window → basically satisfied, closed,
    archived; the callback window's own timer does it."""
    from tests.workflow.scenario import reply

    tid = file(deployed, "roads", "weixi", type="complaint")["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "wx-jiaotong", "sign")
    deployed.act(tid, "wx-gongan", "submit_assist", text="已配合设置警示标志")
    callback_by = reply(deployed, tid, "wx-jiaotong")["deadlines"]["callback_by"]
    deployed.settle(tid, "AwaitCallback")
    # the close comes within the second after the window (Scheduler times are whole seconds, rounded up)
    close = datetime.fromisoformat(callback_by) + timedelta(seconds=1)
    r = deployed.api.post("/_local/clock", {"to": close.isoformat()})
    assert r.status_code == 200, r.text
    assert any(f["name"] == f"{tid}.callback.v{deployed.ticket(tid)['deadline_version']}.close"
               for f in r.json()["fired"])  # fmt: skip
    deployed.settle(tid, "Done", status="SUCCEEDED")
    record = deployed.archived(tid)["ticket"]
    assert record["status"] == "closed" and record["rating"]["deemed"] is True
    assert record["rating"]["satisfaction"] == "basically_satisfied"


def test_weixi_unsatisfied_rating_is_never_deemed(deployed: Deployed) -> None:
    """R-CB-2 applies to silence only (R-DESK-6): a citizen who rated 'unsatisfied' keeps the order
    waiting in callback for the center's review; the window's end fires nothing, nothing is
    archived, and the rating stays the citizen's."""
    from tests.workflow.scenario import rate, reply

    filed = file(deployed, "roads", "weixi", type="complaint")
    tid = filed["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "wx-jiaotong", "sign")
    deployed.act(tid, "wx-gongan", "submit_assist", text="已配合设置警示标志")
    callback_by = reply(deployed, tid, "wx-jiaotong")["deadlines"]["callback_by"]
    deployed.settle(tid, "AwaitCallback")
    rate(deployed, filed, tid, "unsatisfied")
    after = datetime.fromisoformat(callback_by) + timedelta(hours=1)
    r = deployed.api.post("/_local/clock", {"to": after.isoformat()})
    assert r.status_code == 200, r.text
    assert not [f for f in r.json()["fired"] if f.get("name", "").startswith(f"{tid}.callback")], r.json()["fired"]
    t = deployed.ticket(tid)
    assert t["status"] == "replied" and t["rating"]["satisfaction"] == "unsatisfied" and not t["rating"]["deemed"]
    assert "auto_close" not in [e["action"] for e in t["events"]] and not t.get("archive_key")
    deployed.settle(tid, "AwaitCallback")


def test_weixi_a_day_at_the_desk_runs_from_the_queues_alone(deployed: Deployed) -> None:
    """R-DESK-1/2 (issue 18): triage → dispatch → the reviewer's extension queue (Weixi Art.8: within the total limit) →
    the callback queue → closed, each queue telling its role and letting the order go."""
    from tests.workflow.scenario import day_at_the_desk

    day_at_the_desk(deployed, "roads", "weixi", {"days": 1})
