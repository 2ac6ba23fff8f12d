"""The API of SPEC §11 through the real handlers, as API Gateway calls them, on moto."""

from __future__ import annotations

import json

import pytest

from hotline.adapters import runtime
from hotline.dal.models import TicketItem
from tests.conftest import cst
from tests.integration.apigw import call, container, staff

FILING = {
    "channel": "phone",
    "type": "help",
    "content": "小区楼道灯坏了一个月没人修",
    "category": "property",
    "citizen": {"name": "张三", "phone": "13800138000"},
}


def file(svc, **over):
    body = {**FILING, "location": {"district": svc.config.districts[0].code}, **over}
    status, out = call("POST", "/requests", body)
    assert status == 201, out
    return out


def items() -> list:
    return list(TicketItem.scan())  # test-only: look at everything that was written


def test_catalog_lists_the_codes_requests_use(city):
    svc = city("baoding")
    status, out = call("GET", "/catalog")
    assert status == 200
    assert out["city"] == "baoding"
    assert {"code": "water", "name": "供水", "always_on": True} in out["categories"]
    assert out["districts"][0]["code"] == svc.config.districts[0].code


def test_filed_request_becomes_a_dispatched_order_in_the_units_inbox(city):
    svc = city("tianjin")
    out = file(svc)
    assert out["outcome"] == "accepted"
    (t,) = out["tickets"]
    assert t["status"] == "dispatched"
    assert t["deadlines"]["reply_by"] == "2026-11-09T10:00:00+08:00"  # help: 5 wd (city-set)
    status, inbox = call("GET", f"/units/{t['lead_unit']}/tickets", claims=staff("unit", t["lead_unit"]))
    assert status == 200
    assert [x["ticket_id"] for x in inbox["tickets"]] == [t["ticket_id"]]


def test_several_matters_split_into_orders_under_one_request(city):
    svc = city("hohhot")
    d = svc.config.districts[0].code
    out = file(svc, matters=[
        {"content": "楼下餐馆油烟扰民", "category": "environment", "location": {"district": d}},
        {"content": "小区停水三天", "category": "water", "location": {"district": d}},
    ])  # fmt: skip
    assert [t["ticket_id"].rsplit("-", 1)[1] for t in out["tickets"]] == ["1", "2"]
    assert len({t["lead_unit"] for t in out["tickets"]}) == 2
    status, view = call("GET", f"/requests/{out['request_id']}", query={"query_code": out["query_code"]})
    assert status == 200
    assert len(view["tickets"]) == 2


