"""Which transitions tell which units (R-DSP-13, R-TMR-1/2), from the one notice table."""

from __future__ import annotations

from hotline.domain.models import SYSTEM, Status
from hotline.domain.notices import citizen_notices, desk_notices, notices_for
from tests.conftest import cst
from tests.unit.factories import DISPATCHER, Desk


def _dispatched(city: str, **kw) -> Desk:
    desk = Desk(city)
    desk.file(cst(2026, 11, 2, 10), category=kw.pop("category", "water"), district=kw.pop("district", None))
    desk.dispatch(cst(2026, 11, 2, 10, 5), **kw)
    return desk


def test_a_dispatch_tells_the_lead_and_every_assisting_unit_with_the_sign_deadline():
    """R-DSP-13: units hear of new orders on their own topic, with the deadline in city time."""
    desk = _dispatched("tianjin", district="heping")
    notices = notices_for(desk.config, desk.t, desk.events[-1])
    assert [n.unit_id for n in notices] == [desk.t.lead_unit, *desk.t.assist_units]
    assert {n.kind for n in notices} == {"dispatched"}
    assert "供水" in notices[0].text and "签收时限 2026-11-" in notices[0].text
    assert desk.t.ticket_id in notices[0].subject


def test_notices_quote_the_start_of_the_matter_but_never_a_contact_or_number():
    """R-SEC-1, R-DSP-13 (issue 15.5): a unit head reads what the order is about (category, place,
    the first 60 characters) without opening the system; names, phones and long numbers stay out."""
    desk = Desk("tianjin")
    text = "和平区南京路12号楼下水管漏水已经三天了，联系电话13800138000，物业一直不管，" + "请尽快处理" * 10
    desk.file(cst(2026, 11, 2, 10), category="water", district="heping", content=text)
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    [lead, *_] = notices_for(desk.config, desk.t, desk.events[-1])
    assert "天津水务集团有限公司" in lead.text and "（主办）" in lead.text and "和平区" in lead.text
    assert "和平区南京路12号楼下水管漏水已经三天了" in lead.text and text not in lead.text
    assert "13800138000" not in lead.text and "1380" not in lead.text


def test_signing_tells_nobody():
    desk = _dispatched("heze")
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    assert notices_for(desk.config, desk.t, desk.events[-1]) == []


def test_escalation_reaches_the_unit_the_ladder_names():
    """R-TMR-2 (Tianjin ladder): level 2 is the parent unit, level 3 the district's leadership."""
    desk = _dispatched("tianjin", district="heping")
    lead = next(u for u in desk.config.units if u.id == desk.t.lead_unit)
    v = desk.t.deadline_version
    desk.do("mark_overdue", SYSTEM, at=cst(2026, 11, 5, 10), deadline="sign", deadline_version=v)
    assert [n.unit_id for n in notices_for(desk.config, desk.t, desk.events[-1])] == [lead.id]
    desk.do("escalate", SYSTEM, at=cst(2026, 11, 6, 10), level=2, deadline_version=v)
    assert [n.unit_id for n in notices_for(desk.config, desk.t, desk.events[-1])] == [lead.parent]
    desk.do("escalate", SYSTEM, at=cst(2026, 11, 9, 10), level=3, deadline_version=v)
    district_gov = next(u.id for u in desk.config.units if u.kind == "district" and u.district == "heping")
    got = notices_for(desk.config, desk.t, desk.events[-1])
    assert [n.unit_id for n in got] == [district_gov] and got[0].kind == "escalated"


def test_a_redispatch_after_an_approved_return_tells_the_new_lead():
    """R-DSP-5: the unit that returned the order is not told again; the new one is."""
    desk = _dispatched("heze")
    old = desk.t.lead_unit
    new = next(u for u in desk.some_units(3) if u != old)
    desk.do("request_return", desk.lead, at=cst(2026, 11, 2, 11), reason="不属于本单位职责")
    desk.do("decide_return", DISPATCHER, at=cst(2026, 11, 2, 12), approve=True, reason="同意", redispatch_to=new)
    assert [n.unit_id for n in notices_for(desk.config, desk.t, desk.events[-1])] == [new]


def _with_contact(desk: Desk) -> Desk:
    desk.t = desk.t.model_copy(update={"citizen_sealed": "sealed-contact"})
    return desk


def test_the_citizen_is_texted_at_filing_extension_and_reply_and_never_without_a_contact():
    """R-DSP-13: SMS at filing (number and a slot for the query code), new date, and the result."""
    desk = _with_contact(_dispatched("tianjin", district="heping", assist=[]))
    filed = citizen_notices(desk.config, desk.t, desk.events[0])
    assert [n.kind for n in filed] == ["filed"] and "{query_code}" in filed[0].text
    assert desk.t.request_id in filed[0].text
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    desk.do("request_extension", desk.lead, at=cst(2026, 11, 3, 10), days=2, reason="需协调管网维修单位")
    desk.do("decide_extension", DISPATCHER, at=cst(2026, 11, 3, 11), approve=True, reason="同意")
    (extended,) = citizen_notices(desk.config, desk.t, desk.events[-1])
    assert extended.kind == "extended" and "2026-11-" in extended.text
    desk.do("reply", desk.lead, at=cst(2026, 11, 4, 10), handled_at="2026-11-04T09:00:00+08:00",
            process="更换阀门", result="已恢复供水", citizen_contacted=True)  # fmt: skip
    (replied,) = citizen_notices(desk.config, desk.t, desk.events[-1])
    assert replied.kind == "replied" and "已恢复供水" in replied.text
    silent = desk.t.model_copy(update={"citizen_sealed": None})
    assert citizen_notices(desk.config, silent, desk.events[-1]) == []
    second = desk.t.model_copy(update={"ticket_id": "R-1-2"})
    assert citizen_notices(desk.config, second, desk.events[0]) == []  # one filing SMS per request


