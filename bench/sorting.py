"""How well intake sorts texts it was tuned on and texts it never saw (R-TRI-7, docs/intake.md).

Per city, over a set of labelled texts: emergency recall (and the desk), genuine requests
refused / transferred / held, refusal-class texts refused right / held for a person / missed
(routed to a unit). The held-out set was written before the lexicon was tuned.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from hotline.config.loader import city_config
from hotline.domain.triage import sort_matter

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "intake"
CITIES = ("tianjin", "hohhot", "heze", "weixi", "baoding")
REFUSALS = ("legal_procedure", "secret_or_privacy", "unlawful", "not_government")


def cases(name: str) -> list[dict[str, Any]]:
    return list(yaml.safe_load((DATA / f"{name}.yaml").read_text(encoding="utf-8"))["cases"])


def tuning_cases(city: str) -> list[dict[str, Any]]:
    """The city's own set and the shared tuning sets: everything the lexicon was written against."""
    return cases(city) + cases("tuning") + cases("tuning2") + cases("tuning3")


def score(city: str, texts: list[dict[str, Any]]) -> dict[str, Any]:
    policy = city_config(city).intake
    c: Counter[str] = Counter()
    misses: list[str] = []
    for case in texts:
        got = sort_matter(case["text"], policy)
        want = case["expect"]
        if want == "emergency":
            c["emergency"] += 1
            if got.outcome == "transferred":
                c["emergency_transferred"] += 1
                c["emergency_right_desk"] += int(got.desk == str(case["desk"]))
            else:
                misses.append(f"missed emergency: {case['text']}")
        elif want == "accepted":
            c["genuine"] += 1
            c[f"genuine_{got.outcome}"] += 1
            if got.outcome in {"not_accepted", "transferred"}:
                misses.append(f"genuine {got.outcome} ({got.explanation}): {case['text']}")
        else:
            c["refusal"] += 1
            if got.outcome == "not_accepted":
                c["refusal_refused" if got.reason == want else "refusal_refused_other"] += 1
            elif got.outcome == "held":
                c["refusal_held"] += 1
            else:
                c[f"refusal_{got.outcome}"] += 1
                misses.append(f"{want} → {got.outcome}: {case['text']}")
    return {"counts": dict(c), "misses": misses}


def line(city: str, name: str, counts: dict[str, int]) -> str:
    def n(k: str) -> int:
        return counts.get(k, 0)

    return " · ".join(
        [
            f"{city:8} {name:8} emergencies transferred {n('emergency_transferred')}/{n('emergency')}"
            f" (right desk {n('emergency_right_desk')})",
            f"genuine refused {n('genuine_not_accepted')}/{n('genuine')}, transferred {n('genuine_transferred')},"
            f" held {n('genuine_held')}",
            f"refusal-class refused {n('refusal_refused')}+{n('refusal_refused_other')}, held {n('refusal_held')},"
            f" missed {n('refusal_accepted') + n('refusal_transferred')}/{n('refusal')}",
        ]
    )


def report(show_misses: bool = False) -> list[str]:
    out = []
    for city in CITIES:
        for name, texts in (
            ("tuning", tuning_cases(city)),
            ("held-out", cases("heldout") if (DATA / "heldout.yaml").exists() else []),
        ):
            if not texts:
                continue
            r = score(city, texts)
            out.append(line(city, name, r["counts"]))
            if show_misses:
                out.extend("    " + m for m in r["misses"])
    return out


if __name__ == "__main__":
    import sys

    print("\n".join(report("-v" in sys.argv)))
