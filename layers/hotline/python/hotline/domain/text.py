"""Chinese text as the intake rules, the KB and duplicate detection see it.

Character bigrams instead of a word segmenter: short queries (4–8 characters) still match,
nothing loads a dictionary at cold start, and a misspelt character costs two grams, not the
word (docs/decisions.md).
"""

from __future__ import annotations

import re
import unicodedata

_RUN = re.compile(r"[\u3400-\u9fff]+|[a-z0-9]+")


def normalize(text: str) -> str:
    """Full-width to half-width, lower case, no spaces (NFKC folds ｀１２３４５｀ and ＡＢＣ)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def grams(text: str) -> list[str]:
    """Bigrams of each run of Chinese characters, whole words of Latin letters and digits."""
    out: list[str] = []
    for run in _RUN.findall(normalize(text)):
        if run.isascii():
            out.append(run)
            continue
        if len(run) == 1:
            out.append(run)
        out.extend(run[i : i + 2] for i in range(len(run) - 1))
    return out


def overlap(new: str, old: str) -> float:
    """Share of the new text's bigrams already present in the old one (1.0: nothing new)."""
    a, b = set(grams(new)), set(grams(old))
    return len(a & b) / len(a) if a else 1.0
