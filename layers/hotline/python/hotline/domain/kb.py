"""The knowledge base as a living service (R-KB-4): entries owned by units, changed by proposal,
approved by the center, versioned, superseded when a policy changes.

Baoding Art.28: units maintain their entries, the center checks and corrects them, and the use
made of them reaches the units. Tianjin Art.14–15: policy releases and answer scripts are
supplied ahead and updated as events move. So an entry answers with its approved version while
a change waits for review, and answers no more once it is stale (R-KB-3) or superseded.

Pure: the rules of one entry; the store keeps it under optimistic locking (`dal/kb.py`), the
application serves the approved ones to every container (`app/knowledge.py`).
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from hotline.config.knowledge import KnowledgeEntry
from hotline.config.schema import CityConfig
from hotline.domain.errors import BadInput, Conflict, Forbidden, RuleViolation
from hotline.domain.models import Actor, Role

ENTRY_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
LONGEST_VALIDITY = timedelta(days=3 * 366)  # a policy answer is looked at again within three years
EntryStatus = Literal["proposed", "active", "rejected", "superseded"]
VersionStatus = Literal["proposed", "approved", "rejected", "withdrawn"]


class Content(BaseModel):
    """What a unit writes: the question people ask, the answer, the words that find it."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)
    question: str = Field(min_length=4, max_length=200)
    answer: str = Field(min_length=10, max_length=2000)
    keywords: list[str] = Field(default=[], max_length=20)
    category: str
    valid_until: date

    @field_validator("keywords")
    @classmethod
    def _words(cls, v: list[str]) -> list[str]:
        words = [w.strip() for w in v if w.strip()]
        if any(len(w) > 20 for w in words):
            raise ValueError("a keyword is at most 20 characters")
        return list(dict.fromkeys(words))


class Version(BaseModel):
    """One proposal of an entry, kept for good (the history a reviewer and an auditor read)."""

    n: int
    content: Content
    status: VersionStatus = "proposed"
    note: str = ""  # why the unit proposes it (a new policy, an event)
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None


class Entry(BaseModel):
    """The head of an entry: who owns it, which version answers, which waits for review."""

    entry_id: str
    unit: str
    status: EntryStatus = "proposed"
    current: Version | None = None  # the approved version that answers
    proposal: Version | None = None  # the version awaiting review
    versions: int = 0
    superseded_by: str | None = None
    superseded_reason: str | None = None
    reminded_for: date | None = None  # the valid_until its owner was reminded of: once, not daily
    created_at: datetime
    updated_at: datetime
    version: int = 0  # optimistic lock of the stored head

    def answers_on(self, day: date) -> bool:
        return self.status == "active" and self.current is not None and day <= self.current.content.valid_until

    def stale_on(self, day: date) -> bool:
        return self.status == "active" and self.current is not None and day > self.current.content.valid_until

    def as_knowledge(self) -> KnowledgeEntry | None:
        """The approved version as the search index reads it; None if nothing is approved."""
        if self.current is None or self.status != "active":
            return None
        c = self.current.content
        return KnowledgeEntry(
            id=self.entry_id, question=c.question, answer=c.answer, keywords=c.keywords, category=c.category,
            unit=self.unit, valid_until=c.valid_until, updated_at=(self.current.decided_at or self.updated_at).date(),
        )  # fmt: skip


def seeded(entry: KnowledgeEntry, at: datetime) -> Entry:
    """An entry of the city's seed file (`infra/cities/kb/<city>.yaml`): its first approved
    version, as reviewed when the file was (the seed is the store's initial load)."""
    content = Content(question=entry.question, answer=entry.answer, keywords=entry.keywords,
                      category=entry.category, valid_until=entry.valid_until)  # fmt: skip
    moment = datetime.combine(entry.updated_at, at.timetz()) if at.tzinfo else at
    first = Version(n=1, content=content, status="approved", note="种子知识库", proposed_by=entry.unit,
                    proposed_at=moment, decided_by="seed", decided_at=moment)  # fmt: skip
    return Entry(entry_id=entry.id, unit=entry.unit, status="active", current=first, versions=1,
                 created_at=moment, updated_at=moment)  # fmt: skip


def check_content(content: Content, config: CityConfig, today: date) -> None:
    if content.category not in {c.code for c in config.categories}:
        raise BadInput("unknown_category", f"没有编码为 {content.category} 的诉求类别", "category: not the city's")
    if content.valid_until < today:
        raise BadInput("bad_valid_until", "有效期不能早于今天", "valid_until is in the past")
    if content.valid_until > today + LONGEST_VALIDITY:
        raise BadInput("bad_valid_until", "有效期最长三年，到期前请复核", "valid_until: at most three years ahead")


