"""The living knowledge base on moto through the real handlers (SPEC §12.5, R-KB-4): units
propose, the reviewer decides, every container answers from what is approved without a deploy,
stale entries remind once, and each unit reads how its entries were used."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from hotline.adapters import runtime
from hotline.app import knowledge
from hotline.dal.kb import KnowledgeBase
from tests.conftest import cst
from tests.fakes import Recorder
from tests.integration.apigw import call, staff

EDU = "tj-jiaowei"
REVIEWER = staff("reviewer")
KINDERGARTEN = {
    "question": "幼儿园报名什么时候开始？",
    "answer": "本市公办幼儿园新生报名一般在每年5月至6月进行，具体时间以所在区教育局发布的招生通知为准，"
    "可通过“津心办”App或区教育局网站查询并在线报名。",
    "keywords": ["幼儿园", "入园", "报名", "招生"],
    "category": "education",
    "valid_until": "2027-08-31",
}


CALLERS = itertools.count(13800001000)


def ask(text: str) -> dict[str, Any]:
    """A consultation from a caller of its own (the same caller asking again is a repeat)."""
    body = {"type": "consultation", "content": text, "citizen": {"name": "钱七", "phone": str(next(CALLERS))}}
    status, out = call("POST", "/requests", body)
    assert status == 201, out
    return out


def propose(body: dict[str, Any] = KINDERGARTEN, unit: str = EDU) -> dict[str, Any]:
    status, out = call("POST", "/kb/entries", body, claims=staff("unit", unit))
    assert status == 201, out
    return out


def decide(entry_id: str, approve: bool, reason: str | None = None) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"action": "decide_kb", "approve": approve}
    if reason is not None:
        body["reason"] = reason
    return call("POST", f"/kb/entries/{entry_id}/actions", body, claims=REVIEWER)


@pytest.fixture
def svc(city):
    deps = city("tianjin", at=cst(2026, 11, 2, 10))
    deps.__dict__["notifier"] = Recorder()
    return deps


def other_container(svc: Any) -> Any:
    """A second Lambda container: its own wiring (its own cached index), the same store."""
    runtime.services.cache_clear()
    fresh = runtime.services()
    fresh.__dict__["notifier"] = svc.notifier
    return fresh


def test_the_city_seed_file_is_the_stores_first_load_once(svc):
    """The seed YAML is the initial load: 55 entries, approved, written once whoever is first."""
    status, listed = call("GET", "/kb/entries", claims=REVIEWER)
    assert status == 200 and len(listed["entries"]) == 55
    assert {e["status"] for e in listed["entries"]} == {"active"}
    assert KnowledgeBase().seed([]) is False  # the revision is there: nobody seeds again
    assert ask("公积金怎么提取")["outcome"] == "answered"


def test_a_load_cut_short_is_completed_without_overwriting_an_entry(svc):
    """R-KB-4: a container that died half-way through seeding leaves heads without the revision;
    the next one writes what is missing and never overwrites what is there."""
    from hotline.config.knowledge import load_knowledge
    from hotline.config.loader import CITIES_DIR
    from hotline.domain import kb

    at = svc.now()
    seed = [kb.seeded(e, at) for e in load_knowledge(CITIES_DIR / "kb" / "tianjin.yaml", svc.config)]
    store = KnowledgeBase()
    store._seed_chunk(seed[:10])  # the first chunk only, then the container died
    assert store.revision() is None
    assert store.seed(seed) is True
    revision, heads = store.heads()
    assert revision == 1 and len(heads) == 55 and all(h.version == 1 for h in heads)


def test_an_approved_entry_answers_at_once_in_another_container_without_a_deploy(svc):
    """R-KB-4 (issue 23.1): the unit proposes, nothing answers until the reviewer approves, then
    the next search in every container answers — here a container whose index was already warm."""
    warm = svc.knowledge
    assert ask("幼儿园报名什么时候开始")["outcome"] == "accepted"  # not the heating season (issue 23)
    entry = propose()
    assert entry["status"] == "proposed" and entry["answers"] is False
    assert ask("幼儿园报名什么时候开始")["outcome"] == "accepted"  # a proposal answers nothing
    status, decided = decide(entry["entry_id"], True)
    assert status == 200 and decided["status"] == "active" and decided["answers"] is True
    today = cst(2026, 11, 2).date()
    hits = warm.search("幼儿园报名什么时候开始", today, minimum=svc.config.intake.knowledge.answer_min)
    assert [h.entry.id for h in hits][:1] == [entry["entry_id"]]  # the other container, no deploy
    answered = ask("幼儿园报名什么时候开始")
    assert answered["outcome"] == "answered" and answered["kb_entry"] == entry["entry_id"]
    [notice] = [n for n in svc.notifier.units if n.kind == "kb_decided"]
    assert notice.unit_id == EDU and "审核通过" in notice.text


def test_a_change_answers_only_once_approved_and_a_rejection_keeps_the_approved_answer(svc):
    """R-KB-4: a PUT is a proposal; the approved version answers meanwhile; a rejection needs a
    reason the unit reads; every version stays in the entry's history."""
    entry = propose()
    decide(entry["entry_id"], True)
    eid = entry["entry_id"]
    new_answer = "2027年起本市公办幼儿园报名统一在每年4月通过“津心办”App进行，具体以区教育局通知为准。"
    status, changed = call("PUT", f"/kb/entries/{eid}", {"answer": new_answer, "note": "招生政策调整"},
                           claims=staff("unit", EDU))  # fmt: skip
    assert status == 200 and changed["proposal"]["content"]["answer"] == new_answer, changed
    assert changed["current"]["content"]["answer"] == KINDERGARTEN["answer"]
    assert ask("幼儿园报名什么时候开始")["answer"] == KINDERGARTEN["answer"]
    status, out = decide(eid, False)
    assert status == 422 and out["error"]["message"] == "退回修改须说明理由"
    status, out = decide(eid, False, "请注明适用的学年")
    assert status == 200 and out["proposal"] is None and out["status"] == "active"
    assert ask("幼儿园报名什么时候开始")["answer"] == KINDERGARTEN["answer"]
    rejected = [n for n in svc.notifier.units if n.kind == "kb_decided" and "未通过" in n.text]
    assert rejected and "请注明适用的学年" in rejected[0].text
    call("PUT", f"/kb/entries/{eid}", {"answer": new_answer}, claims=staff("unit", EDU))
    assert decide(eid, True)[0] == 200
    assert ask("幼儿园报名什么时候开始")["answer"] == new_answer
    status, one = call("GET", f"/kb/entries/{eid}", claims=staff("unit", EDU))
    assert [(v["n"], v["status"]) for v in one["history"]] == [(1, "approved"), (2, "rejected"), (3, "approved")]
    assert decide(eid, True)[0] == 409  # nothing waits for review


