"""A person decides what the machine is not sure of (R-TRI-2..6), as use cases on in-memory ports."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from hotline.app import actions, intake
from hotline.config.schema import Channel
from hotline.domain.errors import BadInput, Conflict, DomainError, Forbidden, IllegalTransition, NotFound
from hotline.domain.filing import Filing
from hotline.domain.models import Actor, Role
from hotline.domain.notices import center_notices, citizen_notices
from tests.conftest import cst
from tests.fakes import FakeDeps
from tests.unit.factories import unit

DISPATCHER = Actor(role=Role.dispatcher, id="d-01")
PHONE = "13800138000"
HELD_TEXT = "我要告他们"  # a hint of a legal route, nothing clear: a person looks at it


def body(deps: FakeDeps, content: str, **over: Any) -> dict[str, Any]:
    where = {"district": deps.config.districts[0].code}
    return {"type": "complaint", "category": "property", "content": content, "citizen": {"phone": PHONE},
            "location": where} | over  # fmt: skip


def file(deps: FakeDeps, b: dict[str, Any], channel: Channel = Channel.phone) -> dict[str, Any]:
    return intake.file(deps, intake.FileRequest(channel, b, Filing.parse(b)))


@pytest.fixture
def deps() -> FakeDeps:
    return FakeDeps("tianjin", cst(2026, 11, 2, 10))


@pytest.fixture
def held(deps) -> str:
    out = file(deps, body(deps, HELD_TEXT))
    assert out["outcome"] == "accepted" and out["held_for_review"] is True
    (ticket,) = out["tickets"]
    assert ticket["status"] == "triage"
    return str(ticket["ticket_id"])


def test_a_held_request_waits_in_triage_with_the_machines_suggestion_and_the_citizen_is_told(deps, held):
    """R-TRI-2: the order carries `triage {suggested, evidence}`; the citizen hears it is being
    reviewed; the dispatcher's queue clock runs."""
    ticket = deps.tickets.get(held)
    assert ticket.triage is not None
    assert ticket.triage["suggested"] == {"outcome": "not_accepted", "reason": "legal_procedure"}
    assert ticket.triage["evidence"][0]["strength"] == "hint"
    assert ticket.deadlines.queue_by is not None
    (event,) = deps.tickets.events(held)
    assert event.action == "hold"
    sms = citizen_notices(deps.config, ticket, event)
    assert [n.kind for n in sms] == ["held"] and "核实" in sms[0].text
    center = center_notices(deps.config, ticket, event)
    assert [n.role for n in center] == ["dispatcher"] and HELD_TEXT in center[0].text


def test_the_dispatcher_accepts_a_held_request_and_routing_follows(deps, held):
    view = actions.act(deps, DISPATCHER, held, {"action": "accept", "note": "投诉售假，属市场监管"})
    assert view["status"] == "dispatched"  # the city's rule routed it at once
    assert [e["action"] for e in view["events"]] == ["hold", "accept", "dispatch"]
    assert deps.tickets.get(held).decided_by == "dispatcher"


def test_the_dispatchers_refusal_is_recorded_as_theirs_tells_the_citizen_and_counts_a_strike(deps, held):
    """R-TRI-2 and R-TRI-6: a refusal a person confirmed counts toward the caller's suspension."""
    view = actions.act(deps, DISPATCHER, held, {"action": "refuse", "reason": "unlawful"})
    assert view["status"] == "not_accepted"
    ticket = deps.tickets.get(held)
    assert ticket.decided_by == "dispatcher" and ticket.guidance == deps.config.guidance.unlawful
    event = deps.tickets.events(held)[-1]
    assert event.actor == DISPATCHER and event.detail["outcome"] == "reviewed"
    sms = citizen_notices(deps.config, ticket, event)
    assert [n.kind for n in sms] == ["refused"] and deps.config.guidance.unlawful[:20] in sms[0].text
    (record,) = deps.callers.records.values()
    assert len(record.strikes) == 1


def test_the_dispatcher_transfers_a_held_request_to_a_desk(deps, held):
    view = actions.act(deps, DISPATCHER, held, {"action": "transfer", "desk": "110"})
    assert view["status"] == "transferred"
    sms = citizen_notices(deps.config, deps.tickets.get(held), deps.tickets.events(held)[-1])
    assert [n.kind for n in sms] == ["transferred"] and "110" in sms[0].text


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"action": "refuse", "reason": "rude"}, 422),  # not a ground
        ({"action": "transfer", "desk": "911"}, 422),  # not a desk
        ({"action": "transfer"}, 422),
    ],
)
def test_a_bad_triage_decision_is_refused_and_writes_nothing(deps, held, payload, code):
    writes = deps.tickets.writes
    with pytest.raises(DomainError) as refused:
        actions.act(deps, DISPATCHER, held, payload)
    assert refused.value.status == code and deps.tickets.writes == writes


