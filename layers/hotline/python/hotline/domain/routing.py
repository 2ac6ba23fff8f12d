"""Who handles an order: category × district/street → lead and assisting units (R-DSP-1, R-DSP-6).

The most specific route wins (street over district over city-wide, a named category over `*`).
No route → None, and the order waits in the dispatcher's queue; routing never guesses.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotline.config.schema import CityConfig, Route


@dataclass(frozen=True)
class Assignment:
    lead_unit: str
    assist_units: tuple[str, ...]
    principle: str
    article: str


def _specificity(route: Route) -> tuple[int, int, int]:
    return (route.street != "*", route.district != "*", route.category != "*")


def route(config: CityConfig, category: str | None, district: str | None, street: str | None) -> Assignment | None:
    candidates = [
        r
        for r in config.routing
        if r.category in ("*", category)
        and r.district in ("*", district)
        and r.street in ("*", street)
        and category is not None
    ]
    if not candidates:
        return None
    best = max(candidates, key=_specificity)
    return Assignment(best.lead, tuple(best.assist), best.principle, best.article)