def test_only_the_owner_proposes_changes_and_only_a_reviewer_decides(svc):
    """R-KB-4, R-SEC-3: another unit can neither change nor read an entry; a unit cannot approve
    its own; a dispatcher does not write the KB; a unit's list is its own."""
    eid = propose()["entry_id"]
    assert (
        call("PUT", f"/kb/entries/{eid}", {"answer": "另一个单位的答复内容"}, claims=staff("unit", "tj-gongan"))[0]
        == 403
    )
    assert call("GET", f"/kb/entries/{eid}", claims=staff("unit", "tj-gongan"))[0] == 403
    status, out = call("POST", f"/kb/entries/{eid}/actions", {"action": "decide_kb", "approve": True},
                       claims=staff("unit", EDU))  # fmt: skip
    assert status == 403 and out["error"]["message"] == "知识条目由审核员审核"
    assert call("POST", "/kb/entries", KINDERGARTEN, claims=staff("dispatcher"))[0] == 403
    mine = call("GET", "/kb/entries", claims=staff("unit", EDU))[1]["entries"]
    assert mine and {e["unit"] for e in mine} == {EDU}
    assert call("GET", "/kb/entries", query={"unit_id": "tj-gongan"}, claims=staff("unit", EDU))[0] == 403
    queue = call("GET", "/kb/entries", query={"status": "proposed"}, claims=REVIEWER)[1]["entries"]
    assert [e["entry_id"] for e in queue] == [eid]


