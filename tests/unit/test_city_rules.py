"""Each city's time-limit rules, as its regulation states them (SPEC §10, R-SLA-2/3, R-DSP-*)."""

from __future__ import annotations

import pytest

from hotline.domain.errors import RuleViolation
from hotline.domain.models import SYSTEM, Status
from tests.conftest import cst
from tests.unit.factories import CALLBACK, REVIEWER, Desk

MON = (2026, 11, 2)  # an ordinary Monday
REPLY = dict(process="上门查看并维修", result="已修复", citizen_contacted=True)


def replied(desk: Desk, at) -> None:
    desk.do("reply", desk.lead, at=at, handled_at=at.isoformat(), **REPLY)


def signed(city: str, type_: str = "help", category: str = "property", **kw) -> Desk:
    desk = Desk(city)
    desk.file(cst(*MON, 10), type_=type_, category=category, **kw)
    desk.dispatch(cst(*MON, 10), lead=desk.some_units(1)[0], assist=[])
    desk.do("sign", desk.lead, at=cst(*MON, 10, 30))
    return desk


# -- Weixi -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("type_", "reply_by"),
    [("consultation", cst(2026, 11, 3, 10)), ("help", cst(2026, 11, 5, 10)),
     ("suggestion", cst(2026, 11, 5, 10)), ("complaint", cst(2026, 11, 23, 10))],
)  # fmt: skip
def test_weixi_limits_are_1_3_and_15_working_days_by_type(type_, reply_by):
    """Weixi Art.8."""
    assert signed("weixi", type_).t.deadlines.reply_by == reply_by


def test_weixi_unit_signs_within_two_hours():
    """Weixi Art.7: 2 小时内完成签收."""
    desk = Desk("weixi")
    desk.file(cst(*MON, 10))
    desk.dispatch(cst(*MON, 10), lead=desk.some_units(1)[0], assist=[])
    assert desk.t.deadlines.sign_by == cst(*MON, 12)


def test_weixi_return_window_is_24_hours_after_signing():
    """Weixi Art.7: 签收派单后 24 小时内退回."""
    desk = signed("weixi")
    assert desk.t.deadlines.return_by == cst(2026, 11, 3, 10, 30)
    with pytest.raises(RuleViolation, match="return window closed"):
        desk.do("request_return", desk.lead, at=cst(2026, 11, 3, 11), reason="不属于本单位职责")


def test_weixi_off_hours_order_is_dispatched_by_ten_next_working_day():
    """Weixi Art.6: 非工作时间一般于工作日 10:00 前完成转办; complaints go at once."""
    desk = Desk("weixi")
    pol = desk.lc.policy
    assert pol.dispatch_at(cst(2026, 11, 6, 19), "help", "property") == cst(2026, 11, 9, 10)
    assert pol.dispatch_at(cst(2026, 11, 6, 19), "complaint", "property") == cst(2026, 11, 6, 19)
    assert pol.dispatch_at(cst(2026, 11, 6, 11), "help", "property") == cst(2026, 11, 6, 11)


def test_weixi_consultation_extends_to_three_working_days_in_total_at_most():
    """Weixi Art.8: 咨询类事项最长不超过 3 个工作日."""
    desk = signed("weixi", "consultation")
    with pytest.raises(RuleViolation, match="at most 3wd"):
        desk.do("request_extension", desk.lead, at=cst(*MON, 11), days=3, reason="需要协调多个部门")
    desk.do("request_extension", desk.lead, at=cst(*MON, 11), days=2, reason="需要协调多个部门")
    desk.do("decide_extension", REVIEWER, at=cst(*MON, 12), approve=True, reason="同意")
    assert desk.t.deadlines.reply_by == cst(2026, 11, 5, 10)


