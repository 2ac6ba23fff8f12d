"""Knowledge-base usage (R-KB-3): hits per entry and month, unanswered questions by frequency.

Atomic counters (UpdateItem ADD), so concurrent searches never lose a count and nothing scans.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from pynamodb.expressions.update import Action

from hotline.dal.errors import store_errors
from hotline.dal.models import KnowledgeStatItem
from hotline.domain.knowledge import Miss

_DIGITS = re.compile(r"\d")


class KnowledgeStats:
    def hit(self, entry_id: str, at: datetime) -> None:
        item = KnowledgeStatItem(pk=f"KB#{entry_id}", sk=f"{at:%Y-%m}")
        with store_errors("knowledge stats"):
            item.update(actions=[KnowledgeStatItem.tally.add(1), KnowledgeStatItem.last_at.set(at.isoformat())])

    def miss(self, query: str, at: datetime, unit: str | None = None) -> None:
        """Digits are masked before storing: a citizen may type a phone or ID number (R-SEC-1).
        `unit`: the owner of the entry that came nearest, whose unit should hear of it (R-KB-4)."""
        text = _DIGITS.sub("#", query.strip())[:100]
        key = hashlib.sha256(text.encode()).hexdigest()[:32]
        item = KnowledgeStatItem(pk=f"KBMISS#{at:%Y-%m}", sk=key)
        actions: list[Action] = [
            KnowledgeStatItem.tally.add(1),
            KnowledgeStatItem.question.set(text),
            KnowledgeStatItem.last_at.set(at.isoformat()),
        ]
        if unit:
            actions.append(KnowledgeStatItem.unit.set(unit))
        with store_errors("knowledge stats"):
            item.update(actions=actions)

    def unhelpful(self, entry_id: str, at: datetime) -> None:
        """An instant answer the citizen said did not help (R-TRI-5 escalation): a miss of the entry."""
        item = KnowledgeStatItem(pk=f"KB#{entry_id}", sk=f"{at:%Y-%m}")
        with store_errors("knowledge stats"):
            item.update(actions=[KnowledgeStatItem.unhelpful.add(1)])

    def usage(self, entry_ids: list[str], month: str) -> dict[str, tuple[int, int]]:
        """Hits and unhelpful answers of each entry that month: one BatchGetItem per 100."""
        with store_errors("knowledge stats"):
            items = KnowledgeStatItem.batch_get([(f"KB#{e}", month) for e in entry_ids])
            return {i.pk.removeprefix("KB#"): (int(i.tally or 0), int(i.unhelpful or 0)) for i in items}

    def hits(self, entry_id: str, month: str) -> int:
        with store_errors("knowledge stats"):
            try:
                return int(KnowledgeStatItem.get(f"KB#{entry_id}", month).tally)
            except KnowledgeStatItem.DoesNotExist:
                return 0

    def misses(self, month: str) -> list[Miss]:
        """The month's unanswered questions, most asked first (one Query of the month)."""
        with store_errors("knowledge stats"):
            items = KnowledgeStatItem.query(f"KBMISS#{month}")
            found = [Miss(i.question or "", int(i.tally or 0), i.unit) for i in items]
        return sorted(found, key=lambda m: -m.tally)
