"""Oversight on moto through the real handlers (SPEC §12.4, R-GOV-1..4): the stream reader's
counting and observing of each new order, then what the center and the public read."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from hotline.adapters import runtime
from hotline.app import follow, governance
from tests.conftest import cst
from tests.fakes import Recorder
from tests.integration.apigw import call, staff

STREET = {"district": "xincheng", "street": "hailaer-donglu"}


def file_and_stream(svc: Any, phone: str, content: str = "小区门口占道经营，影响通行，多次反映未解决",
                    category: str = "urban_management", location: dict[str, str] = STREET) -> str:  # fmt: skip
    body = {"type": "complaint", "category": category, "content": content,
            "citizen": {"name": "赵六", "phone": phone}, "location": location}  # fmt: skip
    status, out = call("POST", "/requests", body)
    assert status == 201, out
    tid = str(out["tickets"][0]["ticket_id"])
    ticket = svc.tickets.get(tid)
    for _ in range(2):  # the stream delivers at least once: a redelivery changes nothing
        follow.count_rates(svc, ticket)
        governance.observe(svc, None, ticket)
    return tid


def test_a_cluster_on_moto_raises_one_warning_linked_to_every_order_and_a_topic_links_new_orders(city):
    svc = city("hohhot", at=cst(2026, 11, 2, 9))
    svc.__dict__["notifier"] = Recorder()  # what SNS would have been asked to publish
    orders = []
    for i in range(6):
        runtime.set_clock(cst(2026, 11, 2, 9) + timedelta(hours=i))
        orders.append(file_and_stream(svc, f"1360000{i:04d}"))
    status, listed = call("GET", "/warnings", claims=staff("supervisor"))
    assert status == 200 and len(listed["warnings"]) == 1
    [warning] = listed["warnings"]
    assert warning["tickets"] == orders[:5] and warning["kind"] == "cluster"
    for tid in orders[:5]:
        assert call("GET", f"/tickets/{tid}", claims=staff("dispatcher"))[1]["links"]["warnings"] == [
            warning["warning_id"]
        ]
    assert {n.unit_id for n in svc.notifier.units} == set(warning["units"])
    for unit in warning["units"]:  # each named unit reads it from its own list (full pages)
        mine = call("GET", "/warnings", claims=staff("unit", unit))[1]["warnings"]
        assert [w["warning_id"] for w in mine] == [warning["warning_id"]], unit
    assert call("GET", "/warnings", claims=staff("unit", "hh-power"))[1]["warnings"] == []

    body = {"title": "海拉尔东路占道经营治理", "scope": {"district": "xincheng", "category": "urban_management"},
            "lead_unit": "hh-chengguan", "plan": "街道与城管联合整治，设置便民疏导点", "review_on": "2026-12-15",
            "warning_id": warning["warning_id"]}  # fmt: skip
    status, topic = call("POST", "/topics", body, claims=staff("supervisor"))
    assert status == 200 and topic["status"] == "open", topic
    assert call("POST", "/topics", body, claims=staff("dispatcher"))[0] == 403
    later = file_and_stream(svc, "13611110000", content="夜市摊位占道严重，车辆无法通行")
    status, shown = call("GET", f"/topics/{topic['topic_id']}", claims=staff("supervisor"))
    assert status == 200 and shown["orders"] == [later]
    status, rows = call("GET", "/topics", claims=staff("reviewer"))
    assert status == 200 and [t["topic_id"] for t in rows["topics"]] == [topic["topic_id"]]
    progress = {"action": "report_progress", "text": "已设置两处疏导点"}
    status, worked = call(
        "POST", f"/topics/{topic['topic_id']}/actions", progress, claims=staff("unit", "hh-chengguan")
    )
    assert status == 200 and worked["progress"][-1]["text"] == "已设置两处疏导点"
    bad = call("POST", f"/topics/{topic['topic_id']}/actions", {"action": "close"}, claims=staff("supervisor"))
    assert bad[0] == 422 and "outcome" in bad[1]["error"]["message"]


def test_hotspots_callers_and_ranking_are_the_centers_and_the_public_report_needs_no_credential(city):
    svc = city("hohhot", at=cst(2026, 11, 2, 9))
    svc.__dict__["notifier"] = Recorder()
    file_and_stream(svc, "13612345678", content="王五反映：锡林南路88号门口占道经营")
    file_and_stream(svc, "13612345679", category="property", location={"district": "huimin"},
                    content="小区电梯经常停运，物业不处理")  # fmt: skip
    status, hot = call(
        "GET", "/stats/hotspots", claims=staff("supervisor"), query={"period": "2026-11", "by": "district"}
    )
    assert status == 200 and {r["key"]: r["requests"] for r in hot["rows"]} == {"xincheng": 1, "huimin": 1}
    assert call("GET", "/stats/hotspots", claims=staff("unit", "hh-xincheng"))[0] == 403
    assert call("GET", "/stats/hotspots", claims=staff("supervisor"), query={"by": "phone"})[0] == 422
    assert call("GET", "/stats/callers", claims=staff("supervisor"), query={"period": "2026-11"})[0] == 200
    status, ranked = call("GET", "/stats/ranking", claims=staff("supervisor"), query={"level": "district"})
    assert status == 200 and {r["id"] for r in ranked["rows"]} == {"xincheng", "huimin"}

    status, report = call("GET", "/public/report", query={"period": "2026-11"})  # no key, no token
    assert status == 200 and report["requests"] == 2, report
    text = json.dumps(report, ensure_ascii=False)
    for private in ("赵六", "王五", "13612345678", "锡林南路", "电梯经常停运"):
        assert private not in text, private
    assert call("GET", "/public/report", query={"period": "2026-13"})[0] == 422
    assert call("GET", "/public/report", query={"period": "2027-01"})[0] == 422  # not yet begun: nothing to cache


def test_a_callers_month_stops_growing_at_its_cap_and_stays_listed(city, monkeypatch):
    """The set of a caller's orders is capped (an item stays far below DynamoDB's 400 KB): past it
    the count saturates and the caller stays listed as frequent; a redelivery adds nothing."""
    import hotline.dal.governance as store

    svc = city("hohhot")
    monkeypatch.setattr(store, "CALLS_KEPT", 3)
    seen = [svc.governance.caller_seen("2026-11", "caller-key", f"T-{i}", 2) for i in range(5)]
    assert seen == [1, 2, 3, 3, 3] and svc.governance.caller_seen("2026-11", "caller-key", "T-0", 2) == 3
    assert svc.governance.frequent_callers("2026-11") == [("caller-key", 3)]