def test_weixi_complaint_extends_at_most_twice_by_ten_working_days():
    """Weixi Art.8: 同一事项申请延期办结以 2 次为限, 每次延长 10 个工作日."""
    desk = signed("weixi", "complaint")
    with pytest.raises(RuleViolation, match="at most 10wd"):
        desk.do("request_extension", desk.lead, at=cst(*MON, 11), days=11, reason="情况复杂")
    for _ in range(2):
        desk.do("request_extension", desk.lead, at=cst(*MON, 11), days=10, reason="情况复杂")
        desk.do("decide_extension", REVIEWER, at=cst(*MON, 12), approve=True, reason="同意")
    assert desk.t.extensions_used == 2
    with pytest.raises(RuleViolation, match="at most 2 extension"):
        desk.do("request_extension", desk.lead, at=cst(*MON, 13), days=1, reason="情况复杂")


def test_weixi_silent_citizen_is_deemed_basically_satisfied_at_window_end():
    """Weixi Art.9(1): 未作出评价的视为基本满意自动办结归档."""
    desk = signed("weixi")
    replied(desk, cst(2026, 11, 3, 10))
    with pytest.raises(RuleViolation, match="still open"):
        desk.do("auto_close", SYSTEM, at=cst(2026, 11, 3, 11))
    desk.do("auto_close", SYSTEM, at=desk.t.deadlines.callback_by)
    assert desk.t.status is Status.closed and desk.t.rating.satisfaction == "basically_satisfied"
    assert desk.t.rating.deemed


# -- Tianjin -----------------------------------------------------------------------------------
def test_tianjin_return_window_is_one_working_day_two_when_complex():
    """Tianjin Art.18: 1 个工作日内退回, 复杂、疑难事项可延长至 2 个工作日."""
    desk = Desk("tianjin")
    desk.file(cst(2026, 11, 6, 10))  # Friday
    desk.dispatch(cst(2026, 11, 6, 10), lead=desk.some_units(1)[0], assist=[])
    assert desk.t.deadlines.return_by == cst(2026, 11, 9, 10)
    with pytest.raises(RuleViolation, match="return window closed"):
        desk.do("request_return", desk.lead, at=cst(2026, 11, 9, 11), reason="不属于本单位职责")
    desk.do("request_return", desk.lead, at=cst(2026, 11, 9, 11), reason="疑难事项", complex=True)
    assert desk.t.status is Status.return_requested


def test_tianjin_extension_equals_the_original_limit_and_at_most_two():
    """Tianjin Art.20: 延期申请次数限制为 2 次, 每次延期期限与办理期限相同."""
    desk = signed("tianjin", "help")  # 5 wd
    original = desk.t.deadlines.reply_by
    with pytest.raises(RuleViolation, match="original limit"):
        desk.do("request_extension", desk.lead, at=cst(*MON, 11), days=6, reason="情况复杂")
    for _ in range(2):
        desk.do("request_extension", desk.lead, at=cst(*MON, 11), reason="情况复杂")
        desk.do("decide_extension", REVIEWER, at=cst(*MON, 12), approve=True, reason="同意")
    assert desk.t.deadlines.reply_by == desk.lc.policy.calendar.add_working_days(original, 10)
    with pytest.raises(RuleViolation, match="at most 2"):
        desk.do("request_extension", desk.lead, at=cst(*MON, 13), reason="情况复杂")


def test_tianjin_second_rehandle_is_refused_and_rehandle_cannot_be_extended():
    """Tianjin Art.22: 再次办理以 1 次为限 ... 不得延期办理."""
    desk = signed("tianjin")
    unhappy = dict(resolved=False, satisfaction="unsatisfied", comment="没修好")
    replied(desk, cst(2026, 11, 3, 10))
    desk.do("record_callback", CALLBACK, at=cst(2026, 11, 4, 10), reasonable=True, **unhappy)
    assert desk.t.status is Status.rehandling and desk.t.rehandles_used == 1
    assert desk.t.deadlines.reply_by == cst(2026, 11, 11, 10)  # same 5 wd limit, fresh clock
    with pytest.raises(RuleViolation, match="rehandled order may not be extended"):
        desk.do("request_extension", desk.lead, at=cst(2026, 11, 4, 11), reason="情况复杂")
    replied(desk, cst(2026, 11, 5, 10))
    with pytest.raises(RuleViolation, match="at most 1 time"):
        desk.do("record_callback", CALLBACK, at=cst(2026, 11, 6, 10), reasonable=True, **unhappy)
    desk.do("record_callback", CALLBACK, at=cst(2026, 11, 6, 10), reasonable=False, **unhappy)
    assert desk.t.status is Status.closed


