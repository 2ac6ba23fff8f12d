"""The order's phases and when its execution starts or moves on (DESIGN §1), without AWS."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.domain.models import SYSTEM, Status
from hotline.domain.routing import due_dispatch
from hotline.domain.timers import timers_for
from hotline.domain.workflow import PHASES, WAITING, Wait, execution_name, phase_of, resumes
from tests.conftest import cst
from tests.unit.factories import DISPATCHER, REVIEWER, Desk, unit

MONDAY_10 = cst(2026, 11, 23, 10)


def test_every_status_belongs_to_exactly_one_phase():
    assert set(PHASES) == set(Status)
    assert set(WAITING) == {"dispatch", "unit", "callback"}
    assert phase_of(Status.return_requested) == "unit"  # the center decides inside the unit's phase
    assert phase_of(Status.backlogged) == "ledger"


def test_a_new_ticket_starts_an_execution_named_after_it_and_a_change_does_not():
    desk = Desk("tianjin")
    t = desk.file(MONDAY_10, category="roads")
    assert execution_name(None, t) == t.ticket_id
    moved = desk.dispatch(MONDAY_10)
    assert execution_name(t, moved) is None


def test_a_reply_from_the_backlog_ledger_starts_a_fresh_execution_with_a_unique_name():
    desk = Desk("baoding")
    desk.file(MONDAY_10, category="urban_management")
    desk.dispatch(MONDAY_10)
    desk.do("sign", desk.lead, at=MONDAY_10)
    desk.do("request_backlog", desk.lead, at=MONDAY_10, plan="纳入明年改造计划，分批实施", review_on="2027-03-01")
    ledger = desk.do("decide_backlog", REVIEWER, at=MONDAY_10, approve=True, reason="计划可行")
    for part in desk.t.assist_units:
        desk.do("submit_assist", unit(part), at=MONDAY_10, text="已配合")
    replied = desk.do("reply", desk.lead, at=MONDAY_10 + timedelta(days=30), handled_at=MONDAY_10,
                      process="纳入改造计划并实施", result="已完成", citizen_contacted=True)  # fmt: skip
    assert execution_name(ledger, replied) == f"{replied.ticket_id}-v{replied.version}"


def _wait(ticket, phase, version=None):
    return Wait(ticket.ticket_id, "token-1", phase, ticket.version if version is None else version)


def test_leaving_the_parked_phase_resumes_and_a_change_within_it_does_not():
    desk = Desk("tianjin")
    desk.file(MONDAY_10, category="roads")
    dispatched = desk.dispatch(MONDAY_10)
    parked = _wait(dispatched, "unit")
    signed = desk.do("sign", desk.lead, at=MONDAY_10)
    assert not resumes(dispatched, signed, parked)  # signing is a moment in the unit phase
    desk.do("request_return", desk.lead, at=MONDAY_10, reason="不属于本单位职责范围内的事项")
    before = desk.t
    returned = desk.do("decide_return", REVIEWER, at=MONDAY_10, approve=True, reason="同意退回重新派单")
    assert returned.status is Status.pending_dispatch
    assert resumes(before, returned, parked)


def test_a_replayed_old_change_never_resumes_a_later_wait():
    """R-INT-6 for the stream: a change older than the parking resumes nothing."""
    desk = Desk("tianjin")
    desk.file(MONDAY_10, category="roads")
    dispatched = desk.dispatch(MONDAY_10)
    desk.do("sign", desk.lead, at=MONDAY_10)
    for part in desk.t.assist_units:
        desk.do("submit_assist", unit(part), at=MONDAY_10, text="已配合")
    before = desk.t
    replied = desk.do("reply", desk.lead, at=MONDAY_10, handled_at=MONDAY_10, process="现场处置完毕",
                      result="已修复", citizen_contacted=True)  # fmt: skip
    assert resumes(before, replied, _wait(dispatched, "unit"))
    assert not resumes(before, replied, _wait(replied, "callback"))  # the next wait is in another phase
    assert not resumes(before, replied, _wait(replied, "unit", version=replied.version))  # parked after it


def test_the_rule_never_routes_an_order_back_to_the_unit_whose_return_was_approved():
    """R-DSP-5: after an approved return the dispatcher chooses; the rule does not guess again."""
    desk = Desk("tianjin")
    desk.file(MONDAY_10, category="roads")
    desk.dispatch(MONDAY_10)
    desk.do("request_return", desk.lead, at=MONDAY_10, reason="不属于本单位职责范围内的事项")
    desk.do("decide_return", REVIEWER, at=MONDAY_10, approve=True, reason="同意退回重新派单")
    assert desk.t.returned_by == ["tj-jiaotong"] and desk.t.deadlines.dispatch_by == MONDAY_10
    assert due_dispatch(desk.lc, desk.t, MONDAY_10) is None
    desk.do("dispatch", DISPATCHER, at=MONDAY_10, lead_unit="tj-heping", assist_units=[])
    assert desk.t.lead_unit == "tj-heping" and desk.t.deadlines.dispatch_by is None


@pytest.mark.parametrize("hour", [20, 23])
def test_weixi_off_hours_order_is_routed_when_the_office_opens_not_before(hour):
    """Weixi Art.6: by 10:00 of the next working day; the rule's dispatch waits for 09:00."""
    desk = Desk("weixi")
    evening = cst(2026, 11, 23, hour)
    t = desk.file(evening, category="roads", district="weixi")
    t.deadlines.dispatch_by = desk.lc.policy.dispatch_at(evening, t.type, t.category)
    assert t.deadlines.dispatch_by == cst(2026, 11, 24, 10)
    assert due_dispatch(desk.lc, t, evening) is None
    assert due_dispatch(desk.lc, t, cst(2026, 11, 24, 8, 59)) is None
    step = due_dispatch(desk.lc, t, cst(2026, 11, 24, 9))
    assert step is not None and step.after.lead_unit == "wx-jiaotong" and step.event.actor == SYSTEM
    timers = timers_for(desk.lc.policy, t)
    [timer] = [x for x in timers if x.fire["action"] == "route"]
    assert (timer.at, timer.fire["action"]) == (cst(2026, 11, 24, 9), "route")
    # no rule would leave it to the dispatcher, due by the same 10:00 (R-DSP-2)
    [overdue] = [x for x in timers if x.fire["action"] == "mark_overdue"]
    assert (overdue.at, overdue.fire["deadline"]) == (cst(2026, 11, 24, 10), "queue")