def test_an_emergency_reaches_its_desk_unless_the_city_only_guides_the_caller():
    """R-INT-4: Tianjin transfers to the desk (Art.17(1)); Weixi guides the caller to dial (Art.2)."""
    for city, expected in (("tianjin", ["119"]), ("weixi", [])):
        desk = Desk(city)
        desk.t = Desk(city).file(cst(2026, 11, 2, 10)).model_copy(update={"status": Status.received})
        desk.do("transfer", SYSTEM, at=cst(2026, 11, 2, 10), desk="119", reason="着火了")
        assert [n.desk for n in desk_notices(desk.config, desk.t, desk.events[-1])] == expected


def test_units_hear_of_knowledge_entries_stale_or_going_stale_within_two_weeks():
    """R-KB-1, R-TMR-3: each owning unit is told; the notice names the entry, not an order."""
    from datetime import date, timedelta

    from hotline.config.knowledge import load_knowledge
    from hotline.config.loader import CITIES_DIR, city_config
    from hotline.domain.knowledge import KnowledgeIndex
    from hotline.domain.notices import knowledge_notices

    config = city_config("tianjin")
    index = KnowledgeIndex(load_knowledge(CITIES_DIR / "kb" / "tianjin.yaml", config))
    today = date(2026, 11, 23)
    due = index.due_for_review(today, timedelta(days=14))
    assert {e.id for e in index.stale(today)} <= {e.id for e in due} and due
    notices = knowledge_notices(due, today)
    assert [n.unit_id for n in notices] == [e.unit for e in due]
    assert all(
        n.kind == "kb_stale" and n.ticket_id == "" and e.id in n.subject for n, e in zip(notices, due, strict=True)
    )
    assert "已过期" in notices[0].text or "到期" in notices[0].text


def test_a_late_assist_part_tells_the_assisting_unit_and_the_lead_with_the_assist_deadline():
    from hotline.domain.models import SYSTEM
    from hotline.domain.notices import notices_for
    from tests.conftest import cst
    from tests.unit.factories import Desk

    desk = Desk("tianjin")
    desk.file(cst(2026, 11, 2, 10), category="water")
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    v = desk.t.deadline_version
    desk.do("remind", SYSTEM, at=cst(2026, 11, 3, 10), deadline="assist", deadline_version=v)
    [reminder] = notices_for(desk.config, desk.t, desk.events[-1])
    assert reminder.unit_id == "tj-shuiwu" and "协办时限" in reminder.text
    desk.do("mark_overdue", SYSTEM, at=desk.t.deadlines.assist_by, deadline="assist", deadline_version=v)
    late = notices_for(desk.config, desk.t, desk.events[-1])
    assert [n.unit_id for n in late] == ["tj-shuiwu", "tj-water"] and "天津市水务局" in late[0].text
    assert "tj-shuiwu" not in late[0].text  # names, not codes (issue 15.5)


def test_the_lead_hears_when_a_citizen_reports_an_unsolved_order_again():
    """R-TMR-3: the repeat and, at the city's threshold, the supervision level reach the lead."""
    from hotline.domain.filing import repeat_report
    from hotline.domain.notices import notices_for
    from tests.conftest import cst
    from tests.unit.factories import Desk

    desk = Desk("heze")
    desk.file(cst(2026, 11, 2, 10), category="property", district="mudan")
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    for n in (1, 2):
        step = repeat_report(desk.lc, desk.t, f"R-again-{n}", cst(2026, 11, 3, 10))
        assert step is not None
        desk.t = step.after
        [notice] = notices_for(desk.config, desk.t, step.event)
        assert notice.unit_id == desk.t.lead_unit and f"第 {n} 次" in notice.text
    assert desk.t.supervision_level == 1 and "督办级别 1" in notice.text
    from hotline.domain.models import Status

    closed = desk.t.model_copy(update={"status": Status.closed})
    assert repeat_report(desk.lc, closed, "R-again-3", cst(2026, 11, 4, 10)) is None


def test_a_hotspot_order_is_supervised_from_the_threshold_on_and_its_lead_told():
    from hotline.domain.filing import hotspot_report
    from hotline.domain.notices import notices_for
    from tests.conftest import cst
    from tests.unit.factories import Desk

    desk = Desk("baoding")
    desk.file(cst(2026, 11, 2, 10), category="urban_management", district="jingxiu")
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    assert hotspot_report(desk.lc, desk.t, 4, cst(2026, 11, 2, 11)) is None
    step = hotspot_report(desk.lc, desk.t, 5, cst(2026, 11, 2, 11))
    assert step is not None and step.after.supervision_level == 1
    [notice] = notices_for(desk.config, step.after, step.event)
    assert notice.unit_id == "bd-jingxiu" and notice.kind == "hotspot" and "5 位市民" in notice.text


def test_a_redispatch_tells_the_new_lead_to_sign_and_the_unit_it_left_to_stop():
    """R-DESK-3: the unit the dispatcher took the order from hears it is no longer theirs."""
    desk = _dispatched("tianjin", district="heping", assist=[])
    old = str(desk.t.lead_unit)
    new = next(u for u in desk.some_units(3) if u != old)
    desk.do("redispatch", DISPATCHER, at=cst(2026, 11, 2, 11), lead_unit=new, reason="属另一部门职责")
    got = {n.unit_id: n for n in notices_for(desk.config, desk.t, desk.events[-1])}
    assert set(got) == {new, old}
    assert got[new].kind == "dispatched" and got[old].kind == "redispatched_away"
    assert "已改派" in got[old].text and "无需再办理" in got[old].text and "签收" not in got[old].text
