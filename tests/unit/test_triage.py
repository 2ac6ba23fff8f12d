"""How intake sorts a matter (R-TRI-1..4): dangers first with recall, refusals only when sure,
a person decides the rest. Pure domain; the figures over whole sets are in `make bench`."""

from __future__ import annotations

import pytest

from bench.sorting import cases, score, tuning_cases
from hotline.config.loader import city_config
from hotline.domain.triage import sort_matter
from tests.conftest import CITIES


def sort(text: str, city: str = "tianjin"):
    return sort_matter(text, city_config(city).intake)


@pytest.mark.parametrize(
    ("text", "desk"),
    [
        ("有人拿刀在小区门口砍人，希望你们赶紧派人来", "110"),
        ("我爸突然倒地不省人事", "120"),
        ("孕妇羊水破了", "120"),
        ("电梯停在两层中间，我们被关在里面出不来", "119"),
        ("厨房煤气味特别大", "119"),
        ("建议你们快派人，三楼窗户往外冒黑烟", "119"),
        ("路口一辆货车把骑电动车的撞倒了，人躺在地上不动", "122"),
        ("我朋友说不想活了，现在一个人站在天台上", "110"),
    ],
)
def test_a_present_danger_goes_to_its_desk_whatever_politeness_surrounds_it(text, desk):
    """R-TRI-1: 希望, 建议, 麻烦 never veto; the desk is the danger's."""
    got = sort(text)
    assert (got.outcome, got.desk) == ("transferred", desk), got


@pytest.mark.parametrize(
    "text",
    [
        "上周电梯还困过人，希望特种设备部门来检查一下",
        "前几天被邻居家的狗咬了，已经去打了疫苗，希望管管不拴绳的狗",
        "这个路口经常出车祸，建议装个红绿灯",
        "消防通道被车堵了，万一着火消防车进不来",
        "商场门口天天喊跳楼价清仓，吵得睡不着",
    ],
)
def test_a_danger_that_is_over_habitual_or_only_feared_is_not_transferred(text):
    """R-TRI-1: a past event that is over, a habit or a worry is a unit's work, not a desk's."""
    assert sort(text).outcome != "transferred"


@pytest.mark.parametrize(
    "text",
    [
        "我们小区地下室有人聚众赌钱，天天半夜吵",
        "超市买的蜂蜜是假的，要求市场监管查处",
        "那家餐厅后厨卫生太差，老鼠乱窜",
        "工地欠我们三个月工资，老板说让我们去起诉",
        "物业把我家的水给停了，说不交物业费就不给用",
        "办证窗口人员索要好处费，不给就拖着不办",
    ],
)
def test_a_genuine_complaint_is_never_refused_for_a_word(text):
    """R-TRI-2: the six the issue's users saw refused; at worst a person looks at them."""
    assert sort(text).outcome in {"accepted", "held"}


@pytest.mark.parametrize(
    "text",
    [
        "和平区南京路小区停水三天了，一直没人来修",
        "我们村从昨晚停电到现在，冰箱里的东西都坏了",
        "小区下水道堵了，污水漫到路面上",
        "楼下烧烤摊油烟太大，窗户都不敢开",
        "工地夜里施工噪音太大，睡不着",
        "小区门口的路灯坏了半个月",
        "供暖到现在家里才十五度",
        "公司拖欠工资三个月了",
        "有人在人行道上违规占道经营",
        "健身房突然关门，预付卡余额退不了",
    ],
)
def test_the_commonest_requests_are_orders_not_held(text):
    """The hotline's everyday matters (water, power, drains, noise, wages) go straight to a unit:
    a hold is for doubt, and none of these is in doubt."""
    assert sort(text).outcome == "accepted"


def test_clear_evidence_refuses_where_the_city_lets_the_machine_and_holds_elsewhere():
    """R-TRI-2 per city: Tianjin Art.17(2) refuses a redo of an arbitration award; Weixi's measures
    list no grounds to refuse, so a person decides there."""
    text = "劳动仲裁的裁决我不服，你们给我重新裁一下"
    assert sort(text, "tianjin").outcome == "not_accepted"
    held = sort(text, "weixi")
    assert held.outcome == "held" and held.suggested == {"outcome": "not_accepted", "reason": "legal_procedure"}


def test_baoding_hands_a_non_government_matter_to_a_person_not_to_a_refusal():
    """Baoding Art.16(4): such a matter is passed to the body concerned, by a person."""
    text = "帮我推荐几家好吃的餐厅"
    assert sort(text, "tianjin").outcome == "not_accepted"
    assert sort(text, "baoding").outcome == "held"


def test_a_held_matter_carries_the_evidence_a_dispatcher_reads():
    held = sort("能不能帮我查一下我前妻现在住在哪个小区")
    assert held.outcome in {"held", "not_accepted"} and held.reason == "secret_or_privacy"
    evidence = held.evidence[0]
    assert evidence.reason == "secret_or_privacy" and evidence.term and evidence.article == "Tianjin Art.17(3)"


def test_a_denied_word_is_no_evidence():
    assert sort("我不是要申请信息公开，就想问问我家的拆迁补偿款啥时候到账").outcome != "not_accepted"


def test_a_danger_mentioned_as_over_is_kept_as_evidence_for_the_record():
    got = sort("上个月小区电梯困过人，到现在也没修")
    assert got.outcome == "accepted" and [e.strength for e in got.evidence] == ["over"]


@pytest.mark.parametrize("city", CITIES)
def test_the_tuning_texts_are_sorted_as_the_city_regulation_says(city):
    """The lexicon's own texts (the city's 60 and the three shared tuning sets): every emergency but
    at most one transferred, no genuine request refused, at most 2 % of refusal-class texts routed."""
    c = score(city, tuning_cases(city))["counts"]
    assert c["emergency"] - c.get("emergency_transferred", 0) <= 1
    assert c.get("genuine_not_accepted", 0) == 0
    assert c.get("refusal_accepted", 0) + c.get("refusal_transferred", 0) <= 0.02 * c["refusal"]


@pytest.mark.parametrize("city", CITIES)
def test_the_held_out_texts_stay_within_the_goals_for_refusals(city):
    """Texts written before the lexicon and never tuned on (docs/intake.md has the figures):
    at most 1 in 40 genuine requests refused, at most 1 in 10 refusal-class texts routed to a unit.
    Emergency recall is held at its measured floor (87 %, 62 of 71); the goal, every one, is not met."""
    c = score(city, cases("heldout"))["counts"]
    assert c.get("emergency_transferred", 0) >= 0.85 * c["emergency"]
    assert c.get("genuine_not_accepted", 0) <= c["genuine"] / 40
    assert c.get("refusal_accepted", 0) + c.get("refusal_transferred", 0) <= c["refusal"] / 10
