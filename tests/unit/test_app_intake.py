"""The filing use case on in-memory ports (issue 16): no moto, no handler, the same rules."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.app import intake
from hotline.config.schema import Channel
from hotline.domain.errors import BadInput, DomainError, Forbidden
from hotline.domain.filing import Filing
from tests.conftest import cst
from tests.fakes import FakeDeps

PHONE = "13800138000"


def filing(deps: FakeDeps, content: str, **over: Any) -> dict[str, Any]:
    body = {"type": "help", "category": "property", "content": content, "citizen": {"name": "张三", "phone": PHONE},
            "location": {"district": deps.config.districts[0].code}}  # fmt: skip
    return body | over


def file(deps: FakeDeps, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    return intake.file(deps, intake.FileRequest(Channel.phone, body, Filing.parse(body), key))


@pytest.fixture
def deps() -> FakeDeps:
    return FakeDeps("tianjin", cst(2026, 11, 2, 10))


def test_a_filing_becomes_a_dispatched_order_with_its_contact_sealed(deps):
    out = file(deps, filing(deps, "小区楼道灯坏了一个月没人修"))
    assert out["outcome"] == "accepted" and out["tickets"][0]["status"] == "dispatched"
    ticket = deps.tickets.get(out["tickets"][0]["ticket_id"])
    assert PHONE not in ticket.model_dump_json() and out["query_code"] not in ticket.model_dump_json()
    assert deps.vault.open(ticket.request_id, str(ticket.citizen_sealed))["phone"] == PHONE
    assert [e.action for e in deps.tickets.events(ticket.ticket_id)] == ["accept", "dispatch"]
    assert intake.progress(deps, out["request_id"], out["query_code"])["tickets"][0]["status"] == "dispatched"


def test_the_same_matter_again_is_a_duplicate_that_counts_on_the_original(deps):
    first = file(deps, filing(deps, "小区楼道灯坏了一个月没人修"))
    deps.clock.at += timedelta(days=2)
    again = file(deps, filing(deps, "小区楼道灯坏了一个月了没人修"))
    original = first["tickets"][0]["ticket_id"]
    assert (again["outcome"], again["duplicate_of"], again["original"]["status"]) == (
        "duplicate",
        original,
        "dispatched",
    )
    assert "note_repeat" in [e.action for e in deps.tickets.events(original)]


CALL_TAKER_REFUSES = {"outcome": "not_accepted", "reason": "not_government"}


def test_a_flooding_caller_the_call_taker_refuses_is_warned_then_suspended(deps):
    """R-INT-8 with R-TRI-6: refusals a person made count toward suspension."""
    answers = []
    for i in range(5):
        deps.clock.at = cst(2026, 11, 2, 10) + timedelta(minutes=i)
        answers.append(file(deps, filing(deps, "帮我点个外卖送到家", disposition=CALL_TAKER_REFUSES)))
    assert [a.get("warning") is not None for a in answers] == [False, False, True, False, True]
    assert "暂停受理" in answers[-1]["warning"]
    with pytest.raises(DomainError) as refused:
        file(deps, filing(deps, "小区路灯坏了"))
    assert (refused.value.status, refused.value.code) == (403, "caller_suspended")


def test_refusals_the_machine_made_alone_never_count_toward_suspension(deps):
    """R-TRI-6: a machine's refusal may be wrong; only a person's counts."""
    for i in range(6):
        deps.clock.at = cst(2026, 11, 2, 10) + timedelta(minutes=i)
        out = file(deps, filing(deps, "帮我推荐几家好吃的餐厅"))
        assert out["outcome"] == "not_accepted" and "warning" not in out
    assert deps.callers.records == {}
    assert file(deps, filing(deps, "小区路灯坏了"))["outcome"] == "accepted"


def test_a_strike_that_loses_to_a_concurrent_filing_counts_again(deps, monkeypatch):
    """The strike's read-decide-write is retried on Conflict (reread_on_conflict), never lost."""
    real_save, lost = deps.callers.save, []

    def first_loses(record):
        if not lost:
            lost.append(record)
            real_save(record.model_copy(update={"version": record.version}))  # another filing wrote first
        return real_save(record)

    monkeypatch.setattr(deps.callers, "save", first_loses)
    file(deps, filing(deps, "帮我点个外卖送到家", disposition=CALL_TAKER_REFUSES))
    (record,) = deps.callers.records.values()
    assert len(record.strikes) == 2 and lost  # the other filing's strike and this one's


def test_a_retry_with_the_same_idempotency_key_answers_the_same_and_writes_nothing(deps):
    body = filing(deps, "小区楼道灯坏了一个月没人修")
    first = file(deps, body, key="retry-key-0001")
    writes = deps.tickets.writes
    assert file(deps, body, key="retry-key-0001") == first and deps.tickets.writes == writes
    with pytest.raises(BadInput) as reused:
        file(deps, filing(deps, "另一件事：路灯不亮"), key="retry-key-0001")
    assert reused.value.code == "idempotency_key_reused"
    with pytest.raises(BadInput):
        file(deps, body, key="bad key")


def test_the_api_key_must_be_one_of_the_citys_channels(deps):
    assert intake.channel_of(deps, "key-phone") is Channel.phone
    body = filing(deps, "小区楼道灯坏了", channel="app")
    with pytest.raises(Forbidden):
        file(deps, body)


def test_kb_search_counts_a_hit_or_a_miss(deps):
    assert intake.search(deps, "公积金怎么提取")
    assert intake.search(deps, "xyzzy qwerty") == []
    assert len(deps.knowledge_stats.hits) == 1 and deps.knowledge_stats.misses == ["xyzzy qwerty"]
    with pytest.raises(BadInput):
        intake.search(deps, "  ")
