"""The three rates (R-KPI-1): what one order adds, and how a change moves the figures."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from hotline.domain import kpi
from hotline.domain.errors import BadInput
from hotline.domain.models import SYSTEM
from tests.conftest import cst
from tests.unit.factories import CALLBACK, CITIZEN, REVIEWER, Desk, unit


def share(desk: Desk) -> kpi.Share:
    return kpi.share(desk.t, desk.lc.policy.calendar, desk.config.kpi)


def replied(desk: Desk, at: datetime, signed: datetime | None = None) -> None:
    desk.do("sign", desk.lead, at=signed or at)
    for other in desk.t.missing_parts:
        desk.do("submit_assist", unit(other), at=at, text="协办意见:已配合处理")
    desk.do(
        "reply", desk.lead, at=at, handled_at=at.isoformat(), process="上门查看并维修",
        result="已修复", citizen_contacted=True,
    )  # fmt: skip


def called_back(city: str = "tianjin", category: str = "property", **rating: object) -> Desk:
    """An order replied on Nov 3 and called back at noon with `rating`."""
    desk = Desk(city)
    desk.file(cst(2026, 11, 2, 10), category=category)
    desk.dispatch(cst(2026, 11, 2, 10, 5), lead=None if category == "property" else desk.some_units(1)[0])
    replied(desk, cst(2026, 11, 3, 10))
    desk.do("record_callback", CALLBACK, at=cst(2026, 11, 3, 12), **rating)
    return desk


def counts(s: kpi.Share, period: str, scope: str) -> dict[str, int]:
    return s.get((period, scope), {})


def test_an_order_signed_in_time_counts_dispatched_and_responded_for_its_unit_district_and_city():
    desk = Desk("hohhot")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 10, 30))
    got = share(desk)
    district = desk.t.location.district
    for period in ("2026-11", "2026"):
        for scope in ("city", f"district:{district}", f"unit:{desk.t.lead_unit}"):
            assert counts(got, period, scope) == {"dispatched": 1, "responded": 1}


def test_a_late_sign_counts_as_dispatched_but_not_responded():
    desk = Desk("weixi")  # 2 hours to sign (Art.7)
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 15))
    assert counts(share(desk), "2026-11", "city") == {"dispatched": 1}


def test_orders_that_never_reached_a_unit_count_nowhere():
    desk = Desk("heze")
    desk.file(cst(2026, 11, 2, 10))
    assert share(desk) == {}


def test_a_rating_counts_once_the_order_closes_in_the_month_of_the_rating():
    desk = Desk("hohhot")
    desk.file(cst(2026, 11, 30, 10))
    desk.dispatch(cst(2026, 11, 30, 10, 5))
    replied(desk, cst(2026, 12, 1, 10))
    assert counts(share(desk), "2026-12", "city") == {}
    desk.do("rate", CITIZEN, at=cst(2026, 12, 1, 18), resolved=True, satisfaction="basically_satisfied")
    got = share(desk)
    assert counts(got, "2026-11", "city") == {"dispatched": 1, "responded": 1}
    assert counts(got, "2026-12", "city") == {"rated": 1, "asked_resolved": 1, "resolved": 1, "satisfied": 1}
    assert counts(got, "2026", "city") == {
        "dispatched": 1, "responded": 1, "rated": 1, "asked_resolved": 1, "resolved": 1, "satisfied": 1
    }  # fmt: skip


def test_a_rating_that_sends_the_order_back_is_replaced_by_the_next_one():
    """R-CB-3: only the rating that closes the order counts; a rehandle's first rating does not."""
    desk = called_back(resolved=False, satisfaction="unsatisfied", reasonable=True, comment="灯还是不亮")
    assert "rated" not in counts(share(desk), "2026-11", "city")
    desk.do(
        "reply", desk.lead, at=cst(2026, 11, 4, 10), handled_at=cst(2026, 11, 4, 9).isoformat(),
        process="更换灯具", result="已修复", citizen_contacted=True,
    )  # fmt: skip
    desk.do("record_callback", CALLBACK, at=cst(2026, 11, 4, 12), resolved=True, satisfaction="satisfied")
    assert counts(share(desk), "2026-11", "city") == {
        "dispatched": 1, "responded": 1, "rated": 1, "asked_resolved": 1, "resolved": 1, "satisfied": 1
    }  # fmt: skip


def test_tianjin_exempted_unsatisfied_rating_leaves_the_rates_and_the_change_is_its_difference():
    """R-CB-4 (Tianjin Art.25): an approved exemption takes the rating out of `rated`."""
    desk = called_back(resolved=False, satisfaction="unsatisfied", reasonable=False, comment="不满意")
    before = share(desk)
    assert counts(before, "2026-11", "city") == {"dispatched": 1, "responded": 1, "rated": 1, "asked_resolved": 1}
    desk.do(
        "request_exemption",
        desk.lead,
        at=cst(2026, 11, 5, 10),
        reason="诉求超出政策范围,已尽责解释",
        evidence="政策文件及沟通记录",
    )
    desk.do("decide_exemption", REVIEWER, at=cst(2026, 11, 6, 10), approve=True, reason="确已尽责")
    after = share(desk)
    assert kpi.difference(after, before)[("2026-11", "city")] == {"rated": -1, "asked_resolved": -1, "exempted": 1}


