"""How intake sorts one matter (R-TRI-1/2): a present danger, a sure refusal, a doubt a person
settles, or an order.

Emergencies first and with recall over precision: a wrong transfer costs a phone call, a
missed one can cost a life. A danger phrase counts unless its clause (or the one before) says
the danger is over, habitual or only feared, and a word of urgency (正在, 快来, 救命) overrides
even that; politeness never vetoes. Refusals the other way round: only clear evidence with no
sign of a complaint refuses without a person, and only where the city lets the machine refuse
that ground; any other hint holds the matter for the dispatcher with the evidence (R-TRI-2).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, Literal

from hotline.config.schema import IntakePolicy, RefusalGround
from hotline.domain.lexicon import (
    CRY,
    CUES,
    DANGERS,
    GROUNDS,
    HABIT,
    HARM,
    IDIOMS,
    NOW,
    PAST,
    PUBLIC,
    WORRY,
    Danger,
    Ground,
)

Sorted = Literal["transferred", "not_accepted", "held", "accepted"]
_CLAUSE = re.compile(r"[，,。．.！!？?；;：:\n]+")
_NEGATION = re.compile(r"(没|没有|未|不是|并非|不再|并没有|不是要|不想|不用|不要)$")
_SPACE = re.compile(r"\s+")


def prepare(text: str) -> str:
    """Half-width, lower case; a run of spaces is a pause between clauses (callers' texts often
    have no punctuation, only gaps), so it becomes a comma."""
    return _SPACE.sub("，", unicodedata.normalize("NFKC", text).strip()).lower()


@dataclass(frozen=True)
class Evidence:
    """One phrase that moved the decision, for the dispatcher and the record."""

    reason: str  # a danger concept (`fire`) or a refusal ground (`unlawful`)
    term: str
    strength: Literal["clear", "hint", "genuine", "over"]
    article: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Sorting:
    """The machine's view of one matter. `held` carries what it would suggest to the dispatcher."""

    outcome: Sorted
    desk: str | None = None
    concept: str | None = None
    reason: str | None = None
    evidence: tuple[Evidence, ...] = field(default=())

    @property
    def suggested(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "outcome": "transferred" if self.desk else ("not_accepted" if self.reason else "accepted")
        }
        if self.desk:
            out["desk"] = self.desk
        if self.reason:
            out["reason"] = self.reason
        return out

    @property
    def explanation(self) -> str:
        return "; ".join(f"{e.reason}: '{e.term}' ({e.strength}{', ' + e.article if e.article else ''})"
                         for e in self.evidence)  # fmt: skip


@cache
def _any(phrases: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in phrases))


def _clauses(text: str) -> list[tuple[int, str]]:
    out, pos = [], 0
    for part in _CLAUSE.split(text):
        start = text.find(part, pos)
        out.append((start, part))
        pos = start + len(part)
    return out


def present_danger(text: str, policy: IntakePolicy) -> Sorting:
    """R-TRI-1: the first danger (in `DANGERS` order) said to be happening now, with its desk;
    else `accepted`, with the dangers that were mentioned as over or feared (for the record)."""
    t = _any(IDIOMS).sub(lambda m: "□" * len(m.group()), prepare(text))
    clauses = _clauses(t)
    over: list[Evidence] = []
    for danger in DANGERS:
        if danger.calm and _any(danger.calm).search(t):
            continue
        for i, (start, clause) in enumerate(clauses):
            # a phrase may run on into the next clause (洗澡，回来少了一个) but starts in this one
            reach = clause + ("，" + clauses[i + 1][1] if i + 1 < len(clauses) else "")
            for m in _any(danger.phrases).finditer(reach):
                if m.start() >= len(clause):
                    break
                if _NEGATION.search(t[max(0, start + m.start() - 4) : start + m.start()]):
                    continue
                # the clause, the two before it, and what the phrase reached into
                context = "，".join([*(c for _, c in clauses[max(0, i - 2) : i]), reach[: max(m.end(), len(clause))]])
                if danger.soft and _any(danger.soft).search(m.group()) and _any(danger.harmless).search(context):
                    continue
                if not _any(NOW).search(clause):
                    veto = _any(PAST + HABIT + WORRY).search(context)
                    if veto:
                        over.append(Evidence(danger.concept, f"{m.group()}（{veto.group()}）", "over"))
                        continue
                desk = _desk(danger, policy)
                article = policy.emergencies.article
                found = Evidence(danger.concept, m.group(), "clear", article)
                return Sorting("transferred", desk, danger.concept, "emergency", (found,))
    cry = _cry_for_help(t, policy)
    return cry or Sorting("accepted", evidence=tuple(over))