def _owner_or_reviewer(entry: Entry, actor: Actor) -> None:
    if actor.role is Role.unit and actor.id == entry.unit:
        return
    if actor.role is Role.reviewer:  # the center's check is the reviewer's (Baoding Art.28)
        return
    raise Forbidden(
        "not_owner", "只有提供该条目的单位或审核员可以修改", f"entry {entry.entry_id} belongs to {entry.unit}"
    )


def new_entry_id(city: str) -> str:
    return f"{city}-kb-{secrets.token_hex(4)}"


def propose_new(entry_id: str, unit: str, content: Content, actor: Actor, note: str, at: datetime) -> Entry:
    """A unit's new entry (or the center's, for a unit): proposed, answering nothing yet."""
    if actor.role is Role.unit and actor.id != unit:
        raise Forbidden("not_owner", "承办单位只能为本单位提供知识条目", f"a unit proposes for itself, not {unit}")
    first = Version(n=1, content=content, note=note, proposed_by=actor.id, proposed_at=at)
    return Entry(entry_id=entry_id, unit=unit, status="proposed", proposal=first, versions=1, created_at=at,
                 updated_at=at)  # fmt: skip


def propose_change(entry: Entry, content: Content, actor: Actor, note: str, at: datetime) -> tuple[Entry, Version]:
    """A changed entry as a proposal: the approved version answers until it is approved. A
    proposal still waiting is withdrawn by the newer one (the unit revised its own)."""
    _owner_or_reviewer(entry, actor)
    if entry.status == "superseded":
        raise RuleViolation("superseded", "该条目已被新政策取代，请新建条目", f"entry {entry.entry_id} is superseded")
    n = entry.versions + 1
    proposal = Version(n=n, content=content, note=note, proposed_by=actor.id, proposed_at=at)
    status: EntryStatus = "proposed" if entry.status == "rejected" else entry.status
    return entry.model_copy(update={"proposal": proposal, "versions": n, "status": status, "updated_at": at}), proposal


def decide(entry: Entry, actor: Actor, approve: bool, reason: str | None, at: datetime) -> tuple[Entry, Version]:
    """The center's check (Baoding Art.28): approved, the proposal answers from now on, in
    every container; rejected, with a reason the unit reads, the approved version stays."""
    if actor.role is not Role.reviewer:
        raise Forbidden("reviewer_only", "知识条目由审核员审核", "decide_kb is the reviewer's")
    if entry.proposal is None:
        raise Conflict("nothing_to_decide", "该条目没有待审核的内容", f"entry {entry.entry_id} has no proposal")
    if not approve and not (reason and len(reason.strip()) >= 2):
        raise BadInput("reason_required", "退回修改须说明理由", "a rejection needs a reason")
    decided = entry.proposal.model_copy(update={
        "status": "approved" if approve else "rejected", "decided_by": actor.id, "decided_at": at,
        "reason": (reason or "").strip() or None,
    })  # fmt: skip
    if approve:
        after = entry.model_copy(update={"current": decided, "proposal": None, "status": "active", "updated_at": at,
                                         "reminded_for": None})  # fmt: skip
    else:
        status: EntryStatus = "rejected" if entry.current is None else entry.status
        after = entry.model_copy(update={"proposal": None, "status": status, "updated_at": at})
    return after, decided


def supersede(entry: Entry, actor: Actor, by: Entry | None, reason: str, at: datetime) -> Entry:
    """Policy changed: the entry answers no more, at once; the newer entry, if named, is the one
    to read (Tianjin Art.15: answers updated as events move)."""
    _owner_or_reviewer(entry, actor)
    if entry.status == "superseded":
        raise Conflict("superseded", "该条目已被取代", f"entry {entry.entry_id} is already superseded")
    if len(reason.strip()) < 2:
        raise BadInput("reason_required", "请说明政策变化的情况", "a reason is required")
    if by is not None and by.entry_id == entry.entry_id:
        raise BadInput("bad_superseded_by", "不能被自身取代", "an entry cannot supersede itself")
    update = {"status": "superseded", "superseded_by": by.entry_id if by else None,
              "superseded_reason": reason.strip(), "proposal": None, "updated_at": at}  # fmt: skip
    return entry.model_copy(update=update)


def to_remind(entry: Entry, today: date, ahead: timedelta) -> bool:
    """Stale, or going stale within `ahead`, and its owner not yet told of this date: once."""
    if entry.status != "active" or entry.current is None:
        return False
    until = entry.current.content.valid_until
    return until < today + ahead and entry.reminded_for != until


def reminded(entry: Entry, at: datetime) -> Entry:
    assert entry.current is not None
    return entry.model_copy(update={"reminded_for": entry.current.content.valid_until, "updated_at": at})