def test_tianjin_enforcement_cases_keep_the_response_rate_but_are_not_judged_by_satisfaction():
    """Tianjin Art.25: 执法办案类事项 … 不片面追求满意率."""
    desk = called_back(category="enforcement", resolved=False, satisfaction="unsatisfied", reasonable=False)
    assert counts(share(desk), "2026-11", "city") == {"dispatched": 1, "responded": 1, "unjudged": 1}


def test_weixi_deemed_rating_counts_satisfied_but_stays_out_of_the_resolution_rate():
    """R-CB-2: silence is deemed basically satisfied; nobody said whether it was resolved."""
    desk = Desk("weixi")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    replied(desk, cst(2026, 11, 3, 10), signed=cst(2026, 11, 2, 10, 30))
    desk.do("auto_close", SYSTEM, at=cst(2026, 11, 10, 10))
    assert counts(share(desk), "2026-11", "city") == {"dispatched": 1, "responded": 1, "rated": 1, "satisfied": 1}


def test_an_approved_return_takes_the_order_from_the_unit_that_returned_it():
    """R-DSP-5: a returned order is not the returning unit's; the next lead's share replaces it."""
    desk = Desk("hohhot")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    first = desk.t.lead_unit
    before = share(desk)
    desk.do("request_return", desk.lead, at=cst(2026, 11, 2, 11), reason="不属于本单位职责")
    other = next(u.id for u in desk.config.units if u.id != first and u.kind == "department")
    desk.do("decide_return", REVIEWER, at=cst(2026, 11, 2, 12), approve=True, reason="同意", redispatch_to=other)
    moved = kpi.difference(share(desk), before)
    assert moved[("2026-11", f"unit:{first}")] == {"dispatched": -1}
    assert moved[("2026-11", f"unit:{other}")] == {"dispatched": 1}
    assert ("2026-11", "city") not in moved  # the city still has one order, unsigned


def test_rates_follow_the_documented_formulas_and_are_none_without_a_denominator():
    got = kpi.rates({"dispatched": 8, "responded": 6, "rated": 4, "asked_resolved": 3, "resolved": 2, "satisfied": 3})
    assert got == {"response_rate": 0.75, "resolution_rate": 0.6667, "satisfaction_rate": 0.75}
    assert kpi.rates({}) == {"response_rate": None, "resolution_rate": None, "satisfaction_rate": None}


@pytest.mark.parametrize("bad", ["2026-13", "26-11", "2026-1", "2026/11", "all"])
def test_a_period_is_a_month_or_a_year(bad):
    assert kpi.check_period("2026-11") == "2026-11" and kpi.check_period("2026") == "2026"
    with pytest.raises(BadInput, match="neither a month"):
        kpi.check_period(bad)


def test_the_monthly_export_is_the_month_just_ended_and_names_no_person():
    """R-KPI-4: published figures carry counts, rates and scope names only."""
    assert kpi.previous_month(cst(2027, 1, 1, 9)) == "2026-12"
    assert kpi.previous_month(cst(2026, 11, 1, 9)) == "2026-10"
    desk = Desk("heze")
    rows = [("city", {"dispatched": 2, "responded": 1}), (f"unit:{desk.config.units[0].id}", {"dispatched": 2})]
    as_json, as_csv = kpi.report("heze", "2026-10", rows, kpi.scope_names(desk.config), cst(2026, 11, 1, 9))
    doc = json.loads(as_json)
    assert doc["rows"][0] == {
        "period": "2026-10", "scope": "city", "id": None, "name": desk.config.name, "response_rate": 0.5,
        "resolution_rate": None, "satisfaction_rate": None,
        "counts": {m: {"dispatched": 2, "responded": 1}.get(m, 0) for m in kpi.MEASURES},
    }  # fmt: skip
    text = as_csv.decode("utf-8")
    assert text.startswith("\ufeff")  # spreadsheets read the Chinese names right
    table = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["scope"] for r in table] == ["city", "unit"] and table[1]["name"] == desk.config.units[0].name
    assert table[0]["response_rate"] == "0.5" and table[0]["satisfaction_rate"] == ""


def test_an_order_counts_for_the_city_its_district_when_known_and_its_lead_unit():
    desk = Desk("heze")
    desk.file(cst(2026, 11, 2, 10))
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    district = desk.t.location.district
    assert kpi.scopes(desk.t) == ("city", f"district:{district}", f"unit:{desk.t.lead_unit}")
    nowhere = desk.t.model_copy(update={"location": desk.t.location.model_copy(update={"district": None})})
    assert kpi.scopes(nowhere) == ("city", f"unit:{desk.t.lead_unit}")


@pytest.mark.parametrize(
    ("text", "satisfaction", "comment"),
    [
        ("1", "satisfied", ""),
        (" 2还行", "basically_satisfied", "还行"),
        ("３,路灯还是不亮", "unsatisfied", "路灯还是不亮"),
    ],
)
def test_an_sms_answer_is_1_2_or_3_with_an_optional_comment(text, satisfaction, comment):
    """R-CB-1: the reply SMS asks for 1/2/3; the answer may carry the citizen's words."""
    from hotline.domain import sms

    got = sms.parse_answer(text)
    assert (got.satisfaction.value, got.comment) == (satisfaction, comment)
    assert sms.mobile("+86 138-0013-8000") == sms.mobile("8613800138000") == "13800138000"
