"""The living KB's rules (domain/kb.py) and what the search weighs (domain/knowledge.py), R-KB-2/4."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hotline.config.knowledge import KnowledgeEntry
from hotline.domain import kb
from hotline.domain.errors import BadInput, Conflict, Forbidden
from hotline.domain.knowledge import KnowledgeIndex, asks
from hotline.domain.models import Actor, Role

AT = datetime(2026, 11, 2, 2, tzinfo=UTC)
TODAY = date(2026, 11, 2)
UNIT = Actor(role=Role.unit, id="tj-jiaowei")
REVIEWER = Actor(role=Role.reviewer, id="reviewer-01")


def entry(i: str, question: str, answer: str, keywords: list[str]) -> KnowledgeEntry:
    return KnowledgeEntry(id=i, question=question, answer=answer, keywords=keywords, category="other", unit="u",
                          valid_until=date(2027, 12, 31), updated_at=date(2026, 9, 1))  # fmt: skip


INDEX = KnowledgeIndex([
    entry("heat", "供暖期是什么时候？", "本市供暖期为每年11月1日至次年3月31日。", ["供暖", "暖气"]),
    entry("licence", "个体工商户营业执照怎么办理？", "携带身份证和经营场所证明到政务服务中心申请登记。",
          ["营业执照", "个体户"]),
])  # fmt: skip


def test_the_form_of_a_question_alone_never_finds_an_entry():
    """Issue 23: 幼儿园报名什么时候开始 shares only 什么时候 with the heating season: no answer."""
    hits = INDEX.search("幼儿园报名什么时候开始", TODAY, minimum=0.0)
    assert all(h.entry.id != "heat" or h.score < 0.1 for h in hits)


def test_a_question_wanting_what_the_entry_never_speaks_of_scores_half():
    """R-KB-4: how to cancel a licence is not answered by how to get one."""
    apply = INDEX.search("个体户营业执照怎么办", TODAY, minimum=0.0, limit=1)[0]
    cancel = INDEX.search("个体户营业执照怎么注销", TODAY, minimum=0.0, limit=1)[0]
    assert "cancel" in asks("个体户营业执照怎么注销") and cancel.score <= apply.score / 2 + 0.01


def content(**over: object) -> kb.Content:
    base = {"question": "幼儿园报名什么时候开始？", "answer": "每年5月至6月，以区教育局通知为准。",
            "category": "education", "valid_until": date(2027, 8, 31)}  # fmt: skip
    return kb.Content.model_validate(base | over)


def test_a_proposal_answers_nothing_until_a_reviewer_approves_it():
    new = kb.propose_new("e-1", UNIT.id, content(), UNIT, "", AT)
    assert not new.answers_on(TODAY) and new.as_knowledge() is None
    with pytest.raises(Forbidden):
        kb.decide(new, UNIT, True, None, AT)
    approved, version = kb.decide(new, REVIEWER, True, None, AT)
    assert approved.answers_on(TODAY) and version.status == "approved" and approved.proposal is None
    with pytest.raises(Conflict):
        kb.decide(approved, REVIEWER, True, None, AT)


def test_a_rejection_needs_a_reason_and_keeps_the_approved_version():
    approved, _ = kb.decide(kb.propose_new("e-1", UNIT.id, content(), UNIT, "", AT), REVIEWER, True, None, AT)
    changed, _ = kb.propose_change(approved, content(answer="2027年起每年4月报名，以区教育局通知为准。"), UNIT, "", AT)
    with pytest.raises(BadInput):
        kb.decide(changed, REVIEWER, False, " ", AT)
    kept, version = kb.decide(changed, REVIEWER, False, "请注明学年", AT)
    assert kept.current == approved.current and kept.answers_on(TODAY) and version.reason == "请注明学年"


def test_another_unit_changes_nothing_and_a_superseded_entry_answers_no_more():
    approved, _ = kb.decide(kb.propose_new("e-1", UNIT.id, content(), UNIT, "", AT), REVIEWER, True, None, AT)
    with pytest.raises(Forbidden):
        kb.propose_change(approved, content(), Actor(role=Role.unit, id="tj-gongan"), "", AT)
    gone = kb.supersede(approved, UNIT, None, "招生政策调整", AT)
    assert gone.status == "superseded" and not gone.answers_on(TODAY) and gone.as_knowledge() is None


def test_a_stale_entry_reminds_its_owner_once_per_date():
    approved, _ = kb.decide(kb.propose_new("e-1", UNIT.id, content(valid_until=date(2026, 11, 10)), UNIT, "", AT),
                            REVIEWER, True, None, AT)  # fmt: skip
    assert kb.to_remind(approved, TODAY, timedelta(days=14))
    told = kb.reminded(approved, AT)
    assert not kb.to_remind(told, TODAY + timedelta(days=1), timedelta(days=14))
    renewed, _ = kb.decide(kb.propose_change(told, content(valid_until=date(2026, 11, 12)), UNIT, "", AT)[0],
                           REVIEWER, True, None, AT)  # fmt: skip
    assert kb.to_remind(renewed, TODAY, timedelta(days=14))  # a new date is a new reminder


def test_validity_is_at_most_three_years_and_never_past():
    from hotline.config.loader import city_config

    config = city_config("tianjin")
    with pytest.raises(BadInput):
        kb.check_content(content(valid_until=date(2026, 1, 1)), config, TODAY)
    with pytest.raises(BadInput):
        kb.check_content(content(valid_until=date(2030, 1, 1)), config, TODAY)
    kb.check_content(content(), config, TODAY)
