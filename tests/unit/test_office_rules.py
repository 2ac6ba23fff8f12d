"""Rules a hotline office relies on that outside testing found broken (issue 15): each test here
failed before its fix. Pure domain: the lifecycle, timers and notices on a city's real config."""

from __future__ import annotations

import pytest

from hotline.domain.errors import BadInput, Forbidden, IllegalTransition, RuleViolation
from hotline.domain.models import SYSTEM, Location, Status
from hotline.domain.notices import CALLER_PHONE, center_notices, desk_notices, notices_for
from hotline.domain.timers import timers_for
from tests.conftest import cst
from tests.unit.factories import CALLBACK, CITIZEN, DISPATCHER, REVIEWER, Desk, dispatched, replied, unit

_dispatched, _replied = dispatched, replied


# -- 15.2 R-CB-2 / R-DESK-6: a recorded rating is never replaced by a deemed one ----------------


def test_weixi_unsatisfied_rating_is_never_deemed():
    """Weixi Art.9(1) deems *silence* basically satisfied; a citizen who said 'unsatisfied' waits
    for the center's review: no closing timer is kept, and a late closing fire changes nothing."""
    desk = _replied("weixi")
    [close] = timers_for(desk.lc.policy, desk.t)
    window_end = desk.t.deadlines.callback_by
    desk.do("rate", CITIZEN, at=cst(2026, 11, 3, 12), resolved=False, satisfaction="unsatisfied", comment="没修好")
    assert desk.t.status is Status.replied and desk.t.rating and desk.t.rating.satisfaction == "unsatisfied"
    assert [t for t in timers_for(desk.lc.policy, desk.t) if t.fire["action"] == "auto_close"] == []
    body = {k: v for k, v in close.fire.items() if k in {"deadline", "deadline_version"}}
    with pytest.raises((RuleViolation, IllegalTransition)):
        desk.do("auto_close", SYSTEM, at=window_end, **body)
    with pytest.raises(RuleViolation, match="only silence"):  # even a fire that names no version
        desk.do("auto_close", SYSTEM, at=window_end)
    assert desk.t.rating.satisfaction == "unsatisfied" and not desk.t.rating.deemed


def test_weixi_silence_after_a_rehandled_reply_is_still_deemed():
    """The old unsatisfied rating belongs to the first reply; the second reply's window is silent."""
    desk = _replied("weixi")
    desk.do("record_callback", CALLBACK, at=cst(2026, 11, 3, 11), resolved=False, satisfaction="unsatisfied",
            reasonable=True, comment="没有修好")  # fmt: skip
    desk.do("reply", desk.lead, at=cst(2026, 11, 4, 10), handled_at=cst(2026, 11, 4, 9).isoformat(),
            process="再次检修更换管段", result="已恢复", citizen_contacted=True)  # fmt: skip
    [close] = timers_for(desk.lc.policy, desk.t)
    body = {k: v for k, v in close.fire.items() if k in {"deadline", "deadline_version"}}
    desk.do("auto_close", SYSTEM, at=desk.t.deadlines.callback_by, **body)
    assert desk.t.status is Status.closed and desk.t.rating and desk.t.rating.deemed


# -- 15.3 R-INT-4: what the emergency desk needs to act -------------------------------------------


def _transferred(city: str, content: str, **loc) -> Desk:
    desk = Desk(city)
    desk.file(cst(2026, 11, 2, 21, 30), content=content, district=loc.pop("district", None))
    desk.t = desk.t.model_copy(
        update={
            "status": Status.received,
            "citizen_sealed": "sealed",
            "location": Location(**loc, **{"district": desk.t.location.district}),
        }
    )
    desk.do("transfer", SYSTEM, at=cst(2026, 11, 2, 21, 30), desk="119", reason="闻到煤气")
    return desk


def test_an_emergency_transfer_tells_the_desk_where_when_which_request_and_how_to_call_back():
    desk = _transferred("tianjin", "楼道里煤气味特别大，邻居家没人应门", district="heping", street=None,
                        address="南京路 88 号 3 单元", lat=39.117, lon=117.2)  # fmt: skip
    [notice] = desk_notices(desk.config, desk.t, desk.events[-1])
    assert notice.desk == "119"
    for needed in ("和平区", "南京路 88 号 3 单元", "39.117000,117.200000", "2026-11-02 21:30", desk.t.request_id,
                   CALLER_PHONE, "煤气味特别大"):  # fmt: skip
        assert needed in notice.text, needed
    disclosed = desk.events[-1].detail["disclosed"]
    assert disclosed["to"] == "119" and disclosed["what"] == "phone" and "R-INT-4" in disclosed["why"]


def test_a_gas_emergency_also_reaches_the_gas_company_the_city_names():
    desk = _transferred("tianjin", "楼道里煤气味特别大", district="heping")
    assert desk.events[-1].detail["utility"] == "tj-gas"
    [notice] = notices_for(desk.config, desk.t, desk.events[-1])
    assert notice.unit_id == "tj-gas" and "119" in notice.text and "天津市燃气集团有限公司" in notice.text
    assert "已同时通知：天津市燃气集团有限公司" in desk_notices(desk.config, desk.t, desk.events[-1])[0].text