def _cry_for_help(t: str, policy: IntakePolicy) -> Sorting | None:
    """No danger named, but a call for help and a word of harm, nothing over or feared: a desk
    still hears it now (R-TRI-1); the first cue of a kind of danger picks which."""
    cry = _any(CRY).search(t)
    if not cry or not _any(HARM).search(t) or _any(PAST + HABIT + WORRY).search(t):
        return None
    concept = next((c for c, cues in CUES if _any(cues).search(t)), "violence")
    danger = next(d for d in DANGERS if d.concept == concept)
    found = Evidence(concept, f"{cry.group()}（求救）", "clear", policy.emergencies.article)
    return Sorting("transferred", _desk(danger, policy), concept, "emergency", (found,))


def _desk(danger: Danger, policy: IntakePolicy) -> str:
    return policy.emergencies.desks.get(danger.concept, danger.desk)


def refusal(text: str, policy: IntakePolicy) -> Sorting:
    """R-TRI-2: refuse on clear evidence where the city lets the machine; hold on any doubt."""
    t = prepare(text)
    grounds: dict[str, RefusalGround] = {g.reason: g for g in policy.refusals}
    held: Sorting | None = None
    for ground in GROUNDS:
        rule = grounds.get(ground.reason)
        if rule is None:
            continue
        clear = _first(ground.clear, t)
        hint = None if clear else _first(ground.hints, t)
        if not (clear or hint):
            continue
        genuine = _any(ground.genuine).search(t) if ground.genuine else None
        evidence = [Evidence(ground.reason, (clear or hint).group(), "clear" if clear else "hint", rule.article)]  # type: ignore[union-attr]
        if genuine:
            evidence.append(Evidence(ground.reason, genuine.group(), "genuine"))
        if clear and not genuine and rule.auto:
            return Sorting("not_accepted", reason=ground.reason, evidence=tuple(evidence))
        if hint and genuine:
            continue  # a complaint about the thing: the hotline's business (聚众赌钱, 后厨卫生太差)
        if held is None or (clear and held.evidence[0].strength == "hint"):
            held = Sorting("held", reason=ground.reason, evidence=tuple(evidence))
    if held is None and "not_government" in grounds and not _any(PUBLIC).search(t):
        # names no place, service, body or public good: most likely not the government's (R-TRI-2)
        article = grounds["not_government"].article
        held = Sorting(
            "held", reason="not_government", evidence=(Evidence("not_government", "未涉及公共事务", "hint", article),)
        )
    return held or Sorting("accepted")


def _first(phrases: tuple[str, ...], t: str) -> re.Match[str] | None:
    """The first phrase that occurs and is not denied (我不是要申请信息公开)."""
    for m in _any(phrases).finditer(t):
        if not _NEGATION.search(t[max(0, m.start() - 4) : m.start()]):
            return m
    return None


def sort_matter(text: str, policy: IntakePolicy) -> Sorting:
    """One matter's outcome as the machine sees it (R-TRI-4: the caller sorts each matter)."""
    danger = present_danger(text, policy)
    if danger.outcome == "transferred":
        return danger
    sorting = refusal(text, policy)
    return replace(sorting, evidence=sorting.evidence + danger.evidence)


__all__ = ["Evidence", "Ground", "Sorting", "present_danger", "refusal", "sort_matter"]
