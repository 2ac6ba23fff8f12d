"""Knowledge-base search (R-KB-2) and instant answers (R-INT-3): bigram index, weighted overlap.

A hit's score is how much of the question's information the entry holds: the share of the
query's bigram weight (inverse document frequency) found in the entry, blended with the share
of the entry's own question it covers. Both lie in [0, 1], so one threshold per use reads the
same in every city: `answer_min` for answering at intake, `search_min` for listing.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from hotline.config.knowledge import KnowledgeEntry
from hotline.domain.text import grams

QUERY_SHARE = 0.6  # weight of "the query is covered" against "the entry's question is covered"
# A bigram no entry contains ("想问", "一下", a place name) weighs like one shared by a fifth of
# the entries: the citizen's own words lower the score without drowning it. Tuned on the
# paraphrase sets in tests/data/kb (docs/knowledge.md).
UNSEEN_WEIGHT = 1.5


@dataclass(frozen=True)
class Hit:
    entry: KnowledgeEntry
    score: float


class KnowledgeIndex:
    def __init__(self, entries: list[KnowledgeEntry]) -> None:
        self.entries = entries
        self._docs = [{g for text in (e.question, *e.keywords) for g in grams(text)} for e in entries]
        df = Counter(g for doc in self._docs for g in doc)
        n = max(len(entries), 1)
        self._idf = {g: math.log(1 + (n - f + 0.5) / (f + 0.5)) for g, f in df.items()}
        self._unseen = UNSEEN_WEIGHT
        self._postings: dict[str, list[int]] = {}
        for i, doc in enumerate(self._docs):
            for g in doc:
                self._postings.setdefault(g, []).append(i)

    def _w(self, g: str) -> float:
        return self._idf.get(g, self._unseen)

    def search(self, query: str, today: date, *, minimum: float, limit: int = 5) -> list[Hit]:
        """Valid entries scoring at least `minimum`, best first; stale entries never answer (R-KB-3)."""
        q = set(grams(query))
        if not q:
            return []
        total = sum(self._w(g) for g in q)
        candidates = {i for g in q for i in self._postings.get(g, ())}
        hits: list[Hit] = []
        for i in candidates:
            entry = self.entries[i]
            if not entry.valid_on(today):
                continue
            shared = q & self._docs[i]
            of_query = sum(self._w(g) for g in shared) / total
            of_entry = sum(self._w(g) for g in shared) / (sum(self._w(g) for g in self._docs[i]) or 1)
            score = QUERY_SHARE * of_query + (1 - QUERY_SHARE) * of_entry
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