def test_an_emergency_with_no_utility_involved_tells_no_unit():
    desk = _transferred("tianjin", "有人拿刀在小区门口砍人", district="heping")
    assert "utility" not in desk.events[-1].detail
    assert notices_for(desk.config, desk.t, desk.events[-1]) == []


# -- 15.4 R-DSP-2: the dispatcher's queue has a clock ----------------------------------------------


def _queued(city: str = "tianjin", at=None) -> Desk:
    desk = Desk(city)
    desk.file(at or cst(2026, 11, 2, 10), category="other")  # no rule routes it: the dispatcher's queue
    return desk


def test_an_order_waiting_for_dispatch_is_reminded_then_overdue_after_the_city_queue_limit():
    desk = _queued()
    assert desk.t.status is Status.pending_dispatch
    assert desk.t.deadlines.queue_by == cst(2026, 11, 2, 10, 30)  # 30 minutes, the default limit
    timers = {t.fire["action"]: t for t in timers_for(desk.lc.policy, desk.t) if t.fire.get("deadline") == "queue"}
    assert set(timers) == {"remind", "mark_overdue"} and timers["mark_overdue"].at == cst(2026, 11, 2, 10, 30)
    fire = timers["mark_overdue"].fire
    desk.do(
        "mark_overdue",
        SYSTEM,
        at=timers["mark_overdue"].at,
        deadline="queue",
        deadline_version=fire["deadline_version"],
    )
    assert desk.t.overdue and desk.t.supervision_level == 0  # the center was late, no unit is supervised
    [notice] = center_notices(desk.config, desk.t, desk.events[-1])
    assert notice.role == "dispatcher" and notice.kind == "overdue" and "派单时限 2026-11-02 10:30" in notice.text
    desk.do("dispatch", DISPATCHER, at=cst(2026, 11, 2, 11), lead_unit="tj-heping", assist_units=[])
    assert not desk.t.overdue and desk.t.deadlines.queue_by is None  # the unit's clock starts fresh


def test_an_order_filed_at_night_gives_the_dispatcher_until_half_an_hour_after_opening():
    desk = _queued(at=cst(2026, 11, 2, 22))
    assert desk.t.deadlines.queue_by == cst(2026, 11, 3, 9, 30)


def test_a_returned_order_back_in_the_queue_gets_a_fresh_queue_clock():
    desk = _dispatched()
    desk.do("request_return", desk.lead, at=cst(2026, 11, 2, 11), reason="不属于本单位职责")
    desk.do("decide_return", DISPATCHER, at=cst(2026, 11, 2, 14), approve=True, reason="同意")
    assert desk.t.status is Status.pending_dispatch and desk.t.deadlines.queue_by == cst(2026, 11, 2, 14, 30)


# -- 15.5 R-DSP-13, R-TMR-1/2: notices a unit head can read ---------------------------------------


def test_a_missed_sign_deadline_says_sign_not_handling():
    desk = _dispatched()
    v = desk.t.deadline_version
    desk.do("mark_overdue", SYSTEM, at=desk.t.deadlines.sign_by, deadline="sign", deadline_version=v)
    [notice] = notices_for(desk.config, desk.t, desk.events[-1])
    assert "签收时限" in notice.text and "办结时限" not in notice.text and "天津水务集团有限公司" in notice.text


def test_no_reminder_is_sent_for_a_deadline_already_past():
    desk = _dispatched()
    v = desk.t.deadline_version
    late = desk.t.deadlines.sign_by
    desk.do("remind", SYSTEM, at=late, deadline="sign", deadline_version=v)
    assert notices_for(desk.config, desk.t, desk.events[-1]) == []


def test_a_ladder_rung_with_no_higher_unit_goes_to_the_supervision_office_not_the_late_unit():
    """Tianjin's ladder: level 2 is the parent unit; a lead with no parent (the city government
    itself) is escalated to the city's supervision office (config `supervision.office`)."""
    desk = _dispatched(lead="tj-gov", assist=[])
    v = desk.t.deadline_version
    desk.do("mark_overdue", SYSTEM, at=desk.t.deadlines.sign_by, deadline="sign", deadline_version=v)
    desk.do("escalate", SYSTEM, at=cst(2026, 11, 5, 10), level=2, deadline_version=v, deadline="sign")
    [notice] = notices_for(desk.config, desk.t, desk.events[-1])
    assert notice.unit_id == desk.config.supervision.office == "tj-hotline"
    assert "天津市人民政府超期未办结" in notice.text


# -- 15.6 R-DSP-6: the center can unblock an order an assisting unit holds -------------------------