def test_an_order_dispatched_at_once_needs_no_routing_timer():
    desk = Desk("tianjin")
    t = desk.file(MONDAY_10, category="other")  # no rule: the dispatcher's queue
    t.deadlines.dispatch_by = MONDAY_10
    assert due_dispatch(desk.lc, t, MONDAY_10) is None
    assert [x for x in timers_for(desk.lc.policy, t) if x.fire["action"] == "route"] == []


def test_a_closed_order_changed_after_archiving_is_archived_again_under_a_unique_name():
    """R-CB-4/R-CB-5: a late exemption decision reaches the archive; the archive event itself does not restart."""
    from hotline.domain import records

    desk = Desk("tianjin")
    desk.file(MONDAY_10, category="roads")
    desk.dispatch(MONDAY_10)
    desk.do("sign", desk.lead, at=MONDAY_10)
    for part in desk.t.assist_units:
        desk.do("submit_assist", unit(part), at=MONDAY_10, text="已配合")
    desk.do("reply", desk.lead, at=MONDAY_10, handled_at=MONDAY_10.isoformat(), process="现场处置",
            result="已处理", citizen_contacted=True)  # fmt: skip
    closed = desk.do("record_callback", REVIEWER, at=MONDAY_10, resolved=False, satisfaction="unsatisfied",
                     reasonable=False)  # fmt: skip
    assert records.due(closed)
    archived = desk.do("archive", SYSTEM, at=MONDAY_10, key="records/x.json", checksum="c2hhMjU2LWNoZWNr")
    assert not records.due(archived) and execution_name(closed, archived) is None
    asked = desk.do("request_exemption", desk.lead, at=MONDAY_10 + timedelta(days=1), reason="已尽责",
                    evidence="沟通记录")  # fmt: skip
    assert records.due(asked) and execution_name(archived, asked) == f"{asked.ticket_id}-v{asked.version}"
    again = desk.do(
        "archive", SYSTEM, at=MONDAY_10 + timedelta(days=1), key="records/x.json", checksum="c2hhMjU2LWNoZWNr"
    )
    assert again.archived_version == asked.version and not records.due(again)
    with pytest.raises(Exception, match="unchanged since"):
        desk.do("archive", SYSTEM, at=MONDAY_10 + timedelta(days=1), key="records/x.json", checksum="c2hhMjU2LWNoZWNr")
