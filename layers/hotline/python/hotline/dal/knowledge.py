"""Knowledge-base usage (R-KB-3): hits per entry and month, unanswered questions by frequency.

Atomic counters (UpdateItem ADD), so concurrent searches never lose a count and nothing scans.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

from hotline.dal.errors import store_errors
from hotline.dal.models import KnowledgeStatItem

_DIGITS = re.compile(r"\d")


class KnowledgeStats:
    def hit(self, entry_id: str, at: datetime) -> None:
        item = KnowledgeStatItem(pk=f"KB#{entry_id}", sk=f"{at:%Y-%m}")
        with store_errors("knowledge stats"):
            item.update(actions=[KnowledgeStatItem.tally.add(1), KnowledgeStatItem.last_at.set(at.isoformat())])

    def miss(self, query: str, at: datetime) -> None:
        """Digits are masked before storing: a citizen may type a phone or ID number (R-SEC-1)."""
        text = _DIGITS.sub("#", query.strip())[:100]
        key = hashlib.sha256(text.encode()).hexdigest()[:32]
        item = KnowledgeStatItem(pk=f"KBMISS#{at:%Y-%m}", sk=key)
        with store_errors("knowledge stats"):
            item.update(
                actions=[
                    KnowledgeStatItem.tally.add(1),
                    KnowledgeStatItem.question.set(text),
                    KnowledgeStatItem.last_at.set(at.isoformat()),
                ]
            )

    def hits(self, entry_id: str, month: str) -> int:
        with store_errors("knowledge stats"):
            try:
                return int(KnowledgeStatItem.get(f"KB#{entry_id}", month).tally)
            except KnowledgeStatItem.DoesNotExist:
                return 0

    def misses(self, month: str) -> list[tuple[str, int]]:
        with store_errors("knowledge stats"):
            items = KnowledgeStatItem.query(f"KBMISS#{month}")
            return sorted(((i.question or "", int(i.tally)) for i in items), key=lambda x: -x[1])