def test_the_center_waives_a_missing_assist_part_and_the_lead_can_reply():
    desk = _dispatched()  # tj-water leads, tj-shuiwu assists
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    reply = {"handled_at": cst(2026, 11, 3, 9).isoformat(), "process": "现场检修更换阀门", "result": "已恢复供水",
             "citizen_contacted": True}  # fmt: skip
    with pytest.raises(RuleViolation, match="天津市水务局"):
        desk.do("reply", desk.lead, at=cst(2026, 11, 3, 10), **reply)
    desk.do("decide_assist", REVIEWER, at=cst(2026, 11, 3, 9, 30), unit="tj-shuiwu", waive=True, reason="逾期未交")
    assert desk.t.assist_units == ["tj-shuiwu"] and desk.t.waived_parts == {"tj-shuiwu": "逾期未交"}
    assert desk.t.deadlines.assist_by is None
    [notice] = notices_for(desk.config, desk.t, desk.events[-1])
    assert notice.unit_id == "tj-water" and "豁免天津市水务局的协办意见" in notice.text
    desk.do("reply", desk.lead, at=cst(2026, 11, 3, 10), **reply)
    assert desk.t.status is Status.replied


def test_the_center_removes_an_assisting_unit_with_a_reason():
    desk = _dispatched()
    desk.do("decide_assist", DISPATCHER, at=cst(2026, 11, 2, 11), unit="tj-shuiwu", waive=False, reason="非其职责")
    assert desk.t.assist_units == [] and desk.events[-1].detail["removed"] is True


def test_decide_assist_is_the_centers_and_names_an_assisting_unit():
    desk = _dispatched()
    with pytest.raises(Forbidden):
        desk.do("decide_assist", desk.lead, at=cst(2026, 11, 2, 11), unit="tj-shuiwu", waive=True, reason="逾期")
    with pytest.raises(BadInput, match="not an assisting unit"):
        desk.do("decide_assist", DISPATCHER, at=cst(2026, 11, 2, 11), unit="tj-gov", waive=True, reason="逾期")
    with pytest.raises(BadInput):
        desk.do("decide_assist", DISPATCHER, at=cst(2026, 11, 2, 11), unit="tj-shuiwu", waive=True)


def test_a_late_assist_part_is_reported_to_the_center_too():
    desk = _dispatched()
    v = desk.t.deadline_version
    desk.do("mark_overdue", SYSTEM, at=desk.t.deadlines.assist_by, deadline="assist", deadline_version=v)
    [notice] = center_notices(desk.config, desk.t, desk.events[-1])
    assert notice.role == "dispatcher" and "天津市水务局" in notice.text and "decide_assist" in notice.text


# -- 15.11 R-SEC-2: authorization comes before state and payload ------------------------------------


def test_a_unit_not_party_to_an_order_hears_403_whatever_the_state_or_payload():
    desk = _dispatched()
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    stranger = unit("tj-gov")
    with pytest.raises(Forbidden):
        desk.do("sign", stranger, at=cst(2026, 11, 2, 12))  # in_progress: was 409 'cannot sign'
    with pytest.raises(Forbidden):
        desk.do("reply", stranger, at=cst(2026, 11, 2, 12))  # no payload: was 422 listing the fields
    with pytest.raises(Forbidden):
        desk.do("submit_assist", stranger, at=cst(2026, 11, 2, 12))


# -- 15.12: one pending request per order ------------------------------------------------------


def test_a_return_cannot_be_asked_while_an_extension_awaits_its_decision():
    desk = _dispatched()
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    desk.do("request_extension", desk.lead, at=cst(2026, 11, 2, 12), days=2, reason="需协调管网维修单位")
    with pytest.raises(IllegalTransition, match="延期申请正在等待中心审核") as refused:
        desk.do("request_return", desk.lead, at=cst(2026, 11, 2, 13), reason="不属于本单位职责")
    assert refused.value.code == "decision_pending"
    assert desk.t.pending is not None and desk.t.pending.kind == "extension"


# -- R-INT-9: strict payloads ---------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value"), [("days", "3"), ("days", 2.0), ("days", True)])
def test_an_action_payload_is_not_coerced(field, value):
    desk = _dispatched()
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    with pytest.raises(BadInput, match="days"):
        desk.do("request_extension", desk.lead, at=cst(2026, 11, 2, 12), reason="需协调", **{field: value})


def test_staff_errors_speak_chinese_and_keep_the_english_detail():
    desk = _dispatched()
    with pytest.raises(IllegalTransition) as refused:
        desk.do("reply", desk.lead, at=cst(2026, 11, 2, 12), handled_at=cst(2026, 11, 2, 11).isoformat(),
                process="现场检修", result="已修复", citizen_contacted=True)  # fmt: skip
    assert "待签收" in refused.value.message and refused.value.detail and "cannot reply" in refused.value.detail


def test_the_dispatcher_is_not_reminded_of_a_queue_deadline_already_past():
    """Issue 15.5 holds for the center too: a late reminder is dropped, the overdue notice is not."""
    desk = _queued()
    v = desk.t.deadline_version
    desk.do("remind", SYSTEM, at=desk.t.deadlines.queue_by, deadline="queue", deadline_version=v)
    assert center_notices(desk.config, desk.t, desk.events[-1]) == []
    desk.do("remind", SYSTEM, at=cst(2026, 11, 2, 10, 20), deadline="queue", deadline_version=v)
    [early] = center_notices(desk.config, desk.t, desk.events[-1])
    assert early.role == "dispatcher" and early.kind == "reminder"