def test_a_ground_the_machine_may_not_use_alone_is_still_a_persons_to_use():
    """Baoding Art.16(4): the machine holds a non-government matter; the dispatcher may refuse it."""
    deps = FakeDeps("baoding", cst(2026, 11, 2, 10))
    out = file(deps, body(deps, "帮我推荐几家好吃的餐厅"))
    tid = out["tickets"][0]["ticket_id"]
    assert out["tickets"][0]["status"] == "triage"
    assert actions.act(deps, DISPATCHER, tid, {"action": "refuse", "reason": "not_government"})["status"] == (
        "not_accepted"
    )


def test_a_ground_the_citys_regulation_does_not_name_cannot_refuse(deps, held):
    """R-INT-4: only the grounds in `intake.refusals`; a city without one refuses 422, naming its own."""
    from hotline.domain.lifecycle import Lifecycle

    config = deps.config
    fewer = [g for g in config.intake.refusals if g.reason != "unlawful"]
    city = config.model_copy(update={"intake": config.intake.model_copy(update={"refusals": fewer})})
    with pytest.raises(BadInput) as refused:
        Lifecycle(city).apply(deps.tickets.get(held), "refuse", DISPATCHER, {"reason": "unlawful"}, deps.now())
    assert refused.value.code == "unknown_reason" and "应通过法定途径解决" in refused.value.message


def test_a_decision_on_an_order_not_in_triage_is_a_409_and_a_unit_may_not_decide(deps, held):
    order = file(deps, body(deps, "小区楼道灯坏了一个月没人修"))["tickets"][0]["ticket_id"]
    with pytest.raises(IllegalTransition) as late:
        actions.act(deps, DISPATCHER, order, {"action": "refuse", "reason": "unlawful"})
    assert late.value.status == 409 and "待研判" in late.value.message
    with pytest.raises(Forbidden):
        actions.act(deps, unit("tj-gongan"), held, {"action": "accept"})


def test_the_call_takers_disposition_wins_and_is_recorded_as_theirs(deps):
    """R-TRI-3: a staffed channel's decision is the outcome, the event's actor is the channel."""
    danger_words = "厨房煤气味特别大"  # the machine would transfer it
    out = file(deps, body(deps, danger_words, disposition={"outcome": "accepted"}))
    tid = out["tickets"][0]["ticket_id"]
    assert out["outcome"] == "accepted" and out["decided_by"] == "call_taker"
    first = deps.tickets.events(tid)[0]
    assert first.action == "accept" and first.actor == Actor(role=Role.channel, id="phone")
    refused = file(deps, body(deps, "小区楼道灯坏了", disposition={"outcome": "not_accepted", "reason": "unlawful",
                                                                 "guidance": "请遵守相关规定"}))  # fmt: skip
    assert (refused["outcome"], refused["reason"], refused["guidance"]) == (
        "not_accepted",
        "unlawful",
        "请遵守相关规定",
    )
    answered = file(
        deps, body(deps, "公积金怎么提", disposition={"outcome": "answered", "guidance": "携身份证到中心办理"})
    )
    assert answered["outcome"] == "answered" and answered["answer"] == "携身份证到中心办理"


def test_a_disposition_from_an_unstaffed_channel_is_403_and_writes_nothing(deps):
    writes = deps.tickets.writes
    with pytest.raises(Forbidden) as refused:
        file(deps, body(deps, "小区楼道灯坏了", disposition={"outcome": "accepted"}), channel=Channel.app)
    assert refused.value.code == "not_staffed" and deps.tickets.writes == writes


@pytest.mark.parametrize(
    "disposition",
    [
        {"outcome": "closed"},
        {"outcome": "transferred"},
        {"outcome": "transferred", "desk": "911"},
        {"outcome": "not_accepted"},
        {"outcome": "not_accepted", "reason": "emergency"},
        {"outcome": "accepted", "desk": "110"},
        {"outcome": "answered"},
    ],
)
def test_an_incomplete_or_unknown_disposition_is_bad_input(deps, disposition):
    with pytest.raises(ValidationError):
        Filing.parse(body(deps, "小区楼道灯坏了", disposition=disposition))


