"""The center corrects an order (R-DESK-3): category, legal limit, routing; deadlines follow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.app import actions, intake
from hotline.config.schema import Channel
from hotline.domain.errors import DomainError, Forbidden, IllegalTransition
from hotline.domain.filing import Filing
from tests.conftest import cst
from tests.fakes import FakeDeps
from tests.unit.factories import DISPATCHER, REVIEWER, unit

PHONES = iter(range(13900139000, 13900140000))


def file(deps: FakeDeps, content: str, category: str, **over: Any) -> str:
    body = {"type": "complaint", "category": category, "content": content, "citizen": {"phone": str(next(PHONES))},
            "location": {"district": deps.config.districts[0].code}} | over  # fmt: skip
    out = intake.file(deps, intake.FileRequest(Channel.phone, body, Filing.parse(body)))
    return str(out["tickets"][0]["ticket_id"])


def test_an_uncategorised_water_outage_corrected_to_water_runs_on_the_7x24_clock():
    """Baoding: water is always-on; the reply deadline moves from working days to natural hours."""
    deps = FakeDeps("baoding", cst(2026, 11, 6, 16))  # a Friday afternoon
    tid = file(deps, "我们小区停水两天了", "other")
    order = deps.tickets.get(tid)
    if order.status.value == "pending_dispatch":
        lead = next(u.id for u in deps.config.units if u.kind == "department")
        actions.act(deps, DISPATCHER, tid, {"action": "dispatch", "lead_unit": lead})
    before = deps.tickets.get(tid)
    view = actions.act(deps, DISPATCHER, tid, {"action": "reclassify", "category": "water", "reason": "实为供水问题"})
    after = deps.tickets.get(tid)
    assert after.category == "water" and after.limit is not None and after.limit.hours is not None
    assert after.deadlines.reply_by != before.deadlines.reply_by
    assert after.deadline_version > before.deadline_version  # the timers follow (R-TMR-4)
    event = view["events"][-1]
    assert event["action"] == "reclassify" and event["detail"]["changed"]["category"] == {
        "from": "other",
        "to": "water",
    }


def test_a_stated_legal_limit_with_its_basis_sets_the_reply_deadline():
    """Tianjin Art.19: a limit the law sets wins; the basis is kept on the order."""
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid = file(deps, "小区楼道灯坏了一个月没人修", "property")
    limit = {"working_days": 3, "basis": "《天津市物业管理条例》第三十条"}
    actions.act(deps, REVIEWER, tid, {"action": "reclassify", "legal_limit": limit})
    t = deps.tickets.get(tid)
    assert t.legal_limit is not None and t.legal_limit.working_days == 3 and t.legal_basis == limit["basis"]
    assert t.dispatched_at is not None and t.deadlines.reply_by == deps.lifecycle.policy.add(
        t.dispatched_at, t.legal_limit
    )


@pytest.mark.parametrize(
    "body",
    [
        {"action": "reclassify"},
        {"action": "reclassify", "category": "nothing"},
        {"action": "reclassify", "legal_limit": {"working_days": 3}},
        {"action": "reclassify", "legal_limit": {"working_days": 3, "hours": 5, "basis": "某某条例第一条"}},
        {"action": "reclassify", "location": {"district": "nowhere"}},
    ],
)
def test_a_bad_correction_is_422_and_writes_nothing(body):
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid = file(deps, "小区楼道灯坏了一个月没人修", "property")
    writes = deps.tickets.writes
    with pytest.raises(DomainError) as refused:
        actions.act(deps, DISPATCHER, tid, dict(body))
    assert refused.value.status == 422 and deps.tickets.writes == writes


def test_a_unit_cannot_correct_its_order():
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid = file(deps, "小区楼道灯坏了一个月没人修", "property")
    with pytest.raises(Forbidden):
        actions.act(
            deps, unit(str(deps.tickets.get(tid).lead_unit)), tid, {"action": "reclassify", "urgency": "urgent"}
        )


def test_an_unsigned_order_is_redispatched_with_a_fresh_clock_and_a_signed_one_is_not():
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid = file(deps, "小区楼道灯坏了一个月没人修", "property")
    first = str(deps.tickets.get(tid).lead_unit)
    other = next(u.id for u in deps.config.units if u.kind == "department" and u.id != first)
    deps.clock.at += timedelta(minutes=20)
    view = actions.act(deps, DISPATCHER, tid, {"action": "redispatch", "lead_unit": other, "reason": "属另一部门职责"})
    assert view["lead_unit"] == other and view["events"][-1]["detail"]["from"] == first
    assert deps.tickets.get(tid).dispatched_at == deps.now()
    actions.act(deps, unit(other), tid, {"action": "sign"})
    with pytest.raises(IllegalTransition) as signed:  # signed: the unit returns it instead (R-DSP-5)
        actions.act(deps, DISPATCHER, tid, {"action": "redispatch", "lead_unit": first, "reason": "再改回去"})
    assert signed.value.status == 409 and "待签收" in signed.value.message


def replied_order(deps: FakeDeps) -> tuple[str, str]:
    tid = file(deps, "小区楼道灯坏了一个月没人修", "property")
    lead = str(deps.tickets.get(tid).lead_unit)
    actions.act(deps, unit(lead), tid, {"action": "sign"})
    reply = {"action": "reply", "handled_at": deps.now().isoformat(), "process": "到现场更换了三楼的灯泡",
             "result": "已修复", "citizen_contacted": True}  # fmt: skip
    actions.act(deps, unit(lead), tid, reply)
    return tid, lead


@pytest.mark.parametrize("process", ["已处理。", " 处理完毕！", "正在处理。", "按规定处理"])
def test_a_reply_that_only_says_it_was_handled_is_refused(process):
    """Tianjin Art.24(3): the process says what was done; a formula is no reply (422, nothing written)."""
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid = file(deps, "小区楼道灯坏了一个月没人修", "property")
    lead = str(deps.tickets.get(tid).lead_unit)
    actions.act(deps, unit(lead), tid, {"action": "sign"})
    writes = deps.tickets.writes
    body = {"action": "reply", "handled_at": deps.now().isoformat(), "process": process, "result": "已修复",
            "citizen_contacted": True}  # fmt: skip
    with pytest.raises(DomainError) as refused:
        actions.act(deps, unit(lead), tid, body)
    assert (refused.value.status, refused.value.code) == (422, "incomplete_reply") and deps.tickets.writes == writes


def test_the_reviewer_sends_a_reply_back_before_the_callback_on_its_old_deadline():
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid, _ = replied_order(deps)
    due = deps.tickets.get(tid).reply.due
    with pytest.raises(Forbidden):
        actions.act(deps, DISPATCHER, tid, {"action": "return_reply", "reason": "未说明更换范围"})
    view = actions.act(deps, REVIEWER, tid, {"action": "return_reply", "reason": "未说明是否全部楼层已修复"})
    t = deps.tickets.get(tid)
    assert view["status"] == "in_progress" and t.reply is None and t.deadlines.reply_by == due
    assert t.deadlines.callback_by is None
    assert view["events"][-1]["detail"]["returned"]["result"] == "已修复"


def test_a_rated_reply_is_not_sent_back():
    from tests.unit.factories import CITIZEN

    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    tid, _ = replied_order(deps)
    rating = {"resolved": False, "satisfaction": "unsatisfied", "comment": "没修好"}
    deps.tickets.save(deps.lifecycle.apply(deps.tickets.get(tid), "rate", CITIZEN, rating, deps.now()))
    with pytest.raises(DomainError) as refused:
        actions.act(deps, REVIEWER, tid, {"action": "return_reply", "reason": "答复不实"})
    assert refused.value.code == "already_rated"
