"""The living knowledge base (R-KB-4): units propose, the reviewer decides, every container
answers from the approved entries at once, and each unit learns how its entries are used.

Freshness: each search first reads the store's revision (one GetItem, consistent) and rebuilds
the index only when it moved (one Query of the heads). So an approval answers on the very next
search in every container, and an unchanged KB costs one small read per search (`make bench`
measures both against the search itself). The city's seed file is the store's first load.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hotline.app.ports import Deps
from hotline.config.knowledge import KnowledgeEntry
from hotline.domain import kb
from hotline.domain.actions.payload import refusal
from hotline.domain.errors import BadInput, Conflict, Forbidden, NotFound
from hotline.domain.knowledge import Hit, KnowledgeIndex, cluster_questions
from hotline.domain.models import Actor, Role
from hotline.domain.notices import Notice, knowledge_notices
from hotline.observability import count, logger

REVIEW_AHEAD = timedelta(days=14)  # units hear two weeks before an answer stops being given
STATUSES = ("proposed", "active", "stale", "rejected", "superseded")


class LiveKnowledge:
    """The approved entries as a search index, at the store's revision (see the module's note)."""

    def __init__(self, store: Any, seed: Callable[[], list[KnowledgeEntry]], now: Callable[[], datetime]) -> None:
        self._store, self._seed, self._now = store, seed, now
        self._revision: int | None = None
        self._index = KnowledgeIndex([])
        self._heads: list[kb.Entry] = []

    def refresh(self) -> tuple[KnowledgeIndex, list[kb.Entry]]:
        revision = self._store.revision()
        if revision is None:  # never loaded: the seed file is the first load (once, whoever is first)
            at = self._now()
            if self._store.seed([kb.seeded(e, at) for e in self._seed()]):
                logger.info("knowledge base seeded", extra={"entries": len(self._seed())})
            revision = -1
        if revision != self._revision:
            revision, heads = self._store.heads()
            self._heads = heads
            self._index = KnowledgeIndex([k for h in heads if (k := h.as_knowledge()) is not None])
            self._revision = revision
            count("KnowledgeReloads")
        return self._index, self._heads

    def search(self, query: str, today: date, *, minimum: float, limit: int = 5) -> list[Hit]:
        return self.refresh()[0].search(query, today, minimum=minimum, limit=limit)


# -- the use cases ---------------------------------------------------------------------------


class NewEntry(kb.Content):
    """POST /kb/entries: the content, why, and (for a reviewer writing for a unit) whose."""

    note: str = Field(default="", max_length=2000)
    unit_id: str | None = Field(default=None, max_length=80)


class EntryChange(BaseModel):
    """PUT /kb/entries/{id}: only what changes; the rest stays as the entry has it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    question: str | None = None
    answer: str | None = None
    keywords: list[str] | None = None
    category: str | None = None
    valid_until: date | None = None
    note: str = Field(default="", max_length=2000)


class KbAction(BaseModel):
    """POST /kb/entries/{id}/actions: `decide_kb {approve, reason}` or `supersede {by, reason}`."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: Literal["decide_kb", "supersede"]
    approve: bool | None = None
    reason: str | None = Field(default=None, max_length=2000)
    by: str | None = Field(default=None, max_length=80)


M = TypeVar("M", bound=BaseModel)


def _parsed(model: type[M], body: Any) -> M:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise refusal(exc, "知识条目", "kb_entry") from None


CONTENT = ("question", "answer", "keywords", "category", "valid_until")


def view(entry: kb.Entry, today: date, versions: list[kb.Version] | None = None) -> dict[str, Any]:
    out = entry.model_dump(mode="json", exclude={"version"})
    out["stale"] = entry.stale_on(today)
    out["answers"] = entry.answers_on(today)
    if versions is not None:
        out["history"] = [v.model_dump(mode="json") for v in versions]
    return out


def _heads(deps: Deps) -> list[kb.Entry]:
    """Every entry as stored now, for the staff's reads and the routines: the search index only
    moves with what answers, and a proposal answers nothing, so a listing reads the store."""
    deps.knowledge.refresh()  # seeds a store never loaded
    return deps.kb.heads()[1]


def _today(deps: Deps) -> date:
    return deps.local(deps.now()).date()


def propose(deps: Deps, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """POST /kb/entries: a unit's new entry, for the center to review (Baoding Art.28)."""
    if actor.role not in (Role.unit, Role.reviewer):
        raise Forbidden("not_allowed", "知识条目由承办单位提供、审核员审核", "units and reviewers propose entries")
    asked = _parsed(NewEntry, body)
    unit = actor.id if actor.role is Role.unit else str(asked.unit_id or "")
    if unit not in {u.id for u in deps.config.units}:
        raise BadInput("unknown_unit", "请指定提供该条目的承办单位", "unit_id: a unit of the city")
    content = kb.Content.model_validate(asked.model_dump(include=set(CONTENT)))
    kb.check_content(content, deps.config, _today(deps))
    deps.knowledge.refresh()  # the seed is loaded before anything is added to it
    entry = kb.propose_new(kb.new_entry_id(deps.config.city), unit, content, actor, asked.note, deps.now())
    saved = deps.kb.save(entry, entry.proposal)
    count("KnowledgeProposed")
    logger.info("kb entry proposed", extra={"entry": entry.entry_id, "unit": unit})
    return view(saved, _today(deps))


