"""Which transitions tell which units (R-DSP-13, R-TMR-1/2), from the one notice table."""

from __future__ import annotations

from hotline.domain.models import SYSTEM
from hotline.domain.notices import notices_for
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


def test_notices_never_carry_citizen_content_or_contact():
    """R-SEC-1: notices go to shared topics and SMS; the order's text stays in the system."""
    desk = _dispatched("tianjin", district="heping")
    for n in notices_for(desk.config, desk.t, desk.events[-1]):
        assert desk.t.content not in n.text and "1380" not in n.text


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