def test_each_matter_is_sorted_on_its_own_and_the_answer_says_what_happened_to_each(deps):
    """R-TRI-4: one refused matter does not refuse the others; a danger makes the request's outcome."""
    matters = [
        {"content": "帮我算算下期双色球开什么号"},
        {"content": "小区楼道灯坏了一个月没人修", "category": "property"},
        {"content": "楼下饭店后厨着火了，火很大"},
    ]
    out = file(deps, body(deps, "三件事", matters=matters))
    assert out["outcome"] == "transferred" and out["transferred_to"] == "119"
    assert [m["outcome"] for m in out["matters"]] == ["not_accepted", "accepted", "transferred"]
    assert [t["status"] for t in out["tickets"]] == ["not_accepted", "dispatched", "transferred"]
    progress = intake.progress(deps, out["request_id"], out["query_code"])
    assert [t["status"] for t in progress["tickets"]] == ["not_accepted", "dispatched", "transferred"]


def test_an_answer_the_citizen_refuses_becomes_an_order_once(deps):
    """R-TRI-5: `escalate` with the query code turns an instant answer into an order, once."""
    b = body(deps, "公积金怎么提取", type="consultation", category=None)
    out = file(deps, b)
    assert out["outcome"] == "answered" and out["score"] >= deps.config.intake.knowledge.answer_min
    with pytest.raises(NotFound):
        intake.escalate(deps, out["request_id"], "wrong-code", {})
    turned = intake.escalate(deps, out["request_id"], out["query_code"], {"reason": "答复没有说清楼龄限制"})
    assert turned["outcome"] == "accepted" and turned["tickets"][0]["status"] in {"pending_dispatch", "dispatched"}
    tid = turned["tickets"][0]["ticket_id"]
    assert [e.action for e in deps.tickets.events(tid)][:2] == ["answer", "escalate_to_order"]
    assert deps.tickets.get(tid).expires_at is None
    with pytest.raises(Conflict) as twice:
        intake.escalate(deps, out["request_id"], out["query_code"], {})
    assert twice.value.status == 409
    assert deps.knowledge_stats.misses == ["公积金怎么提取"]
    assert deps.knowledge_stats.unhelpfuls == [out["kb_entry"]]  # R-KB-4: the entry hears it did not help


def test_an_order_cannot_be_escalated(deps):
    out = file(deps, body(deps, "小区楼道灯坏了一个月没人修"))
    with pytest.raises(Conflict):
        intake.escalate(deps, out["request_id"], out["query_code"], {})
    answered = file(deps, body(deps, "公积金怎么提取", type="consultation", category=None))
    with pytest.raises(BadInput):
        intake.escalate(deps, answered["request_id"], answered["query_code"], {"reason": 5})
    assert deps.tickets.get(answered["tickets"][0]["ticket_id"]).status == "answered"


def test_a_matter_outside_government_is_handed_to_the_citys_body_with_the_citizens_consent():
    """R-DESK-5, Baoding Art.16(4): suggested by its words, handed on by the dispatcher only with
    consent; the outcome is `transferred` naming the body, and the citizen is told where it went."""
    deps = FakeDeps("baoding", cst(2026, 11, 2, 10))
    out = file(deps, body(deps, "朋友借了我五千块钱一直不还，你们帮我要回来"))
    tid = out["tickets"][0]["ticket_id"]
    assert out["tickets"][0]["status"] == "triage"
    assert out["triage"]["suggested"] == {
        "outcome": "not_accepted",
        "reason": "not_government",
        "hand_off": "mediation",
    }
    for bad, code in (
        ({"body": "mediation", "consent": False}, "no_consent"),
        ({"body": "court", "consent": True}, "unknown_body"),
    ):
        with pytest.raises(BadInput) as refused:
            actions.act(deps, DISPATCHER, tid, {"action": "hand_off", **bad})
        assert refused.value.code == code
    view = actions.act(deps, DISPATCHER, tid, {"action": "hand_off", "body": "mediation", "consent": True})
    ticket = deps.tickets.get(tid)
    assert view["status"] == "transferred" and ticket.transferred_to == "所在街道、社区的人民调解委员会"
    assert ticket.reason == "not_government" and ticket.decided_by == "dispatcher"
    sms = citizen_notices(deps.config, ticket, deps.tickets.events(tid)[-1])
    assert [n.kind for n in sms] == ["handed_off"] and "人民调解委员会" in sms[0].text
    progress = intake.progress(deps, out["request_id"], out["query_code"])["tickets"][0]
    assert progress["status"] == "transferred" and "人民调解委员会" in progress["guidance"]
