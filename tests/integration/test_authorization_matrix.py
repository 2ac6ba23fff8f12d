"""Who may do what (R-SEC-2, SPEC §11): every role × every action × own/other unit → allowed or 403.

The expected matrix is written here from SPEC §11 and R-SEC-2, not read from the transition table:
units act on their own orders (the lead, or the assisting unit for its part); the center's roles
are separate — the dispatcher dispatches, the reviewer decides, the callback agent records the
callback, the supervisor supervises. Two documented widenings (docs/decisions.md): the dispatcher
also decides returns and extensions (both are questions of who should do the work and by when),
and a reviewer may record a callback it reviews. "Allowed" means the gateway and the rules let the
actor past authorization: the answer is not 401/403 (a rule of the city may still say 409/422).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import cst
from tests.integration.apigw import call, staff

CENTER = ("dispatcher", "reviewer", "callback", "supervisor")
UNITS = ("lead", "assist", "handling", "referred", "other")  # R-UNIT-1..3: every part an order gives a unit
ACTORS = CENTER + UNITS
REPLY = {"handled_at": "2026-11-02T10:00:00+08:00", "process": "到现场组织抢修", "result": "已恢复供水",
         "citizen_contacted": True}  # fmt: skip

# action -> (the state it is tried in, its body, who may)
MATRIX: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "sign": ("dispatched", {}, {"lead"}),
    "request_return": ("dispatched", {"reason": "不属于本单位职责"}, {"lead"}),
    "request_extension": ("in_progress", {"days": 2, "reason": "需协调管网抢修"}, {"lead"}),
    "submit_assist": ("in_progress", {"text": "已配合停水通知"}, {"assist"}),
    "reply": ("handed_down", REPLY, {"lead", "handling"}),  # R-UNIT-2: the handling unit replies for the lead
    "request_termination": ("in_progress", {"reason": "诉求人撤回"}, {"lead"}),
    "request_backlog": ("in_progress", {"plan": "纳入管网改造计划", "review_on": "2027-03-01"}, {"lead"}),
    "refer_up": ("in_progress", {"reason": "需市级协调"}, {"lead"}),
    # R-UNIT-2..4: the lead hands down; the unit referred to coordinates or answers; all at work report
    "hand_down": ("in_progress", {"to_unit": "tj-heping-wudadao"}, {"lead"}),
    "coordinate": ("referred", {"assist_units": ["tj-zhujian"], "note": "请住建委协办"}, {"referred"}),
    "answer_referral": ("referred", {"note": "属供水企业职责，请主办单位继续办理"}, {"referred"}),
    "report_progress": ("handed_down", {"text": "已到现场核查管网", "public": True}, {"lead", "assist", "handling"}),
    "dispatch": ("pending_dispatch", {"lead_unit": "tj-water", "assist_units": []}, {"dispatcher"}),
    "decide_return": ("return_requested", {"approve": False, "reason": "属本单位职责"}, {"reviewer", "dispatcher"}),
    "decide_extension": ("extension_requested", {"approve": False, "reason": "时限充足"}, {"reviewer", "dispatcher"}),
    "decide_termination": ("in_progress", {"approve": False, "reason": "不符合终止条件"}, {"reviewer"}),
    "record_callback": ("replied", {"resolved": True, "satisfaction": "satisfied"}, {"callback", "reviewer"}),
    "request_exemption": ("closed_unsatisfied", {"reason": "已尽责", "evidence": "沟通记录"}, {"lead"}),
    "decide_exemption": ("exemption_requested", {"approve": False, "reason": "证据不足"}, {"reviewer"}),
    "supervise": ("in_progress", {"level": 1, "note": "督办"}, {"supervisor"}),
    # R-TRI-2: a held request is the dispatcher's to decide
    "accept": ("triage", {"note": "属供水问题"}, {"dispatcher"}),
    "refuse": ("triage", {"reason": "legal_procedure"}, {"dispatcher"}),
    "transfer": ("triage", {"desk": "110"}, {"dispatcher"}),
    "hand_off": ("triage", {"body": "mediation", "consent": True}, {"dispatcher"}),  # R-DESK-5
    "return_reply": ("replied", {"reason": "答复未说明处理结果"}, {"reviewer"}),
    # R-DESK-3/4: corrections by the dispatcher or reviewer; a backlog is the reviewer's decision
    "reclassify": ("in_progress", {"urgency": "urgent", "reason": "涉及老人用水"}, {"dispatcher", "reviewer"}),
    "redispatch": ("dispatched", {"lead_unit": "tj-shuiwu", "reason": "属水务局职责"}, {"dispatcher", "reviewer"}),
    "decide_backlog": ("in_progress", {"approve": False, "reason": "可按期办结"}, {"reviewer"}),
}


class Office:
    """Brings Tianjin water orders (lead tj-water, assisting tj-shuiwu) to a state over the API."""

    def __init__(self, svc: Any) -> None:
        self.svc = svc
        self.phone = 13700000000

    def claims(self, who: str) -> dict[str, Any]:
        units = {"lead": "tj-water", "assist": "tj-shuiwu", "handling": "tj-heping-wudadao", "referred": "tj-gov",
                 "other": "tj-power"}  # fmt: skip
        return staff("unit", units[who]) if who in units else staff(who)

    def act(self, tid: str, who: str, action: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return call("POST", f"/tickets/{tid}/actions", {"action": action, **body}, claims=self.claims(who))

    def must(self, tid: str, who: str, action: str, **body: Any) -> None:
        status, out = self.act(tid, who, action, body)
        assert status == 200, (action, out)

    def order(self, state: str) -> str:
        self.phone += 7
        category = "other" if state in ("pending_dispatch", "triage") else "water"
        content = "我要告他们，这事必须给个说法" if state == "triage" else "家里停水两天了，物业说不清原因，请尽快处理"
        status, filed = call("POST", "/requests", {
            "type": "help", "content": content, "category": category,
            "citizen": {"name": "李四", "phone": str(self.phone)},
            "location": {"district": self.svc.config.districts[0].code},
        })  # fmt: skip
        assert status == 201, filed
        tid = str(filed["tickets"][0]["ticket_id"])
        steps: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
            "pending_dispatch": [],
            "triage": [],
            "dispatched": [],
            "return_requested": [("lead", "request_return", {"reason": "不属于本单位职责"})],
            "in_progress": [("lead", "sign", {})],
            "extension_requested": [
                ("lead", "sign", {}),
                ("lead", "request_extension", {"days": 2, "reason": "需协调"}),
            ],
            "replied": [
                ("lead", "sign", {}),
                ("assist", "submit_assist", {"text": "已配合"}),
                ("lead", "reply", REPLY),
            ],
        }
        unsatisfied = ("callback", "record_callback", {"resolved": False, "satisfaction": "unsatisfied",
                                                        "reasonable": False})  # fmt: skip
        asked = ("lead", "request_exemption", {"reason": "已尽责", "evidence": "沟通记录"})
        steps["referred"] = [*steps["in_progress"], ("lead", "refer_up", {"reason": "需市政府协调", "to": "tj-gov"})]
        handed = ("referred", "coordinate", {"hand_down_to": "tj-heping-wudadao", "note": "交五大道街道具体办理"})
        steps["handed_down"] = [*steps["referred"], handed]
        steps["closed_unsatisfied"] = [*steps["replied"], unsatisfied]
        steps["exemption_requested"] = [*steps["closed_unsatisfied"], asked]
        for who, action, body in steps[state]:
            self.must(tid, who, action, **body)
        return tid


@pytest.fixture
def office(city):
    return Office(city("tianjin", at=cst(2026, 11, 2, 10)))


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_every_role_and_unit_may_take_only_its_own_actions(office, action):
    """R-SEC-2: each action × each role, the lead, the assisting unit and another unit."""
    state, body, allowed = MATRIX[action]
    tid = office.order(state)
    before = call("GET", f"/tickets/{tid}", claims=staff("reviewer"))[1]
    for who in (a for a in ACTORS if a not in allowed):
        status, out = office.act(tid, who, action, body)
        assert (status, out["error"]["code"]) == (403, "forbidden"), (action, who, out)
    assert call("GET", f"/tickets/{tid}", claims=staff("reviewer"))[1] == before  # refusals wrote nothing
    for who in sorted(allowed):
        status, out = office.act(office.order(state), who, action, body)
        assert status not in (401, 403), (action, who, out)
    assert call("POST", f"/tickets/{tid}/actions", {"action": action, **body})[0] == 401  # a channel, no token


def test_reads_follow_the_same_lines(office):
    """R-SEC-2: a unit reads its own orders, inbox and figures; callers' records are the center's
    (callback agents excepted); lifting a suspension is the supervisor's alone."""
    tid = office.order("in_progress")
    for who in ACTORS:
        status, _ = call("GET", f"/tickets/{tid}", claims=office.claims(who))
        assert (status == 403) is (who in ("handling", "referred", "other")), who
    handed = office.order("handed_down")  # R-UNIT-1: the handling unit and the unit referred to read it
    for who in ACTORS:
        status, _ = call("GET", f"/tickets/{handed}", claims=office.claims(who))
        assert (status == 403) is (who == "other"), who
    for who, part in (("lead", "lead"), ("assist", "assist"), ("handling", "handling")):
        unit = office.claims(who)["custom:unit_id"]
        status, page = call("GET", f"/units/{unit}/tickets", claims=office.claims(who), query={"role": part})
        assert status == 200 and handed in [t["ticket_id"] for t in page["tickets"]], (who, page)
    for who, unit, want in (("lead", "tj-water", 200), ("other", "tj-water", 403), ("dispatcher", "tj-water", 200)):
        assert call("GET", f"/units/{unit}/tickets", claims=office.claims(who))[0] == want, who
        assert call("GET", "/stats/kpi", claims=office.claims(who), query={"unit_id": unit})[0] == want, who
    caller = call("GET", f"/tickets/{tid}", claims=staff("dispatcher"))[1]["caller_id"]
    for who in ACTORS:
        status, _ = call("GET", f"/callers/{caller}", claims=office.claims(who))
        assert (status == 403) is (who in ("callback", *UNITS)), who
        status, _ = call("POST", f"/callers/{caller}/reinstate", {"note": "核实后恢复"}, claims=office.claims(who))
        assert (status == 403) is (who != "supervisor"), who


def test_each_center_role_reads_its_own_queues_and_units_none(office):
    """R-DESK-1: dispatchers triage/dispatch/returns, reviewers returns…exemptions, callback agents
    callbacks/unsatisfied, supervisors all; the ledger is the center's; units read no queue."""
    readers = {"triage": {"dispatcher"}, "dispatch": {"dispatcher"}, "returns": {"dispatcher", "reviewer"},
               "extensions": {"reviewer"}, "callbacks": {"callback"}, "overdue": set()}  # fmt: skip
    for who in ACTORS:
        assert call("GET", "/queues", claims=office.claims(who))[0] == (200 if who in CENTER else 403), who
        assert call("GET", "/backlog", claims=office.claims(who))[0] == (200 if who in CENTER else 403), who
        for queue, may in readers.items():
            status = call("GET", f"/queues/{queue}", claims=office.claims(who))[0]
            assert status == (200 if who in may | {"supervisor"} else 403), (who, queue)