def test_bad_input_is_a_chinese_4xx_and_writes_nothing(svc):
    """Bad input gets a clear 4xx with a Chinese message, and the store is unchanged."""
    before = call("GET", "/kb/entries", claims=REVIEWER)[1]["entries"]
    cases = [
        KINDERGARTEN | {"valid_until": "2020-01-01"},
        KINDERGARTEN | {"valid_until": "2031-01-01"},
        KINDERGARTEN | {"category": "nonsense"},
        KINDERGARTEN | {"colour": "red"},
        {k: v for k, v in KINDERGARTEN.items() if k != "answer"},
        KINDERGARTEN | {"question": "问"},
    ]
    for body in cases:
        status, out = call("POST", "/kb/entries", body, claims=staff("unit", EDU))
        assert 400 <= status < 500 and any("\u4e00" <= c <= "\u9fff" for c in out["error"]["message"]), (body, out)
    assert call("POST", "/kb/entries", "{not json", claims=staff("unit", EDU))[0] == 400
    assert call("GET", "/kb/entries", query={"status": "lost"}, claims=REVIEWER)[0] == 422
    assert call("GET", "/kb/entries/nope-404", claims=REVIEWER)[0] == 404
    assert call("GET", "/kb/entries", claims=REVIEWER)[1]["entries"] == before


def test_a_superseded_entry_stops_answering_at_once(svc):
    """Issue 23.2: policy changed — the owner marks the entry superseded by a newer one; it answers
    no more, in every container, and names the entry that replaces it."""
    old = propose()["entry_id"]
    decide(old, True)
    new = propose(KINDERGARTEN | {"question": "2027年幼儿园招生政策有哪些变化？"})["entry_id"]
    decide(new, True)
    warm = svc.knowledge
    body = {"action": "supersede", "by": new, "reason": "招生政策调整"}
    status, out = call("POST", f"/kb/entries/{old}/actions", body, claims=staff("unit", EDU))
    assert status == 200 and out["status"] == "superseded" and out["superseded_by"] == new
    today = cst(2026, 11, 2).date()
    assert old not in {h.entry.id for h in warm.search("幼儿园报名什么时候开始", today, minimum=0.0, limit=55)}
    assert call("PUT", f"/kb/entries/{old}", {"answer": "再改一次的答复内容"}, claims=staff("unit", EDU))[0] == 422
    assert (
        call("POST", f"/kb/entries/{old}/actions", {"action": "supersede", "reason": "再次"}, claims=REVIEWER)[0] == 409
    )


def test_a_stale_entry_reminds_its_owner_once_and_waits_in_the_center_queue(svc):
    """Issue 23.2 (R-KB-1/3): the daily check tells the owner once, not every morning, of an entry
    that goes stale; once stale it answers no more and the center sees it in its queue."""
    eid = propose(KINDERGARTEN | {"valid_until": "2026-11-20"})["entry_id"]
    decide(eid, True)
    for day in (3, 4, 5):
        runtime.set_clock(cst(2026, 11, day, 8))
        knowledge.review(svc)
    told = [n for n in svc.notifier.units if eid in n.text or KINDERGARTEN["question"] in n.text]
    assert len(told) == 1 and told[0].unit_id == EDU
    runtime.set_clock(cst(2026, 11, 21, 8))
    knowledge.review(svc)
    queue = call("GET", "/kb/entries", query={"status": "stale"}, claims=REVIEWER)[1]["entries"]
    assert eid in [e["entry_id"] for e in queue]
    assert ask("幼儿园报名什么时候开始")["outcome"] == "accepted"  # stale answers never (R-KB-3)
    renewed = call("PUT", f"/kb/entries/{eid}", {"valid_until": "2027-08-31"}, claims=staff("unit", EDU))[1]
    assert renewed["stale"] is True  # still stale until the reviewer approves the new date
    decide(eid, True)
    assert ask("幼儿园报名什么时候开始")["outcome"] == "answered"


