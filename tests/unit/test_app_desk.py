"""The center's queues (R-DESK-1) and the notice of an order entering one (R-DESK-2), as use
cases on in-memory ports; the store's entries are tested on moto (tests/integration)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.app import actions, desk, intake
from hotline.config.schema import Channel
from hotline.domain import queues
from hotline.domain.errors import DomainError, Forbidden, NotFound
from hotline.domain.filing import Filing
from hotline.domain.models import Actor, Role
from hotline.domain.notices import center_notices
from tests.conftest import cst
from tests.fakes import FakeDeps
from tests.unit.factories import CALLBACK, CITIZEN, DISPATCHER, REVIEWER, SUPERVISOR, unit


def staff(role: Role) -> Actor:
    return Actor(role=role, id=f"{role.value}-01")


@pytest.fixture
def deps() -> FakeDeps:
    return FakeDeps("tianjin", cst(2026, 11, 2, 10))


PHONES = iter(range(13800138000, 13800139000))


def file(deps: FakeDeps, content: str, category: str | None = "property", **over: Any) -> str:
    body = {"type": "complaint", "content": content, "citizen": {"phone": str(next(PHONES))},
            "location": {"district": deps.config.districts[0].code}} | over  # fmt: skip
    if category:
        body["category"] = category
    out = intake.file(deps, intake.FileRequest(Channel.phone, body, Filing.parse(body)))
    return str(out["tickets"][0]["ticket_id"])


def names(deps: FakeDeps, actor: Actor) -> dict[str, int]:
    return {q["name"]: q["count"] for q in desk.overview(deps, actor)["queues"]}


def test_each_role_sees_its_own_queues_and_the_supervisor_sees_all():
    """R-DESK-1: dispatchers triage, dispatch, returns; reviewers returns … exemptions; callback
    agents callbacks, unsatisfied; supervisors every queue."""
    assert [q.name for q in queues.readable(Role.dispatcher)] == ["triage", "dispatch", "returns"]
    assert [q.name for q in queues.readable(Role.reviewer)] == [
        "returns", "extensions", "terminations", "backlogs", "exemptions"
    ]  # fmt: skip
    assert [q.name for q in queues.readable(Role.callback)] == ["callbacks", "unsatisfied"]
    assert len(queues.readable(Role.supervisor)) == 11


def test_a_held_and_an_unrouted_order_wait_in_the_dispatchers_queues_nearest_deadline_first(deps):
    held = file(deps, "我要告他们")
    deps.clock.at += timedelta(minutes=5)
    first = file(deps, "有件事想反映一下，不知道归谁管", category="other")
    deps.clock.at += timedelta(minutes=5)
    second = file(deps, "还有件事想反映一下，也不知道归谁管", category="other")
    assert names(deps, DISPATCHER) == {"triage": 1, "dispatch": 2, "returns": 0}
    page = desk.page(deps, DISPATCHER, "dispatch", None)
    assert [r["ticket_id"] for r in page["tickets"]] == [first, second] and page["next"] is None
    row = desk.page(deps, DISPATCHER, "triage", None)["tickets"][0]
    assert row["ticket_id"] == held and row["triage"]["suggested"]["reason"] == "legal_procedure"
    assert row["deadlines"]["queue_by"] and row["excerpt"] == "我要告他们"


def test_a_units_requests_enter_the_reviewers_queues_and_leave_them_when_decided(deps):
    tid = file(deps, "小区楼道灯坏了一个月没人修")
    lead = str(deps.tickets.get(tid).lead_unit)
    actions.act(deps, unit(lead), tid, {"action": "sign"})
    actions.act(deps, unit(lead), tid, {"action": "request_extension", "days": 3, "reason": "需要采购灯具配件"})
    assert names(deps, REVIEWER)["extensions"] == 1
    assert desk.page(deps, REVIEWER, "extensions", None)["tickets"][0]["pending"] == "extension"
    actions.act(deps, REVIEWER, tid, {"action": "decide_extension", "approve": True, "reason": "情况属实"})
    assert names(deps, REVIEWER)["extensions"] == 0


def test_an_order_entering_a_queue_tells_that_roles_topic_once(deps):
    """R-DESK-2: the event names the queue; the notice goes to the role while the order waits."""
    tid = file(deps, "小区楼道灯坏了一个月没人修")
    lead = str(deps.tickets.get(tid).lead_unit)
    actions.act(deps, unit(lead), tid, {"action": "request_return", "reason": "不属于本单位职责，应由供电部门处理"})
    ticket, event = deps.tickets.get(tid), deps.tickets.events(tid)[-1]
    assert event.detail["queues"] == ["returns"]
    (notice,) = center_notices(deps.config, ticket, event)
    assert notice.role == "reviewer" and "退单待审" in notice.text and tid in notice.text
    routed = deps.tickets.events(tid)[0]  # accept and dispatch in one write: it never waited
    assert center_notices(deps.config, ticket, routed) == []


def test_a_replied_order_waits_for_callback_and_an_unsatisfied_rating_for_review(deps):
    tid = file(deps, "小区楼道灯坏了一个月没人修")
    lead = str(deps.tickets.get(tid).lead_unit)
    actions.act(deps, unit(lead), tid, {"action": "sign"})
    reply = {"action": "reply", "handled_at": deps.now().isoformat(), "process": "到现场更换灯泡",
             "result": "已修复", "citizen_contacted": True}  # fmt: skip
    actions.act(deps, unit(lead), tid, reply)
    assert names(deps, CALLBACK) == {"callbacks": 1, "unsatisfied": 0}
    rating = {"resolved": False, "satisfaction": "unsatisfied", "comment": "灯还是不亮"}
    deps.tickets.save(deps.lifecycle.apply(deps.tickets.get(tid), "rate", CITIZEN, rating, deps.now()))
    assert names(deps, CALLBACK) == {"callbacks": 0, "unsatisfied": 1}
    review = {"action": "record_callback", "resolved": False, "satisfaction": "unsatisfied", "reasonable": True,
              "comment": "核实属实，退回重办"}  # fmt: skip
    assert actions.act(deps, CALLBACK, tid, review)["status"] == "rehandling"
    assert names(deps, CALLBACK) == {"callbacks": 0, "unsatisfied": 0}


def test_another_roles_queue_is_403_an_unknown_one_404_and_a_unit_has_none(deps):
    with pytest.raises(Forbidden) as refused:
        desk.page(deps, DISPATCHER, "extensions", None)
    assert "审核员" in refused.value.message
    with pytest.raises(NotFound):
        desk.page(deps, SUPERVISOR, "nothing", None)
    with pytest.raises(Forbidden):
        desk.overview(deps, unit("tj-heping"))
    assert set(names(deps, SUPERVISOR)) == {q.name for q in queues.QUEUES if q.listed}


def test_an_overdue_order_enters_the_overdue_queue(deps):
    tid = file(deps, "有件事想反映一下，不知道归谁管", category="other")
    ticket = deps.tickets.get(tid)
    assert ticket.deadlines.queue_by is not None
    fire = {"deadline": "queue", "deadline_version": ticket.deadline_version}
    step = deps.lifecycle.apply(ticket, "mark_overdue", Actor(role=Role.system, id="timers"), fire,
                                ticket.deadlines.queue_by + timedelta(minutes=1))  # fmt: skip
    deps.tickets.save(step)
    assert names(deps, staff(Role.supervisor))["overdue"] == 1


def test_a_backlog_waits_for_the_reviewer_then_stands_on_the_ledger_with_its_review_reminder():
    """R-DESK-4, Baoding Art.19(4): the unit asks with a plan; the reviewer decides; an approved
    backlog is on `GET /backlog` by its review date, and that date reminds the unit and the reviewer."""
    from hotline.domain.notices import notices_for
    from hotline.domain.timers import timers_for

    deps = FakeDeps("baoding", cst(2026, 11, 2, 10))
    tid = file(deps, "小区道路坑洼多年，需要整体改造", category="urban_management")
    lead = str(deps.tickets.get(tid).lead_unit)
    actions.act(deps, unit(lead), tid, {"action": "sign"})
    for weak in (
        {"plan": "测试", "review_on": "2027-03-01"},
        {"plan": "纳入明年老旧小区改造计划", "review_on": "2026-10-01"},
    ):
        with pytest.raises(DomainError) as refused:
            actions.act(deps, unit(lead), tid, {"action": "request_backlog", **weak})
        assert refused.value.status == 422
    asked = {"action": "request_backlog", "plan": "纳入明年老旧小区改造计划，分两批实施", "review_on": "2027-03-01"}
    actions.act(deps, unit(lead), tid, asked)
    assert names(deps, REVIEWER)["backlogs"] == 1 and deps.tickets.get(tid).deadlines.reply_by is not None
    actions.act(deps, REVIEWER, tid, {"action": "decide_backlog", "approve": True, "reason": "计划可行，按期复核"})
    t = deps.tickets.get(tid)
    assert t.status.value == "backlogged" and names(deps, REVIEWER)["backlogs"] == 0
    (row,) = desk.ledger(deps, REVIEWER, None)["tickets"]
    assert row["ticket_id"] == tid and row["queue"] == "ledger"
    (review,) = [x for x in timers_for(deps.lifecycle.policy, t) if x.fire["deadline"] == "review"]
    assert review.at == cst(2027, 3, 1, 9)
    fired = deps.lifecycle.apply(t, "remind", Actor(role=Role.system, id="timers"),
                                 {"deadline": "review", "deadline_version": t.deadline_version}, review.at)  # fmt: skip
    assert [n.unit_id for n in notices_for(deps.config, fired.after, fired.event)] == [lead]
    assert [n.role for n in center_notices(deps.config, fired.after, fired.event)] == ["reviewer"]


def test_a_rejected_backlog_leaves_the_order_on_its_deadlines():
    deps = FakeDeps("baoding", cst(2026, 11, 2, 10))
    tid = file(deps, "小区道路坑洼多年，需要整体改造", category="urban_management")
    lead = str(deps.tickets.get(tid).lead_unit)
    actions.act(deps, unit(lead), tid, {"action": "sign"})
    reply_by = deps.tickets.get(tid).deadlines.reply_by
    actions.act(
        deps,
        unit(lead),
        tid,
        {"action": "request_backlog", "plan": "纳入明年老旧小区改造计划", "review_on": "2027-03-01"},
    )
    with pytest.raises(Forbidden):
        actions.act(deps, DISPATCHER, tid, {"action": "decide_backlog", "approve": True, "reason": "同意"})
    actions.act(deps, REVIEWER, tid, {"action": "decide_backlog", "approve": False, "reason": "可在时限内修补"})
    t = deps.tickets.get(tid)
    assert t.status.value == "in_progress" and t.pending is None and t.deadlines.reply_by == reply_by