def test_tianjin_unit_may_ask_an_unsatisfied_rating_be_exempted():
    """Tianjin Art.25: 申请豁免 ... 不予负面评价."""
    desk = signed("tianjin")
    replied(desk, cst(2026, 11, 3, 10))
    desk.do("record_callback", CALLBACK, at=cst(2026, 11, 4, 10), resolved=False,
            satisfaction="unsatisfied", reasonable=False)  # fmt: skip
    desk.do("request_exemption", desk.lead, at=cst(2026, 11, 4, 11), reason="诉求超出政策",
            evidence="政策文件第三条")  # fmt: skip
    desk.do("decide_exemption", REVIEWER, at=cst(2026, 11, 5, 9), approve=True, reason="确已尽责")
    assert desk.t.exempted and desk.t.status is Status.closed


def test_tianjin_has_no_termination_procedure():
    desk = signed("tianjin")
    with pytest.raises(RuleViolation, match="no termination"):
        desk.do("request_termination", desk.lead, at=cst(*MON, 11), reason="诉求人拒绝提供信息")


# -- Baoding -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("urgency", "reply_by"),
    [("critical", cst(*MON, 12)), ("urgent", cst(2026, 11, 3, 10)),
     ("normal", cst(2026, 11, 5, 10)), ("low", cst(2026, 11, 9, 10))],
)  # fmt: skip
def test_baoding_four_levels_are_2h_24h_3wd_5wd(urgency, reply_by):
    """Baoding Art.19(2): 2 小时、24 小时、3 个工作日和 5 个工作日四级处置模式."""
    desk = Desk("baoding")
    desk.file(cst(*MON, 10), urgency=urgency)
    desk.dispatch(cst(*MON, 10), lead=desk.some_units(1)[0], assist=[])
    assert desk.t.deadlines.reply_by == reply_by


def test_baoding_water_runs_on_natural_hours_over_the_weekend():
    """Baoding Art.19(1): 水、电、气、热 7×24 小时服务."""
    desk = Desk("baoding")
    desk.file(cst(2026, 11, 6, 16), category="water")  # Friday afternoon
    desk.dispatch(cst(2026, 11, 6, 16), lead=desk.some_units(1)[0], assist=[])
    assert desk.t.deadlines.reply_by == cst(2026, 11, 9, 16)  # 72 h, weekend included


def test_baoding_extensions_add_five_working_days_at_most():
    """Baoding Art.19(3): 延长期限一般不得超过五个工作日."""
    desk = signed("baoding")
    desk.do("request_extension", desk.lead, at=cst(*MON, 11), days=3, reason="情况复杂")
    desk.do("decide_extension", REVIEWER, at=cst(*MON, 12), approve=True, reason="同意")
    with pytest.raises(RuleViolation, match="add up to 5wd"):
        desk.do("request_extension", desk.lead, at=cst(*MON, 13), days=3, reason="仍需时间")


def test_baoding_backlog_ledger_keeps_plan_and_review_date():
    """Baoding Art.19(4): 列入挂账管理 — asked by the lead, approved by the reviewer (R-DESK-4)."""
    desk = signed("baoding")
    desk.do("request_backlog", desk.lead, at=cst(*MON, 11), plan="纳入明年老旧小区改造计划，分批实施",
            review_on="2027-03-01", scope="老旧小区")  # fmt: skip
    assert desk.t.status is Status.in_progress and desk.t.pending.kind == "backlog" and desk.t.deadlines.reply_by
    desk.do("decide_backlog", REVIEWER, at=cst(*MON, 14), approve=True, reason="计划可行")
    assert desk.t.status is Status.backlogged and desk.t.backlog["review_on"] == "2027-03-01"
    assert desk.t.deadlines.reply_by is None and desk.t.deadlines.review_by == cst(2027, 3, 1, 9)
    replied(desk, cst(2027, 3, 1, 10))
    assert desk.t.status is Status.replied


