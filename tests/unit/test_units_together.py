"""Units working together on one order (SPEC §12.3, R-UNIT-1..4): the use cases on in-memory
ports, and the notices each step sends."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.app import actions, intake
from hotline.config.schema import Channel
from hotline.domain.errors import DomainError, Forbidden
from hotline.domain.filing import Filing
from hotline.domain.notices import citizen_notices, notices_for
from tests.conftest import cst
from tests.fakes import FakeDeps
from tests.unit.factories import DISPATCHER, REVIEWER, Desk, unit

PHONES = iter(range(13700137000, 13700138000))


def signed_by(deps: FakeDeps, lead: str, assist: list[str] | None = None, district: str | None = None) -> str:
    """An order filed, dispatched by the dispatcher to `lead` (and `assist`), and signed."""
    body = {"type": "complaint", "category": "property", "content": "小区楼道灯坏了一个月没人修",
            "citizen": {"phone": str(next(PHONES))},
            "location": {"district": district or deps.config.districts[0].code}}  # fmt: skip
    tid = str(intake.file(deps, intake.FileRequest(Channel.phone, body, Filing.parse(body)))["tickets"][0]["ticket_id"])
    t = deps.tickets.get(tid)
    move = {"lead_unit": lead, "assist_units": assist or []}
    if t.status.value == "pending_dispatch":
        actions.act(deps, DISPATCHER, tid, {"action": "dispatch", **move})
    elif t.lead_unit != lead or t.assist_units != (assist or []):
        actions.act(deps, DISPATCHER, tid, {"action": "redispatch", **move, "reason": "按属地改派"})
    actions.act(deps, unit(lead), tid, {"action": "sign"})
    return tid


def inbox(deps: FakeDeps, who: str, role: str | None = None) -> list[dict[str, Any]]:
    return list(actions.inbox(deps, unit(who), who, None, None, role)["tickets"])


def test_an_assisting_unit_finds_the_order_in_its_inbox_on_its_own_assist_deadline():
    """R-UNIT-1: the assisting unit's row says its part and the assist deadline, not the lead's."""
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid = signed_by(deps, "tj-zhujian", ["tj-chengguan"])
    t = deps.tickets.get(tid)
    [row] = inbox(deps, "tj-chengguan")
    assert (row["ticket_id"], row["part"], row["due_deadline"]) == (tid, "assist", "assist_by")
    assert row["due"] == t.deadlines.assist_by.isoformat()  # type: ignore[union-attr]
    assert inbox(deps, "tj-chengguan", "lead") == [] and [r["part"] for r in inbox(deps, "tj-zhujian")] == ["lead"]
    actions.act(deps, unit("tj-chengguan"), tid, {"action": "submit_assist", "text": "已配合现场核查"})
    [after] = inbox(deps, "tj-chengguan", "assist")
    assert after["assist_submitted"] is True and after["due_deadline"] == "reply_by"  # its part is in
    with pytest.raises(DomainError) as bad:
        actions.inbox(deps, unit("tj-zhujian"), "tj-zhujian", None, None, "boss")
    assert bad.value.status == 422 and "主办" in bad.value.message


def test_a_district_hands_the_work_down_to_its_street_which_replies_while_the_district_stays_answerable():
    """R-UNIT-2, Tianjin Art.6: the street signs nothing, reports and replies; deadlines unchanged."""
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid = signed_by(deps, "tj-heping", district="heping")
    before = deps.tickets.get(tid).deadlines
    down = {"action": "hand_down", "to_unit": "tj-heping-wudadao", "note": "请五大道街道现场处置"}
    view = actions.act(deps, unit("tj-heping"), tid, down)
    t = deps.tickets.get(tid)
    assert view["handling_unit"] == "tj-heping-wudadao" and t.deadlines == before and t.lead_unit == "tj-heping"
    [row] = inbox(deps, "tj-heping-wudadao", "handling")
    assert row["due_deadline"] == "reply_by" and row["due"] == before.reply_by.isoformat()  # type: ignore[union-attr]
    assert actions.read(deps, unit("tj-heping-wudadao"), tid)["ticket_id"] == tid
    with pytest.raises(Forbidden):  # signing is the lead's, done
        actions.act(deps, unit("tj-heping-wudadao"), tid, {"action": "request_return", "reason": "不属于本街道"})
    actions.act(deps, unit("tj-heping-wudadao"), tid,
                {"action": "report_progress", "text": "已联系物业更换灯具", "public": True})  # fmt: skip
    reply = {"action": "reply", "handled_at": deps.now().isoformat(), "process": "街道联系物业更换了楼道灯具",
             "result": "楼道灯已修复", "citizen_contacted": True}  # fmt: skip
    replied = actions.act(deps, unit("tj-heping-wudadao"), tid, reply)
    assert replied["status"] == "replied" and replied["lead_unit"] == "tj-heping"
    assert replied["reply"]["by"] == "tj-heping-wudadao"


@pytest.mark.parametrize(
    ("city", "lead", "to_unit", "code"),
    [
        ("tianjin", "tj-heping", "tj-hexi-dayingmen", "not_below"),  # another district's street
        ("tianjin", "tj-heping", "tj-zhujian", "not_below"),  # a city department is not below a district
        ("heze", "hz-mudan", "hz-mudan-dongcheng", "not_in_city_rules"),  # Heze's regulation has no 经办
    ],
)
def test_a_hand_down_outside_the_tree_or_the_citys_rules_is_refused_and_writes_nothing(city, lead, to_unit, code):
    deps = FakeDeps(city, cst(2026, 11, 2, 10))
    tid = signed_by(deps, lead, district=next(d.code for d in deps.config.districts if lead.endswith(d.code)))
    writes = deps.tickets.writes
    with pytest.raises(DomainError) as refused:
        actions.act(deps, unit(lead), tid, {"action": "hand_down", "to_unit": to_unit})
    assert refused.value.status == (409 if code == "not_in_city_rules" else 422) and refused.value.code == code
    assert deps.tickets.writes == writes


def test_only_the_lead_hands_down():
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid = signed_by(deps, "tj-heping", ["tj-chengguan"], district="heping")
    with pytest.raises(Forbidden) as refused:
        actions.act(deps, unit("tj-chengguan"), tid, {"action": "hand_down", "to_unit": "tj-heping-wudadao"})
    assert "主办单位" in refused.value.message


def test_a_referral_reaches_the_unit_above_which_reads_and_coordinates_and_then_its_referral_is_closed():
    """R-UNIT-3, Hohhot Art.19: the district refers up; the city government adds the department
    as assisting and hands the work to the street; the referral is answered by that."""
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    tid = signed_by(deps, "hh-xincheng", district="xincheng")
    actions.act(deps, unit("hh-xincheng"), tid, {"action": "refer_up", "reason": "涉及住建部门职责，需市政府协调"})
    assert actions.read(deps, unit("hh-gov"), tid)["referrals"][-1]["to"] == "hh-gov"
    assert [r["part"] for r in inbox(deps, "hh-gov", "referred")] == ["referred"]
    with pytest.raises(Forbidden):  # a unit with no part in it still reads nothing
        actions.read(deps, unit("hh-zhujian"), tid)
    body = {"action": "coordinate", "assist_units": ["hh-zhujian"], "hand_down_to": "hh-xincheng-hailaer-donglu",
            "note": "住建局协办，街道具体处办"}  # fmt: skip
    coordinated = actions.act(deps, unit("hh-gov"), tid, body)
    assert coordinated["assist_units"] == ["hh-zhujian"]
    assert coordinated["handling_unit"] == "hh-xincheng-hailaer-donglu"
    assert coordinated["referrals"][-1]["answer"] == "住建局协办，街道具体处办"
    assert deps.tickets.get(tid).deadlines.assist_by is not None  # the added unit owes its part
    assert inbox(deps, "hh-gov") == [] and actions.read(deps, unit("hh-gov"), tid)  # answered: off its list
    with pytest.raises(Forbidden):  # the referral is answered: nothing more to coordinate
        actions.act(deps, unit("hh-gov"), tid, {"action": "answer_referral", "note": "再次答复"})
    assert [r["part"] for r in inbox(deps, "hh-zhujian", "assist")] == ["assist"]


def test_coordination_that_names_nothing_is_422_and_answering_alone_is_answer_referral():
    deps = FakeDeps("baoding", cst(2026, 11, 2, 10))
    tid = signed_by(deps, "bd-jingxiu", district="jingxiu")
    actions.act(deps, unit("bd-jingxiu"), tid, {"action": "refer_up", "reason": "需要市级层面协调"})
    with pytest.raises(DomainError) as empty:
        actions.act(deps, unit("bd-gov"), tid, {"action": "coordinate", "note": "请按职责办理"})
    assert empty.value.code == "nothing_to_coordinate" and "answer_referral" in empty.value.message
    answered = actions.act(deps, unit("bd-gov"), tid, {"action": "answer_referral", "note": "属区级职责，请区里牵头"})
    assert answered["referrals"][-1]["answered_at"] is not None


def test_a_public_progress_report_shows_in_the_citizens_view_and_its_timeline_names_units_never_ids():
    """R-UNIT-4, issue 19.5: the citizen reads unit names and what happened, never ids or staff."""
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    body = {"type": "complaint", "category": "property", "content": "小区楼道灯坏了一个月没人修",
            "citizen": {"phone": "13700001111"}, "location": {"district": "heping"}}  # fmt: skip
    filed = intake.file(deps, intake.FileRequest(Channel.phone, body, Filing.parse(body)))
    tid = filed["tickets"][0]["ticket_id"]
    t = deps.tickets.get(tid)
    if t.status.value == "pending_dispatch":
        actions.act(deps, DISPATCHER, tid, {"action": "dispatch", "lead_unit": "tj-zhujian"})
    lead = str(deps.tickets.get(tid).lead_unit)
    actions.act(deps, unit(lead), tid, {"action": "sign"})
    actions.act(deps, unit(lead), tid, {"action": "report_progress", "text": "内部备注：等物业回复", "public": False})
    actions.act(deps, unit(lead), tid, {"action": "report_progress", "text": "已约物业本周五更换灯具", "public": True})
    seen = intake.progress(deps, filed["request_id"], filed["query_code"])["tickets"][0]
    assert [p["text"] for p in seen["progress"]] == ["已约物业本周五更换灯具"]
    name = next(u.name for u in deps.config.units if u.id == lead)
    assert seen["lead_unit_name"] == name and "lead_unit" not in seen and "assist_units" not in seen
    said = [line["what"] for line in seen["timeline"]]
    assert said[0] == "诉求已受理" and f"已派至{name}办理" in said and f"{name}已签收" in said
    assert f"{name}：已约物业本周五更换灯具" in said and not any("内部备注" in s for s in said)
    text = str(seen)
    assert lead not in text and "d-01" not in text and DISPATCHER.id not in text


def test_an_approved_extension_texts_the_new_date_with_the_latest_public_progress():
    desk = Desk("tianjin")
    desk.file(cst(2026, 11, 2, 10), district="heping")
    desk.t = desk.t.model_copy(update={"citizen_sealed": "sealed-contact"})
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    desk.do("report_progress", desk.lead, at=cst(2026, 11, 3, 9), text="已完成现场勘查，待采购配件", public=True)
    desk.do("request_extension", desk.lead, at=cst(2026, 11, 3, 10), reason="配件需外地调货，时间不足")
    desk.do("decide_extension", REVIEWER, at=cst(2026, 11, 3, 11), approve=True, reason="情况属实")
    [sms] = citizen_notices(desk.config, desk.t, desk.events[-1])
    assert "延长至" in sms.text and "目前进展：已完成现场勘查，待采购配件" in sms.text


def test_each_step_of_working_together_tells_the_units_it_concerns():
    """Hand-down: the street and the district; referral: the unit above; coordination: the lead,
    the unit it added and the street; another unit's progress: the lead."""
    desk = Desk("hohhot")
    desk.file(cst(2026, 11, 2, 10), district="xincheng")
    desk.dispatch(cst(2026, 11, 2, 10, 5), lead="hh-xincheng", assist=[])
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))

    def told() -> dict[str, str]:
        return {n.unit_id: n.text for n in notices_for(desk.config, desk.t, desk.events[-1])}

    desk.do("refer_up", desk.lead, at=cst(2026, 11, 2, 12), reason="涉及住建部门职责")
    assert set(told()) == {"hh-gov"} and "协调办理" in told()["hh-gov"] and "（协调）" in told()["hh-gov"]
    desk.do("coordinate", unit("hh-gov"), at=cst(2026, 11, 2, 13), assist_units=["hh-zhujian"],
            hand_down_to="hh-xincheng-hailaer-donglu", note="住建局协办")  # fmt: skip
    assert set(told()) == {"hh-xincheng", "hh-zhujian", "hh-xincheng-hailaer-donglu"}
    desk.do("report_progress", unit("hh-xincheng-hailaer-donglu"), at=cst(2026, 11, 2, 14), text="已到现场核查")
    assert set(told()) == {"hh-xincheng"} and "已到现场核查" in told()["hh-xincheng"]
    desk.do("hand_down", desk.lead, at=cst(2026, 11, 2, 15), to_unit="hh-xincheng-xilin-lu", note="改由锡林路街道")
    assert set(told()) == {"hh-xincheng-xilin-lu", "hh-xincheng"} and "（经办）" in told()["hh-xincheng-xilin-lu"]