def test_a_unit_reads_its_entries_usage_and_the_questions_nothing_answered(svc):
    """Issue 23.3 (R-KB-3): hits and unhelpful answers per entry, and the unanswered questions
    that came nearest the unit's entries, clustered, for the period; a unit sees its own only."""
    eid = propose()["entry_id"]
    decide(eid, True)
    first = ask("幼儿园报名什么时候开始")
    ask("幼儿园什么时候开始报名")
    refused = call("POST", f"/requests/{first['request_id']}/escalate", {"reason": "没说清楚"},
                   query={"query_code": first["query_code"]})  # fmt: skip
    assert refused[0] in (200, 201), refused
    for text in ("幼儿园报名要交赞助费吗", "幼儿园报名要交赞助费吗？", "幼儿园报名要不要交赞助费"):
        assert ask(text)["outcome"] == "accepted"
    status, stats = call("GET", "/kb/stats", query={"unit_id": EDU, "period": "2026-11"}, claims=REVIEWER)
    assert status == 200, stats
    row = next(e for e in stats["entries"] if e["entry_id"] == eid)
    assert (row["hits"], row["unhelpful"]) == (2, 1)
    asked = stats["unanswered_questions"]
    assert asked and asked[0]["asked"] >= 3 and "赞助费" in asked[0]["question"], asked
    assert call("GET", "/kb/stats", query={"unit_id": EDU}, claims=staff("unit", "tj-gongan"))[0] == 403
    assert call("GET", "/kb/stats", query={"period": "2026-13x"}, claims=REVIEWER)[0] == 422
    own = call("GET", "/kb/stats", claims=staff("unit", "tj-gongan"))[1]
    assert all(e["unit"] == "tj-gongan" for e in own["entries"])
    assert not any("赞助费" in q["question"] for q in own["unanswered_questions"])


def test_each_unit_hears_its_months_usage_on_the_first(svc):
    """Issue 23.3 (Baoding Art.28: usage fed back): on the 1st each unit with entries is told."""
    eid = propose()["entry_id"]
    decide(eid, True)
    ask("幼儿园报名什么时候开始")
    runtime.set_clock(cst(2026, 12, 1, 8))
    out = knowledge.monthly(svc)
    assert out["period"] == "2026-11" and EDU in out["notified"]
    [notice] = [n for n in svc.notifier.units if n.kind == "kb_monthly" and n.unit_id == EDU]
    assert "共被使用 1 次" in notice.text and "2026-11" in notice.subject


def test_a_question_below_the_answer_bar_gets_an_order_with_the_entry_suggested(svc):
    """Issue 23.4 (R-KB-4): an entry that is near but below the calibrated bar is offered with the
    order, to the caller and on the order's record, and never given as the answer."""
    bars = svc.config.intake.knowledge
    question = "公积金提取需要什么材料"
    [near] = svc.knowledge.search(question, cst(2026, 11, 2).date(), minimum=0.0, limit=1)
    assert bars.suggest_min <= near.score < bars.answer_min  # the case this test is about
    out = ask(question)
    assert out["outcome"] == "accepted" and "answer" not in out, out
    assert out["suggestion"]["kb_entry"] == near.entry.id and out["suggestion"]["answer"] == near.entry.answer
    tid = out["tickets"][0]["ticket_id"]
    [accepted] = [e for e in svc.tickets.events(tid) if e.action == "accept"]
    assert accepted.detail["suggestion"] == {"kb_entry": near.entry.id, "question": near.entry.question,
                                             "score": near.score}  # fmt: skip


def test_an_unchanged_kb_costs_a_search_one_read_of_the_revision(svc, monkeypatch):
    """R-KB-4: with nothing approved since, a search reads the revision and not the heads."""
    today = cst(2026, 11, 2).date()
    svc.knowledge.search("公积金", today, minimum=0.1)
    calls: list[str] = []
    monkeypatch.setattr(KnowledgeBase, "heads", lambda self: calls.append("heads") or (None, []))
    svc.knowledge.search("公积金", today, minimum=0.1)
    assert calls == []
    eid = propose()["entry_id"]
    monkeypatch.undo()
    decide(eid, True)
    assert [h.entry.id for h in svc.knowledge.search("幼儿园报名什么时候开始", today, minimum=0.1)][:1] == [eid]