# -- Heze --------------------------------------------------------------------------------------
def test_heze_termination_needs_the_centers_approval():
    """Heze Art.15(5)(6): 经审核后终止办理."""
    desk = signed("heze")
    desk.do("request_termination", desk.lead, at=cst(*MON, 11), reason="诉求人拒绝提供相关信息")
    assert desk.t.status is Status.in_progress and desk.t.pending.kind == "termination"
    desk.do("decide_termination", REVIEWER, at=cst(*MON, 12), approve=True, reason="材料属实")
    assert desk.t.status is Status.terminated


def test_heze_telecom_is_served_around_the_clock():
    """Heze Art.20: 水、电、气、热、网络通信 全天候服务."""
    cfg = Desk("heze").config
    assert {c.code for c in cfg.categories if c.always_on} == {"water", "power", "gas", "heating", "telecom"}


def test_heze_has_no_backlog_ledger():
    desk = signed("heze")
    with pytest.raises(RuleViolation, match="no backlog"):
        desk.do("request_backlog", desk.lead, at=cst(*MON, 11), plan="纳入明年改造计划分批解决", review_on="2027-03-01")


# -- Hohhot ------------------------------------------------------------------------------------
def test_hohhot_utilities_answer_within_24_natural_hours():
    """Hohhot Art.20: 供水、供电、供气、供热 7×24 小时服务."""
    desk = Desk("hohhot")
    desk.file(cst(2026, 11, 7, 22), category="heating")  # Saturday night
    desk.dispatch(cst(2026, 11, 7, 22), lead=desk.some_units(1)[0], assist=[])
    assert desk.t.deadlines.reply_by == cst(2026, 11, 8, 22)


def test_hohhot_keeps_unrated_orders_open_for_callback_agents():
    """Hohhot Art.23: the centre calls back; silence is not a rating."""
    desk = signed("hohhot")
    replied(desk, cst(2026, 11, 3, 10))
    with pytest.raises(RuleViolation, match="keeps unrated orders open"):
        desk.do("auto_close", SYSTEM, at=cst(2026, 12, 30, 10))


# -- all cities --------------------------------------------------------------------------------
def test_every_limit_rule_cites_an_article_of_its_own_city(city_name):
    desk = Desk(city_name)
    city = city_name.capitalize()
    for rule in [*desk.config.limits, *desk.config.extensions, desk.config.sign, desk.config.return_window]:
        assert rule.article.startswith(city), rule


def test_extension_must_be_asked_before_the_deadline(city_name):
    desk = signed(city_name)
    with pytest.raises(RuleViolation, match="before the deadline"):
        desk.do("request_extension", desk.lead, at=desk.t.deadlines.reply_by, days=1, reason="来不及")


def test_national_day_2026_shifts_a_deadline(city_name):
    """R-SLA-1: a dispatch before the holiday lands after it (except 7×24 categories)."""
    desk = Desk(city_name)
    desk.file(cst(2026, 9, 30, 10), type_="help")
    desk.dispatch(cst(2026, 9, 30, 10), lead=desk.some_units(1)[0], assist=[])
    assert desk.t.deadlines.reply_by > cst(2026, 10, 8, 9)


def test_a_second_unsatisfied_rating_puts_the_order_under_supervision():
    """R-TMR-3 (Tianjin Art.24): repeated unsatisfied ratings are a trigger of supervision."""
    from tests.unit.factories import CALLBACK

    desk = Desk("tianjin")
    desk.file(cst(2026, 11, 2, 10), category="power")
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    for n in (1, 2):
        desk.do("reply", desk.lead, at=cst(2026, 11, 3 + n, 10), handled_at=cst(2026, 11, 3 + n, 9).isoformat(),
                process="现场检修供电线路", result="已恢复供电", citizen_contacted=True)  # fmt: skip
        reasonable = {"reasonable": True} if n == 1 else {"reasonable": False}
        desk.do("record_callback", CALLBACK, at=cst(2026, 11, 3 + n, 11), resolved=False,
                satisfaction="unsatisfied", comment="仍然经常停电", **reasonable)  # fmt: skip
        assert desk.t.supervision_level == (1 if n == 2 else 0)
    assert desk.t.unsatisfied_ratings == 2 and desk.events[-1].detail["supervision_level"] == 1
