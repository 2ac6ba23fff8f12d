"""Knowledge-base search (R-KB-2) and instant answers (R-INT-3, R-KB-4): bigrams, weighted.

A hit's score is how much of the question's information the entry holds: the share of the
query's bigram weight (inverse document frequency over the entries' whole text) found in the
entry's question and keywords, with partial credit for its answer, blended with the share of
the entry's own question it covers. Bigrams that only carry the form of a question ("怎么",
"什么时候") weigh nothing, so "幼儿园报名什么时候开始" is not the heating season's "供暖什么时候
开始". A question that wants something the entry never speaks of (to cancel, to appeal, a
price) scores half. Scores lie in [0, 1], so one bar per use reads the same in every city:
`answer_min` for answering at once, `suggest_min` for offering with the order, `search_min` for
listing. Tuned and calibrated on tests/data/kb; measured on tests/data/kb_heldout, which was
written before any tuning (docs/knowledge-base.md).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from hotline.config.knowledge import KnowledgeEntry
from hotline.domain.lexicon import ASKS, FORM
from hotline.domain.text import grams, normalize

ANSWER_CREDIT = 0.3  # a bigram only the answer holds counts this much of one in the question
ENTRY_SHARE = 0.2  # weight of "the entry's question is covered" against "the query is covered"
ASKS_ELSEWHERE = 0.5  # the score of an entry that does not speak to what the question wants
NEAREST = 0.1  # an unanswered question is the unit's whose entry shares at least this much with it


@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    score: float


def _form(g: str) -> bool:
    return all(c in FORM for c in g)


def asks(text: str) -> frozenset[str]:
    """The intents (lexicon.ASKS) a text speaks of."""
    t = normalize(text)
    return frozenset(name for name, says in ASKS if any(w in t for w in says))


class KnowledgeIndex:
    def __init__(self, entries: list[KnowledgeEntry]) -> None:
        self.entries = entries
        self._head = [{g for t in (e.question, *e.keywords) for g in grams(t) if not _form(g)} for e in entries]
        self._body = [
            {g for g in grams(e.answer) if not _form(g)} - h for e, h in zip(entries, self._head, strict=True)
        ]
        self._speaks = [asks(" ".join((e.question, *e.keywords, e.answer))) for e in entries]
        df = Counter(g for h, b in zip(self._head, self._body, strict=True) for g in h | b)
        n = max(len(entries), 1)
        self._idf = {g: math.log(1 + (n - f + 0.5) / (f + 0.5)) for g, f in df.items()}
        # a word no entry holds weighs like the rarest one: the KB most likely does not cover it
        self._unseen = max(self._idf.values(), default=1.0)
        self._postings: dict[str, list[int]] = {}
        for i, (h, b) in enumerate(zip(self._head, self._body, strict=True)):
            for g in h | b:
                self._postings.setdefault(g, []).append(i)

    def _w(self, g: str) -> float:
        if g in self._idf:
            return self._idf[g]
        return 0.0 if any(c in FORM for c in g) else self._unseen

    def search(self, query: str, today: date, *, minimum: float, limit: int = 5) -> list[Hit]:
        """Valid entries scoring at least `minimum`, best first; stale entries never answer (R-KB-3)."""
        q = {g for g in grams(query) if not _form(g)}
        total = sum(self._w(g) for g in q)
        if not total:
            return []
        wants = asks(query)
        hits: list[Hit] = []
        for i in {i for g in q for i in self._postings.get(g, ())}:
            entry = self.entries[i]
            if not entry.valid_on(today):
                continue
            head, body = self._head[i], self._body[i]
            in_head = sum(self._w(g) for g in q & head)
            of_query = (in_head + ANSWER_CREDIT * sum(self._w(g) for g in q & body)) / total
            of_entry = in_head / (sum(self._w(g) for g in head) or 1)
            score = (1 - ENTRY_SHARE) * of_query + ENTRY_SHARE * of_entry
            if wants - self._speaks[i]:
                score *= ASKS_ELSEWHERE
            if score >= minimum:
                hits.append(Hit(entry, round(score, 3)))
        hits.sort(key=lambda h: (-h.score, h.entry.id))
        return hits[:limit]

    def stale(self, today: date) -> list[KnowledgeEntry]:
        return [e for e in self.entries if not e.valid_on(today)]

    def due_for_review(self, today: date, within: timedelta) -> list[KnowledgeEntry]:
        """Entries stale now or within `within`: their units should update them before they go."""
        return [e for e in self.entries if e.valid_until < today + within]


class Knowledge(Protocol):
    """What intake asks of the KB: the live one (app/knowledge.py) or a fixed index (tests)."""

    def search(self, query: str, today: date, *, minimum: float, limit: int = 5) -> list[Hit]: ...


@dataclass(frozen=True)
class Miss:
    """A question nothing answered that month, how often, and whose entry came nearest (R-KB-3/4)."""

    question: str
    tally: int
    unit: str | None


@dataclass(frozen=True)
class QuestionCluster:
    question: str  # the most asked wording
    asked: int
    examples: tuple[str, ...]


CLUSTER_OVERLAP = 0.5  # share of bigrams two wordings share to be one question


def cluster_questions(asked: list[tuple[str, int]], limit: int = 20) -> list[QuestionCluster]:
    """Unanswered questions as the questions people asked (R-KB-3): wordings that share half
    their bigrams are one, named by its most asked wording; most asked first."""
    groups: list[tuple[set[str], list[tuple[str, int]]]] = []
    for text, n in sorted(asked, key=lambda x: (-x[1], x[0])):
        g = set(grams(text))
        for head, members in groups:
            if g and len(g & head) / min(len(g), len(head) or 1) >= CLUSTER_OVERLAP:
                members.append((text, n))
                break
        else:
            groups.append((g, [(text, n)]))
    clusters = [QuestionCluster(m[0][0], sum(n for _, n in m), tuple(t for t, _ in m[1:4])) for _, m in groups]
    clusters.sort(key=lambda c: (-c.asked, c.question))
    return clusters[:limit]