def change(deps: Deps, actor: Actor, entry_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """PUT /kb/entries/{id}: a changed version as a proposal; the approved one answers meanwhile."""
    asked = _parsed(EntryChange, body)
    deps.knowledge.refresh()
    entry = deps.kb.get(entry_id)
    base = entry.proposal or entry.current
    assert base is not None
    given = asked.model_dump(mode="json", include=set(CONTENT), exclude_none=True)
    content = _parsed(kb.Content, base.content.model_dump(mode="json") | given)  # what is not given stays
    kb.check_content(content, deps.config, _today(deps))
    after, proposal = kb.propose_change(entry, content, actor, asked.note, deps.now())
    saved = deps.kb.save(after, proposal)
    count("KnowledgeProposed")
    return view(saved, _today(deps))


def act(deps: Deps, actor: Actor, entry_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /kb/entries/{id}/actions: `decide_kb {approve, reason}` (reviewer) or `supersede
    {by, reason}` (the owner or a reviewer: the policy changed)."""
    asked = _parsed(KbAction, body)
    action = asked.action
    deps.knowledge.refresh()
    entry = deps.kb.get(entry_id)
    at = deps.now()
    if action == "decide_kb":
        approve = asked.approve
        if approve is None:
            raise BadInput("bad_approve", "请选择通过或退回（approve）", "approve: true or false")
        after, decided = kb.decide(entry, actor, approve, asked.reason, at)
        saved = deps.kb.save(after, decided, answers_change=approve)
        count("KnowledgeApproved" if approve else "KnowledgeRejected")
        deps.notifier.to_unit(_decision_notice(after, decided))
    else:
        by = deps.kb.get(asked.by) if asked.by else None
        after = kb.supersede(entry, actor, by, asked.reason or "", at)
        saved = deps.kb.save(after, answers_change=True)
        count("KnowledgeSuperseded")
    logger.info("kb entry decided", extra={"entry": entry_id, "action": action, "status": after.status})
    return view(saved, _today(deps))


def _decision_notice(entry: kb.Entry, decided: kb.Version) -> Notice:
    ok = decided.status == "approved"
    named = f"知识库条目 {entry.entry_id}（{decided.content.question}）第 {decided.n} 版"
    text = f"{named}已审核通过，即时生效。" if ok else f"{named}未通过审核：{decided.reason}。请修改后重新提交。"
    return Notice(unit_id=entry.unit, kind="kb_decided", subject=f"知识库条目审核{'通过' if ok else '退回'}",
                  ticket_id="", text=text)  # fmt: skip


def one(deps: Deps, actor: Actor, entry_id: str) -> dict[str, Any]:
    entry = deps.kb.get(entry_id)
    if actor.role is Role.unit and actor.id != entry.unit:
        raise Forbidden("not_owner", "只能查看本单位的知识条目", f"entry {entry_id} belongs to {entry.unit}")
    return view(entry, _today(deps), deps.kb.versions(entry_id))


def _whose(deps: Deps, actor: Actor, unit_id: str | None, what: str) -> str | None:
    """The unit a read is about: a unit reads its own only (R-SEC-3); the center any, or all."""
    if actor.role is Role.unit:
        if unit_id and unit_id != actor.id:
            raise Forbidden("not_owner", f"只能查看本单位的{what}", "a unit reads its own")
        unit_id = actor.id
    if unit_id and unit_id not in {u.id for u in deps.config.units}:
        raise NotFound(None, f"没有编号为 {unit_id[:80]} 的单位", "no such unit")
    return unit_id


def listing(deps: Deps, actor: Actor, unit_id: str | None, status: str | None) -> dict[str, Any]:
    """GET /kb/entries: a unit its own; the center everyone's. `status=proposed` is the
    reviewer's queue (new entries and changes awaiting review), `status=stale` the entries
    that no longer answer because their date passed — the center's queue of what to chase."""
    unit_id = _whose(deps, actor, unit_id, "知识条目")
    if status and status not in STATUSES:
        raise BadInput("bad_status", "状态取值无效", f"status: one of {', '.join(STATUSES)}")
    today = _today(deps)
    heads = _heads(deps)

    def wanted(e: kb.Entry) -> bool:
        if unit_id and e.unit != unit_id:
            return False
        if status == "proposed":
            return e.proposal is not None
        if status == "stale":
            return e.stale_on(today)
        return status is None or e.status == status

    rows = sorted((e for e in heads if wanted(e)), key=lambda e: (e.updated_at, e.entry_id), reverse=True)
    return {"entries": [view(e, today) for e in rows]}


def stats(deps: Deps, actor: Actor, unit_id: str | None, period: str | None) -> dict[str, Any]:
    """GET /kb/stats: per entry its hits and the times its answer did not help (escalated), and
    the questions nothing answered, clustered, that came nearest to the unit's entries (R-KB-3)."""
    unit_id = _whose(deps, actor, unit_id, "知识库使用情况")
    month = period or f"{deps.local(deps.now()):%Y-%m}"
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        raise BadInput("bad_period", "统计周期格式为 YYYY-MM", "period: YYYY-MM")
    heads = _heads(deps)
    mine = [h for h in heads if not unit_id or h.unit == unit_id]
    usage = deps.knowledge_stats.usage([h.entry_id for h in mine], month)
    misses = [m for m in deps.knowledge_stats.misses(month) if not unit_id or m.unit == unit_id]
    entries: list[dict[str, Any]] = []
    for h in mine:
        shown = h.current or h.proposal
        hits, unhelpful = usage.get(h.entry_id, (0, 0))
        entries.append({"entry_id": h.entry_id, "unit": h.unit, "question": shown.content.question if shown else "",
                        "status": h.status, "hits": hits, "unhelpful": unhelpful})  # fmt: skip
    entries.sort(key=lambda e: (-int(e["hits"]), str(e["entry_id"])))
    clusters = cluster_questions([(m.question, m.tally) for m in misses])
    return {
        "period": month,
        "unit_id": unit_id,
        "hits": sum(e["hits"] for e in entries),
        "unhelpful": sum(e["unhelpful"] for e in entries),
        "unanswered": sum(m.tally for m in misses),
        "entries": entries,
        "unanswered_questions": [{"question": c.question, "asked": c.asked, "examples": c.examples} for c in clusters],
    }


def review(deps: Deps) -> dict[str, Any]:
    """The daily KB check (R-KB-1, R-KB-3, R-TMR-3): each owner hears once of an entry that is
    stale or goes stale within two weeks — not again every morning — and the mark is kept with
    the entry on the version it read; the center's queue is `GET /kb/entries?status=stale`."""
    today = _today(deps)
    heads = _heads(deps)
    due = [h for h in heads if kb.to_remind(h, today, REVIEW_AHEAD)]
    told: list[str] = []
    for entry in due:
        assert entry.current is not None
        k = entry.as_knowledge()
        assert k is not None
        for notice in knowledge_notices([k], today):
            deps.notifier.to_unit(notice)
        try:
            deps.kb.save(kb.reminded(entry, deps.now()))
        except Conflict:  # a unit changed it meanwhile: tomorrow's check decides on the new version
            logger.warning("kb reminder mark skipped", extra={"entry": entry.entry_id})
        told.append(entry.entry_id)
    stale = sum(h.stale_on(today) for h in heads)
    count("KnowledgeEntriesStale", stale)
    logger.info("knowledge reviewed", extra={"due": len(due), "stale": stale})
    return {"routine": "knowledge", "notified": sorted({h.unit for h in due}), "entries": told}


def monthly(deps: Deps) -> dict[str, Any]:
    """On the 1st: each unit with entries hears how they were used last month and what people
    asked that nothing answered (Baoding Art.28: usage fed back)."""
    now = deps.local(deps.now())
    last = (now.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    heads = _heads(deps)
    center = Actor(role=Role.supervisor, id="kb-monthly")
    told = []
    for unit in sorted({h.unit for h in heads}):
        figures = stats(deps, center, unit, last)
        top = "；".join(f"{e['question']} {e['hits']} 次" for e in figures["entries"][:3] if e["hits"]) or "无"
        asked = "；".join(f"{c['question']}（{c['asked']} 次）" for c in figures["unanswered_questions"][:3]) or "无"
        deps.notifier.to_unit(Notice(
            unit_id=unit, kind="kb_monthly", subject=f"{last} 知识库使用情况", ticket_id="",
            text=(f"{last} 本单位知识条目共被使用 {figures['hits']} 次，{figures['unhelpful']} 次未能解决问题；"
                  f"使用最多：{top}。未能解答、与本单位相关的问题 {figures['unanswered']} 次：{asked}。"
                  "请据此补充或更新条目。"),
        ))  # fmt: skip
        told.append(unit)
    return {"routine": "knowledge_monthly", "period": last, "notified": told}
