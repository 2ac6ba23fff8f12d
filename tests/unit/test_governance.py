"""Oversight and proactive governance (SPEC §12.4, R-GOV-1..4) on in-memory ports: what the stream
reader keeps for each new order, and what the center and the public read of it."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from hotline.app import actions, follow, governance, intake
from hotline.config.schema import Channel
from hotline.domain import governance as gov
from hotline.domain.errors import DomainError, Forbidden
from hotline.domain.filing import Filing
from hotline.domain.models import Ticket
from tests.conftest import cst
from tests.fakes import FakeDeps
from tests.unit.factories import DISPATCHER, SUPERVISOR, unit

PHONES = iter(range(13600136000, 13600137000))


def filed(
    deps: FakeDeps, category: str = "urban_management", district: str = "xincheng",
    street: str | None = "hailaer-donglu", phone: str | None = None, content: str | None = None,
) -> Ticket:  # fmt: skip
    """A request filed and, as the stream reader would, counted and observed."""
    body: dict[str, Any] = {"type": "complaint", "category": category,
                            "content": content or "小区门口占道经营，影响通行，多次反映未解决",
                            "citizen": {"phone": phone or str(next(PHONES))},
                            "location": {"district": district, **({"street": street} if street else {})}}  # fmt: skip
    out = intake.file(deps, intake.FileRequest(Channel.phone, body, Filing.parse(body)))
    t = deps.tickets.get(out["tickets"][0]["ticket_id"])
    stream(deps, None, t)
    return t


def stream(deps: FakeDeps, old: Ticket | None, new: Ticket) -> None:
    follow.count_rates(deps, new)
    governance.observe(deps, old, new)


# -- the pure rules --------------------------------------------------------------------------------


def test_a_cluster_raises_its_warning_once_and_not_again_within_its_window():
    """R-GOV-2: the fifth request within 24 h raises; the sixth and a redelivery of the fifth do
    not; after the window has passed, a new cluster raises again."""
    c, start, window = gov.Cluster([]), cst(2026, 11, 2, 8), timedelta(hours=24)
    raised = []
    for i in range(6):
        c, r = gov.arrive(c, f"T-{i}", start + timedelta(hours=i), 5, window)
        raised.append(r)
    assert raised == [False, False, False, False, True, False]
    again, r = gov.arrive(c, "T-4", start + timedelta(hours=4), 5, window)
    assert r is False and len(again.arrivals) == 6  # a redelivered arrival is not a new one
    later = start + timedelta(hours=30)
    for i in range(6, 11):
        c, r = gov.arrive(c, f"T-{i}", later + timedelta(minutes=i), 5, window)
    assert r is True  # the quiet window ended at 28 h: five new requests make a new warning


def test_an_order_falls_in_each_scope_a_topic_can_be_opened_on():
    t = Ticket.model_validate({"ticket_id": "T-1", "request_id": "R", "city": "hohhot", "channel": "phone",
                               "type": "complaint", "content": "x", "category": "water",
                               "location": {"district": "xincheng", "street": "s1"},
                               "created_at": cst(2026, 11, 2, 9), "updated_at": cst(2026, 11, 2, 9)})  # fmt: skip
    assert set(gov.scopes_of(t)) == {"*|*|water", "xincheng|*|*", "xincheng|*|water", "xincheng|s1|*",
                                     "xincheng|s1|water"}  # fmt: skip


# -- R-GOV-1: counts kept as they happen ------------------------------------------------------------


def test_hotspots_count_each_request_once_by_day_week_month_and_move_when_reclassified():
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))  # Monday of ISO week 45
    for _ in range(3):
        filed(deps)
    t = filed(deps, category="property")
    stream(deps, t, t)  # a redelivered record counts nothing twice
    by = {p: governance.hotspots(deps, DISPATCHER, p, "category", None)["rows"]
          for p in ("2026-11-02", "2026-W45", "2026-11")}  # fmt: skip
    assert all([(r["key"], r["requests"]) for r in rows] == [("urban_management", 3), ("property", 1)]
               for rows in by.values())  # fmt: skip
    streets = governance.hotspots(deps, DISPATCHER, "2026-11", "street", "1")["rows"]
    assert streets == [{"key": "xincheng/hailaer-donglu", "name": "新城区海拉尔东路街道", "requests": 4}]
    days = governance.hotspots(deps, DISPATCHER, "2026-11", "day", None)["rows"]
    assert days == [{"key": "2026-11-02", "name": "2026-11-02", "requests": 4}]
    moved = actions.act(deps, DISPATCHER, t.ticket_id, {"action": "reclassify", "category": "urban_management"})
    stream(deps, t, deps.tickets.get(moved["ticket_id"]))
    rows = governance.hotspots(deps, DISPATCHER, "2026-11", "category", None)["rows"]
    assert [(r["key"], r["requests"]) for r in rows] == [("urban_management", 4)]


@pytest.mark.parametrize("query", [("2026-13", None, None), ("2026-11", "phone", None), ("2026-11", None, "0"),
                                   ("2026-11-02", "day", None)])  # fmt: skip
def test_a_bad_hotspot_query_is_422(query):
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    with pytest.raises(DomainError) as bad:
        governance.hotspots(deps, DISPATCHER, *query)
    assert bad.value.status == 422


def test_frequent_callers_are_listed_by_keyed_id_never_by_phone_and_units_may_not_read_them():
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    said = [
        "小区门口占道经营影响通行",
        "楼道路灯坏了一个月",
        "垃圾清运不及时有异味",
        "单元门禁损坏无人修理",
        "小区绿化带被占用停车",
    ]  # five different matters: no one a repeat of another (R-INT-4)
    often = [filed(deps, phone="13600000001", content=text) for text in said]
    filed(deps, phone="13600000002")
    listed = governance.callers(deps, SUPERVISOR, "2026-11")
    assert listed["callers"] == [{"caller_id": often[0].citizen_key, "requests": 5}]
    assert "13600000001" not in json.dumps(listed)
    with pytest.raises(Forbidden):
        governance.callers(deps, unit("hh-xincheng"), "2026-11")


# -- R-GOV-2: early warning -------------------------------------------------------------------------


def test_five_requests_on_one_street_raise_one_warning_to_the_supervisors_and_the_responsible_units():
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    orders = []
    for i in range(7):
        deps.clock.at = cst(2026, 11, 2, 10) + timedelta(hours=i)
        orders.append(filed(deps).ticket_id)
    [warning] = governance.warnings(deps, SUPERVISOR, None)["warnings"]
    assert warning["tickets"] == orders[:5] and warning["article"] == "Hohhot Art.29"
    assert {"hh-xincheng", "hh-chengguan"} <= set(warning["units"])
    told = [n for n in deps.notifier.units if getattr(n, "kind", "") == "early_warning"]
    assert {n.unit_id for n in told} == set(warning["units"]) and len(told) == len(warning["units"])
    assert [n.role for n in deps.notifier.center if n.kind == "early_warning"] == ["supervisor"]
    for tid in orders[:5]:  # every order of the cluster, the earlier ones too
        assert actions.read(deps, DISPATCHER, tid)["links"]["warnings"] == [warning["warning_id"]]
    assert actions.read(deps, DISPATCHER, orders[6])["links"]["warnings"] == []
    assert governance.warnings(deps, unit("hh-xincheng"), None)["warnings"] == [warning]
    assert governance.warnings(deps, unit("hh-power"), None)["warnings"] == []


def test_a_city_whose_regulation_asks_for_no_warning_raises_none():
    deps = FakeDeps("weixi", cst(2026, 11, 2, 10))
    for _ in range(8):
        filed(deps, category="roads", district="weixi", street=None)
    assert governance.warnings(deps, SUPERVISOR, None)["warnings"] == []


def test_a_risk_a_unit_reports_while_handling_becomes_a_warning_linked_to_its_order():
    """Hohhot Art.29: 发现可能引发突发事件……风险隐患……向本级接诉即办工作管理部门报告."""
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    t = filed(deps, street=None)
    lead = str(t.lead_unit)
    actions.act(deps, unit(lead), t.ticket_id, {"action": "sign"})
    before = deps.tickets.get(t.ticket_id)
    actions.act(deps, unit(lead), t.ticket_id, {"action": "raise_risk", "text": "现场发现燃气管道老化，存在泄漏隐患"})
    stream(deps, before, deps.tickets.get(t.ticket_id))
    [w] = governance.warnings(deps, SUPERVISOR, None)["warnings"]
    assert (w["kind"], w["tickets"], w["by"]) == ("unit", [t.ticket_id], lead) and "燃气" in w["text"]
    assert actions.read(deps, DISPATCHER, t.ticket_id)["links"]["warnings"] == [w["warning_id"]]


# -- R-GOV-3: topics ----------------------------------------------------------------------------------


def topic_body(**over: Any) -> dict[str, Any]:
    return {"title": "新城区占道经营专项治理", "scope": {"district": "xincheng", "category": "urban_management"},
            "lead_unit": "hh-chengguan", "plan": "联合街道开展夜市占道经营整治，设置疏导点",
            "review_on": "2026-12-01"} | over  # fmt: skip


def test_a_topic_links_the_new_orders_of_its_scope_and_closes_with_the_counts_before_and_after():
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    for day in range(1, 4):  # three requests in the three days before it opens
        deps.clock.at = cst(2026, 10, 29, 10) + timedelta(days=day)
        filed(deps)
    deps.clock.at = cst(2026, 11, 2, 10)
    opened = governance.open_topic(deps, SUPERVISOR, topic_body())
    tid = opened["topic_id"]
    inside = filed(deps, street=None)
    filed(deps, category="property")  # not the topic's category
    filed(deps, district="huimin", street=None)  # not its district
    shown = governance.topic(deps, SUPERVISOR, tid)
    assert shown["orders"] == [inside.ticket_id] and shown["linked"] == 1
    assert actions.read(deps, DISPATCHER, inside.ticket_id)["links"]["topics"] == [tid]
    governance.act_on_topic(deps, unit("hh-chengguan"), tid, {"action": "report_progress", "text": "已设置两处疏导点"})
    deps.clock.at = cst(2026, 11, 4, 17)
    closed = governance.act_on_topic(deps, SUPERVISOR, tid, {"action": "close", "outcome": "占道经营明显减少"})
    assert closed["status"] == "closed" and closed["counts"] == {"days": 3, "before": 3, "after": 1}
    assert [p["text"] for p in closed["progress"]] == ["已设置两处疏导点"]
    later = filed(deps, street=None)
    assert governance.topic(deps, SUPERVISOR, tid)["orders"] == [inside.ticket_id]  # closed: no more links
    assert actions.read(deps, DISPATCHER, later.ticket_id)["links"]["topics"] == []


@pytest.mark.parametrize(("who", "body", "status"), [
    (DISPATCHER, topic_body(), 403),
    (SUPERVISOR, topic_body(scope={"street": "hailaer-donglu"}), 422),  # a street needs its district
    (SUPERVISOR, topic_body(scope={"category": "nothing"}), 422),
    (SUPERVISOR, topic_body(lead_unit="hh-nobody"), 422),
    (SUPERVISOR, topic_body(review_on="2026-11-01"), 422),
    (SUPERVISOR, topic_body(plan="整治"), 422),
    (SUPERVISOR, {**topic_body(), "extra": 1}, 422),
])  # fmt: skip
def test_a_topic_only_a_supervisor_may_open_on_a_known_scope_and_a_bad_one_writes_nothing(who, body, status):
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    with pytest.raises(DomainError) as refused:
        governance.open_topic(deps, who, body)
    assert refused.value.status == status and refused.value.message and deps.governance.topic_items == {}


def test_a_topic_due_for_review_today_reminds_its_lead_unit_and_the_supervisors_once():
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    tid = governance.open_topic(deps, SUPERVISOR, topic_body(review_on="2026-11-20"))["topic_id"]
    deps.clock.at = cst(2026, 11, 19, 9)
    assert governance.topic_reviews(deps)["reminded"] == []
    deps.clock.at = cst(2026, 11, 20, 9)
    assert governance.topic_reviews(deps)["reminded"] == [tid]
    assert [n.unit_id for n in deps.notifier.units if n.kind == "topic_review"] == ["hh-chengguan"]


# -- R-GOV-4: rankings and the public report ----------------------------------------------------------


def test_units_are_ranked_by_the_three_rates_with_the_counts_they_rest_on():
    rows = [("unit:a", {"dispatched": 10, "responded": 9, "rated": 5, "satisfied": 5, "asked_resolved": 5,
                        "resolved": 4}),
            ("unit:b", {"dispatched": 10, "responded": 5, "rated": 5, "satisfied": 2, "asked_resolved": 5,
                        "resolved": 5}),
            ("unit:c", {}), ("district:x", {"dispatched": 1})]  # fmt: skip
    ranked = gov.ranking(rows, "unit", {"unit:a": "甲", "unit:b": "乙"})
    assert [r["id"] for r in ranked] == ["a", "b", "c"]
    assert ranked[0]["rank"] == {"response_rate": 1, "resolution_rate": 2, "satisfaction_rate": 1}
    assert ranked[2]["rank"] == {} and ranked[2]["mean_rank"] is None and ranked[0]["counts"]["dispatched"] == 10


def test_the_public_report_carries_no_phone_name_content_or_address():
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    body = {"type": "complaint", "category": "urban_management", "content": "王五家门口占道经营，电话13612345678",
            "citizen": {"name": "王五", "phone": "13612345678"},
            "location": {"district": "xincheng", "address": "锡林南路88号"}}  # fmt: skip
    out = intake.file(deps, intake.FileRequest(Channel.phone, body, Filing.parse(body)))
    stream(deps, None, deps.tickets.get(out["tickets"][0]["ticket_id"]))
    report = governance.public_report(deps, "2026-11")
    text = json.dumps(report, ensure_ascii=False)
    assert report["requests"] == 1 and report["by_district"][0] == {"code": "xincheng", "name": "新城区",
                                                                     "requests": 1}  # fmt: skip
    for private in ("王五", "13612345678", "锡林南路", "占道经营，", out["tickets"][0]["ticket_id"],
                    deps.tickets.get(out["tickets"][0]["ticket_id"]).citizen_key):  # fmt: skip
        assert private not in text, private
    assert set(report) == {"city", "name", "period", "generated_at", "requests", "by_category", "by_district",
                           "rates", "ranking"}  # fmt: skip


def test_a_warning_interrupted_before_it_is_recorded_is_told_again_on_redelivery_never_lost():
    """Review of issue 20: the stream reader tells, then records, then moves the window: a crash
    between telling and recording tells again when the record is redelivered; none is lost."""
    deps = FakeDeps("hohhot", cst(2026, 11, 2, 10))
    for i in range(4):
        deps.clock.at = cst(2026, 11, 2, 10) + timedelta(hours=i)
        filed(deps)
    record, calls = deps.governance.raise_warning, []

    def crash_once(warning: dict) -> bool:
        calls.append(warning["warning_id"])
        if len(calls) == 1:
            raise RuntimeError("the container stopped")
        return record(warning)

    deps.governance.raise_warning = crash_once  # type: ignore[method-assign]
    deps.clock.at = cst(2026, 11, 2, 15)
    with pytest.raises(RuntimeError):
        filed(deps)
    fifth = next(t for t in deps.tickets.tickets.values() if t.created_at == deps.now())
    governance.observe(deps, None, fifth)  # the stream delivers it again
    [warning] = governance.warnings(deps, SUPERVISOR, None)["warnings"]
    told = [n for n in deps.notifier.center if n.kind == "early_warning"]
    assert len(told) == 2 and warning["tickets"][-1] == fifth.ticket_id  # told twice, recorded once
    governance.observe(deps, None, fifth)
    assert len([n for n in deps.notifier.center if n.kind == "early_warning"]) == 2  # recorded: not again