def test_a_late_assisting_part_is_asked_for_a_progress_report_and_the_lead_is_told_who_is_late():
    desk = Desk("tianjin")
    desk.file(cst(2026, 11, 2, 10), district="heping")
    desk.dispatch(cst(2026, 11, 2, 10, 5), lead="tj-zhujian", assist=["tj-chengguan"])
    assert desk.t.deadlines.assist_by is not None
    fire = {"deadline": "assist", "deadline_version": desk.t.deadline_version}
    desk.do("mark_overdue", desk.events[0].actor, at=desk.t.deadlines.assist_by + timedelta(minutes=1), **fire)
    told = {n.unit_id: n.text for n in notices_for(desk.config, desk.t, desk.events[-1])}
    assert "报告办理进展" in told["tj-chengguan"] and "报告办理进展" not in told["tj-zhujian"]
    late = next(u.name for u in desk.config.units if u.id == "tj-chengguan")
    assert f"协办意见已超过协办时限未提交：{late}" in told["tj-zhujian"]


@pytest.mark.parametrize(("city", "district", "lead", "want"), [
    ("hohhot", "xincheng", "hh-xincheng", "hh-chengguan"),  # Art.19: the city department leads
    ("baoding", "jingxiu", "bd-jingxiu", None),  # no such rule: the dispatcher chooses (R-DSP-5)
])  # fmt: skip
def test_a_districts_approved_return_goes_to_the_city_department_where_the_city_says_it_leads(
    city, district, lead, want
):
    """R-UNIT-3, Hohhot Art.19: in a dispute between a district and a city department, the
    department leads; the system's routing applies it when the district's return is approved."""
    from hotline.domain.routing import due_dispatch

    desk = Desk(city)
    desk.file(cst(2026, 11, 2, 10), category="urban_management", district=district)
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    assert desk.t.lead_unit == lead
    desk.do("request_return", desk.lead, at=cst(2026, 11, 2, 10, 30), reason="占道经营执法属市级部门职责")
    desk.do("decide_return", DISPATCHER, at=cst(2026, 11, 2, 11), approve=True, reason="职责争议，按条例处理")
    step = due_dispatch(desk.lc, desk.t, cst(2026, 11, 2, 11))
    assert (step.after.lead_unit if step else None) == want
    if step:
        assert lead not in step.after.assist_units and "Hohhot Art.19" in step.event.detail["note"]


