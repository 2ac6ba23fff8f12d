"""R-INT-4: which requests the hotline must not turn into work orders, and why.

The city's keyword rules decide, in order; the verdict names the rule's article and the term
that fired, so a dispatcher can see why a request was transferred or refused and a wrong rule
can be fixed in the city's config, not in code.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.config.schema import IntakeRule
from hotline.domain.text import normalize


@dataclass(frozen=True)
class Verdict:
    rule: IntakeRule
    term: str

    @property
    def explanation(self) -> str:
        desk = f" → {self.rule.desk}" if self.rule.desk else ""
        return f"{self.rule.reason}{desk}: matched '{self.term}' ({self.rule.article})"


def _hits(term: str, text: str) -> bool:
    return all(part in text for part in normalize(term).split("+"))


def classify(text: str, rules: list[IntakeRule]) -> Verdict | None:
    """The first rule that fires on the text, or None (the request may become an order)."""
    t = normalize(text)
    for rule in rules:
        if any(_hits(u, t) for u in rule.unless):
            continue
        for term in rule.terms:
            if _hits(term, t):
                return Verdict(rule, term)
    return None
