"""The one transition table: complete for SPEC §11, authorised by role and unit (R-SEC-2, R-SEC-3)."""

from __future__ import annotations

from typing import get_args

import pytest

from hotline.domain import payloads
from hotline.domain.actions import ALL, ActionName
from hotline.domain.actions.declaration import done
from hotline.domain.actions.timer_fires import Deadline
from hotline.domain.errors import Forbidden, IllegalTransition, RuleViolation
from hotline.domain.models import SYSTEM, Status
from hotline.domain.transitions import CENTER_ACTIONS, TABLE, UNIT_ACTIONS
from tests.conftest import cst
from tests.unit.factories import CITIZEN, DISPATCHER, REVIEWER, Desk, unit

SPEC_UNIT_ACTIONS = {
    "sign", "request_return", "request_extension", "submit_assist", "reply",
    "request_termination", "request_backlog", "refer_up",
    "hand_down", "coordinate", "answer_referral", "report_progress",  # SPEC §12.7 (R-UNIT-2..4)
}  # fmt: skip
SPEC_CENTER_ACTIONS = {
    "dispatch", "decide_return", "decide_extension", "decide_termination",
    "record_callback", "decide_exemption", "supervise",
}  # fmt: skip
SPEC_REQUEST_OUTCOMES = {Status.answered, Status.transferred, Status.not_accepted, Status.duplicate}


def test_table_covers_every_action_of_the_api_contract():
    assert SPEC_UNIT_ACTIONS <= UNIT_ACTIONS
    assert SPEC_CENTER_ACTIONS <= CENTER_ACTIONS
    assert {r.to for r in TABLE} >= SPEC_REQUEST_OUTCOMES


def test_every_status_of_the_contract_is_reachable():
    reachable = {Status.received} | {r.to for r in TABLE if r.to}
    assert reachable == set(Status)


def test_every_action_is_declared_once_with_a_payload_rows_and_guards():
    """Issue 16: one declaration per action; THE table is exactly their rows."""
    names = [a.name for a in ALL]
    assert sorted(names) == sorted(ActionName) and len(set(names)) == len(names)
    assert [(r.action, r.outcome, r.to) for r in TABLE] == [(a.name, x.outcome, x.to) for a in ALL for x in a.rows]
    for rule in TABLE:
        assert rule.action in payloads.PAYLOADS
        for g in rule.guards:
            assert callable(g), g
    for action in ALL:
        assert action.rows, action.name
        assert payloads.PAYLOADS[action.name] is action.payload
        assert action.effect is None or callable(action.effect)  # None only on purpose: records the payload
        if len(action.outcomes) > 1:  # a decision: the payload must select its row
            assert action.choose is not done, action.name


def test_every_notice_row_names_an_outcome_or_a_deadline_of_its_action():
    deadlines = set(get_args(Deadline))
    for action in ALL:
        assert set(action.units) <= {None} | action.outcomes | deadlines, action.name
        assert set(action.citizen) <= {None} | action.outcomes, action.name
        assert set(action.center) <= deadlines | {None}, action.name
        if set(action.units) & deadlines or set(action.center) - {None}:
            assert "deadline" in action.payload.model_fields, action.name  # only a timer names one


def test_each_transition_appends_one_event_with_who_when_what():
    desk = Desk("tianjin")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    assert [e.action for e in desk.events] == ["accept", "dispatch", "sign"]
    assert [e.seq for e in desk.events] == [1, 2, 3]
    last = desk.events[-1]
    assert (last.actor, last.from_status, last.to_status) == (
        desk.lead,
        Status.dispatched,
        Status.in_progress,
    )


def test_a_unit_may_not_act_on_another_units_order():
    desk = Desk("tianjin")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    other = next(u.id for u in desk.config.units if u.id != desk.t.lead_unit)
    with pytest.raises(Forbidden, match="lead unit"):
        desk.do("sign", unit(other), at=cst(2026, 11, 2, 11))


def test_a_unit_may_not_take_a_center_decision():
    desk = Desk("heze")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    desk.do("request_return", desk.lead, at=cst(2026, 11, 2, 11), reason="不属于本单位职责")
    with pytest.raises(Forbidden, match="role unit"):
        desk.do("decide_return", desk.lead, at=cst(2026, 11, 2, 12), approve=True, reason="自批")


def test_illegal_transition_says_what_is_allowed():
    desk = Desk("heze")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    with pytest.raises(IllegalTransition, match="allowed from: backlogged, in_progress, rehandling"):
        desk.do(
            "reply", desk.lead, at=cst(2026, 11, 2, 12), handled_at=cst(2026, 11, 2, 11).isoformat(),
            process="上门查看并维修", result="已修复", citizen_contacted=True,
        )  # fmt: skip


def test_bad_payload_is_refused_before_anything_changes():
    from hotline.domain.errors import BadInput

    desk = Desk("heze")
    desk.file(cst(2026, 11, 2, 10))
    before = desk.t
    with pytest.raises(BadInput, match="lead_unit"):
        desk.do("dispatch", DISPATCHER, at=cst(2026, 11, 2, 11), lead="x")
    assert desk.t is before


def test_incomplete_reply_is_refused():
    desk = Desk("tianjin")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    from hotline.domain.errors import BadInput

    with pytest.raises(BadInput, match="citizen"):
        desk.do(
            "reply", desk.lead, at=cst(2026, 11, 3, 12), handled_at=cst(2026, 11, 3, 11).isoformat(),
            process="上门查看并维修", result="已修复", citizen_contacted=False,
        )  # fmt: skip
    with pytest.raises(BadInput, match="process"):
        desk.do(
            "reply", desk.lead, at=cst(2026, 11, 3, 12), handled_at=cst(2026, 11, 3, 11).isoformat(),
            process="", result="已修复", citizen_contacted=True,
        )  # fmt: skip