def test_a_new_lead_takes_the_order_without_the_old_leads_handling_unit_or_its_referral():
    """Review of issue 19: after an approved return to another unit, the street the old district
    handed down to and the unit it referred to have no part in the order any more."""
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid = signed_by(deps, "tj-heping", district="heping")
    actions.act(deps, unit("tj-heping"), tid, {"action": "hand_down", "to_unit": "tj-heping-wudadao"})
    actions.act(deps, unit("tj-heping"), tid, {"action": "refer_up", "reason": "需要市级协调", "to": "tj-gov"})
    actions.act(deps, unit("tj-heping"), tid, {"action": "request_return", "reason": "属市级部门职责"})
    actions.act(deps, REVIEWER, tid, {"action": "decide_return", "approve": True, "reason": "同意",
                                      "redispatch_to": "tj-zhujian"})  # fmt: skip
    t = deps.tickets.get(tid)
    assert t.handling_unit is None and not any(r.open for r in t.referrals)
    assert inbox(deps, "tj-heping-wudadao") == [] and inbox(deps, "tj-gov") == []
    with pytest.raises(Forbidden):
        actions.act(deps, unit("tj-heping-wudadao"), tid, {"action": "report_progress", "text": "仍在现场处置"})


def test_a_coordinator_may_hand_down_only_where_the_regulation_has_handling_units():
    deps = FakeDeps("baoding", cst(2026, 11, 2, 10))  # Baoding: referral (Art.23), no 经办单位
    tid = signed_by(deps, "bd-jingxiu", district="jingxiu")
    actions.act(deps, unit("bd-jingxiu"), tid, {"action": "refer_up", "reason": "需要市级层面协调"})
    with pytest.raises(DomainError) as refused:
        actions.act(deps, unit("bd-gov"), tid, {"action": "coordinate", "hand_down_to": "bd-jingxiu-xianfeng",
                                                "note": "交街道办理"})  # fmt: skip
    assert refused.value.code == "not_in_city_rules"