def test_wrong_query_code_looks_exactly_like_an_unknown_request(city):
    svc = city("heze")
    out = file(svc)
    wrong = call("GET", f"/requests/{out['request_id']}", query={"query_code": "guess"})
    unknown = call("GET", "/requests/20261102-NOPE", query={"query_code": out["query_code"]})
    assert wrong[0] == unknown[0] == 404
    assert wrong[1]["error"]["code"] == unknown[1]["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("{not json", 400, "malformed_json"),
        ({**FILING, "type": None}, 422, "invalid_input"),
        ({**FILING, "citizen": {"phone": "12345"}}, 422, "invalid_input"),
        ({**FILING, "category": "unicorns"}, 422, "unknown_category"),
        ({**FILING, "content": "灯坏了\x07"}, 422, "invalid_input"),
        ({**FILING, "content": "长" * 5000}, 422, "too_long"),
        ({**FILING, "content": "x" * (10 * 1024 * 1024)}, 422, "too_large"),
        ({**FILING, "location": {"district": "atlantis"}}, 422, "unknown_district"),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_writes_nothing(city, body, status, code):
    city("weixi")
    got, out = call("POST", "/requests", body)
    assert (got, out["error"]["code"]) == (status, code), out
    assert out["error"]["message"]
    assert items() == []


def test_unit_lifecycle_over_the_api_with_403_and_409(city):
    svc = city("tianjin")
    (t,) = file(svc)["tickets"]
    tid, lead = t["ticket_id"], t["lead_unit"]
    other = next(u.id for u in svc.config.units if u.id != lead)
    assert call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", other))[0] == 403
    assert call("GET", f"/tickets/{tid}", claims=staff("unit", other))[0] == 403
    assert call("GET", f"/tickets/{tid}")[0] == 401
    status, out = call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", lead))
    assert (status, out["status"]) == (200, "in_progress")
    status, out = call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", lead))
    assert (status, out["error"]["code"]) == (409, "illegal_transition")
    runtime.set_clock(cst(2026, 11, 3, 10))
    reply = {"action": "reply", "handled_at": "2026-11-03T09:00:00+08:00", "process": "上门查看并更换灯泡",
             "result": "已修复", "citizen_contacted": True}  # fmt: skip
    status, out = call("POST", f"/tickets/{tid}/actions", reply, claims=staff("unit", lead))
    assert (status, out["status"]) == (200, "replied")
    assert [e["action"] for e in out["events"]] == ["accept", "dispatch", "sign", "reply"]


def test_no_phone_number_or_name_is_stored_or_logged(city, capsys):
    svc = city("baoding")
    file(svc)
    raw = json.dumps([i.attribute_values for i in items()], default=str, ensure_ascii=False)
    logs = capsys.readouterr()
    for secret in ("13800138000", "张三"):
        assert secret not in raw
        assert secret not in logs.out + logs.err


def test_two_reviewers_deciding_one_extension_at_once_exactly_one_wins(city):
    """Concurrent actions on one ticket: one decision is recorded, the other gets 409 (R-SEC-3).

    DynamoDB applies transactions atomically; moto backs a transaction up by copying whole tables
    and restores that copy when one fails, which under threads can undo another's commit. The
    local cloud's mend (per-table locks, item before-images) makes moto behave as DynamoDB does."""
    import threading

    from hotline_local.emulator import mend_moto

    mend_moto()

    svc = city("tianjin")
    (t,) = file(svc)["tickets"]
    tid, lead = t["ticket_id"], t["lead_unit"]
    assert call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", lead))[0] == 200
    ask = {"action": "request_extension", "reason": "需协调物业公司更换整条线路"}
    assert call("POST", f"/tickets/{tid}/actions", ask, claims=staff("unit", lead))[0] == 200
    results: list[tuple[int, dict]] = []
    go = threading.Barrier(4)
    containers = [container("dispatch") for _ in range(4)]  # four reviewers, four Lambda containers

    def decide(i: int) -> None:
        go.wait()
        body = {"action": "decide_extension", "approve": i % 2 == 0, "reason": "审核意见"}
        results.append(call("POST", f"/tickets/{tid}/actions", body, claims=staff("reviewer"), container=containers[i]))

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(r[0] for r in results) == [200, 409, 409, 409]
    _, view = call("GET", f"/tickets/{tid}", claims=staff("dispatcher"))
    decisions = [e for e in view["events"] if e["action"] == "decide_extension"]
    assert len(decisions) == 1 and view["pending"] is None


def test_an_incomplete_reply_is_refused_writes_nothing_and_is_counted_for_the_unit(city, capsys):
    """R-DSP-8 / R-TMR-3 (Tianjin Art.24(3)): a reply without how the citizen was answered is
    refused; the refusal is counted per unit (an EMF metric) for the supervisors, not stored."""
    svc = city("tianjin")
    (t,) = file(svc)["tickets"]
    tid, lead = t["ticket_id"], t["lead_unit"]
    assert call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", lead))[0] == 200
    before = [e.action for e in svc.tickets.events(tid)]
    capsys.readouterr()
    reply = {"action": "reply", "handled_at": "2026-11-02T09:00:00+08:00", "process": "上门查看并更换灯泡",
             "result": "已修复", "citizen_contacted": False}  # fmt: skip
    status, out = call("POST", f"/tickets/{tid}/actions", reply, claims=staff("unit", lead))
    assert (status, out["error"]["code"]) == (422, "incomplete_reply")
    assert [e.action for e in svc.tickets.events(tid)] == before
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"IncompleteReplies"' in line]
    assert emitted and emitted[0]["unit"] == lead and emitted[0]["IncompleteReplies"] == [1.0]