def test_lead_replies_only_after_every_assisting_units_part():
    desk = Desk("baoding")
    desk.file(cst(2026, 11, 2, 10))
    a, b = desk.some_units(2)
    desk.dispatch(cst(2026, 11, 2, 10, 5), lead=a, assist=[b])
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    reply = dict(
        handled_at=cst(2026, 11, 3, 11).isoformat(), process="联合上门查看", result="已处理",
        citizen_contacted=True,
    )  # fmt: skip
    with pytest.raises(RuleViolation, match=b):
        desk.do("reply", desk.lead, at=cst(2026, 11, 3, 12), **reply)
    desk.do("submit_assist", unit(b), at=cst(2026, 11, 3, 9), text="已配合完成现场核查")
    desk.do("reply", desk.lead, at=cst(2026, 11, 3, 12), **reply)
    assert desk.t.status is Status.replied and desk.t.assist_parts == {b: "已配合完成现场核查"}


def test_return_approved_goes_back_to_the_queue_keeping_history():
    desk = Desk("hohhot")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    first = desk.t.lead_unit
    desk.do("request_return", desk.lead, at=cst(2026, 11, 2, 11), reason="不属于本单位职责")
    desk.do("decide_return", DISPATCHER, at=cst(2026, 11, 2, 12), approve=True, reason="核实属实")
    assert desk.t.status is Status.pending_dispatch and desk.t.lead_unit is None
    other = next(u for u in desk.some_units(3) if u != first)
    desk.do("dispatch", DISPATCHER, at=cst(2026, 11, 2, 13), lead_unit=other)
    assert desk.t.status is Status.dispatched and desk.t.lead_unit == other
    assert [e.action for e in desk.events].count("dispatch") == 2


def test_return_rejected_leaves_the_unit_handling():
    desk = Desk("hohhot")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 10, 30))
    desk.do("request_return", desk.lead, at=cst(2026, 11, 2, 11), reason="不属于本单位职责")
    desk.do("decide_return", REVIEWER, at=cst(2026, 11, 2, 12), approve=False, reason="属于本单位职责")
    assert desk.t.status is Status.in_progress and desk.t.pending is None


def test_citizen_unsatisfied_rating_waits_for_a_review():
    desk = Desk("hohhot")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5), lead=desk.some_units(1)[0], assist=[])
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 10, 30))
    desk.do(
        "reply", desk.lead, at=cst(2026, 11, 3, 12), handled_at=cst(2026, 11, 3, 11).isoformat(),
        process="上门查看并维修", result="已修复", citizen_contacted=True,
    )  # fmt: skip
    desk.do("rate", CITIZEN, at=cst(2026, 11, 4, 9), resolved=False, satisfaction="unsatisfied")
    assert desk.t.status is Status.replied and desk.t.rating.satisfaction == "unsatisfied"


def test_stale_timer_fire_changes_nothing():
    desk = Desk("weixi")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    old = desk.t.deadline_version
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))  # weixi: signing opens the return window
    assert desk.t.deadline_version == old + 1
    with pytest.raises(IllegalTransition, match="superseded"):
        desk.do("mark_overdue", SYSTEM, at=cst(2026, 11, 9, 10), deadline="reply", deadline_version=old)
    desk.do("mark_overdue", SYSTEM, at=cst(2026, 11, 9, 10), deadline="reply", deadline_version=old + 1)
    assert desk.t.overdue and desk.t.supervision_level == 1


def test_escalation_climbs_the_city_ladder_one_level_at_a_time():
    """R-TMR-2: overdue opens level 1; each missed step goes one level up, never skipping."""
    from tests.unit.factories import SUPERVISOR

    desk = Desk("heze")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5), lead=desk.some_units(1)[0], assist=[])
    v = desk.t.deadline_version
    desk.do("mark_overdue", SYSTEM, at=cst(2026, 11, 3, 11), deadline="sign", deadline_version=v)
    with pytest.raises(IllegalTransition, match="does not follow"):
        desk.do("escalate", SYSTEM, at=cst(2026, 11, 4, 11), level=3, deadline_version=v)
    desk.do("escalate", SYSTEM, at=cst(2026, 11, 4, 11), level=2, deadline_version=v)
    assert desk.t.supervision_level == 2
    assert desk.events[-1].detail["notify"] == desk.config.supervision.ladder[1].notify
    desk.do("supervise", SUPERVISOR, at=cst(2026, 11, 4, 12), level=1, note="电话督办")
    assert desk.t.supervision_level == 2  # a lower manual level never lowers supervision


def test_refer_up_goes_to_the_parent_unit_and_rejected_extension_keeps_the_deadline():
    """R-DSP-10 (Hohhot Art.19) and R-DSP-7."""
    desk = Desk("hohhot")
    desk.file(cst(2026, 11, 2, 10))
    lead = desk.some_units(1)[0]
    desk.dispatch(cst(2026, 11, 2, 10, 5), lead=lead, assist=[])
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 10, 30))
    desk.do("refer_up", desk.lead, at=cst(2026, 11, 2, 11), reason="需要市级协调")
    parent = next(u.parent for u in desk.config.units if u.id == lead)
    assert desk.t.referrals[-1].to == parent
    due = desk.t.deadlines.reply_by
    desk.do("request_extension", desk.lead, at=cst(2026, 11, 2, 12), days=1, reason="需要协调")
    desk.do("decide_extension", REVIEWER, at=cst(2026, 11, 2, 13), approve=False, reason="理由不充分")
    assert desk.t.deadlines.reply_by == due
    assert desk.t.pending is None
    assert desk.t.extensions_used == 0
