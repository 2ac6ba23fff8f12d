"""Intake benchmarks: warm handler latency on moto, and KB hit quality per city (R-KB-2).

Latency is reported beside one moto DynamoDB PutItem measured in the same run, so the ratio
means something on a shared, noisy machine; quality is counted, not timed.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
CITIES = ("tianjin", "hohhot", "heze", "weixi", "baoding")
N = 40


def kb_quality() -> None:
    from hotline.config.knowledge import load_knowledge
    from hotline.config.loader import CITIES_DIR, city_config
    from hotline.domain.knowledge import KnowledgeIndex

    today = date(2026, 11, 23)
    print("KB hit quality (tests/data/kb: paraphrases citizens might say; negatives = concrete complaints)")
    for city in CITIES:
        config = city_config(city)
        index = KnowledgeIndex(load_knowledge(CITIES_DIR / "kb" / f"{city}.yaml", config))
        data = yaml.safe_load((ROOT / "tests" / "data" / "kb" / f"{city}.yaml").read_text(encoding="utf-8"))
        stale = {e.id for e in index.stale(today)}
        pairs = [(q, p["entry"]) for p in data["pairs"] if p["entry"] not in stale for q in p["paraphrases"]]
        ranked = [[h.entry.id for h in index.search(q, today, minimum=0.0, limit=3)] for q, _ in pairs]
        top1 = sum(r[:1] == [e] for r, (_, e) in zip(ranked, pairs, strict=True)) / len(pairs)
        top3 = sum(e in r for r, (_, e) in zip(ranked, pairs, strict=True)) / len(pairs)
        floor = config.intake.knowledge.answer_min
        answers = [(e, index.search(q, today, minimum=floor, limit=1)) for q, e in pairs]
        given = [(e, h[0].entry.id) for e, h in answers if h]
        right = sum(a == b for a, b in given)
        neg = sum(bool(index.search(q, today, minimum=floor)) for q in data["negatives"])
        print(
            f"  {city:8} {len(index.entries)} entries, {len(pairs)} paraphrases: top-1 {top1:.0%}, top-3 {top3:.0%};"
            f" instant answers {len(given) / len(pairs):.0%} of questions, {right / max(len(given), 1):.0%} right;"
            f" complaints answered {neg}/{len(data['negatives'])}"
        )


def kb_calibration() -> None:
    """R-TRI-5: the instant-answer bar, published. Over every city's paraphrases: at each bar,
    the share of questions answered at once and the share of those answers that are right; the
    bar in the city config is the lowest where answers stay ≥ 95 % right on every city."""
    from hotline.config.knowledge import load_knowledge
    from hotline.config.loader import CITIES_DIR, city_config
    from hotline.domain.knowledge import KnowledgeIndex

    today = date(2026, 11, 23)
    scored: list[tuple[float, bool]] = []
    for city in CITIES:
        config = city_config(city)
        index = KnowledgeIndex(load_knowledge(CITIES_DIR / "kb" / f"{city}.yaml", config))
        data = yaml.safe_load((ROOT / "tests" / "data" / "kb" / f"{city}.yaml").read_text(encoding="utf-8"))
        for p in data["pairs"]:
            for q in p["paraphrases"]:
                hits = index.search(q, today, minimum=0.0, limit=1)
                if hits:
                    scored.append((hits[0].score, hits[0].entry.id == p["entry"]))
        for q in data["negatives"]:
            hits = index.search(q, today, minimum=0.0, limit=1)
            if hits:
                scored.append((hits[0].score, False))  # a complaint answered is always wrong
    print("KB instant-answer bar (R-TRI-5), all cities' paraphrases and complaints:")
    for bar in (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65):
        given = [right for score, right in scored if score >= bar]
        share = len(given) / len(scored)
        print(f"  bar {bar:.2f}: answered at once {share:5.0%}, right {sum(given) / max(len(given), 1):5.0%}")


def kb_heldout(folder: str = "kb_heldout", answerable: str = "answerable", unanswerable: str = "unanswerable",
               label: str = "KB held-out (tests/data/kb_heldout, never tuned on)") -> None:  # fmt: skip
    """R-KB-2/4 on questions written before any tuning (tests/data/kb_heldout): how often an
    instant answer is given and how often it is right, over answerable paraphrases and over
    unanswerable near-misses (any answer to those is wrong); how many would be suggested."""
    from hotline.config.knowledge import load_knowledge
    from hotline.config.loader import CITIES_DIR, city_config
    from hotline.domain.knowledge import KnowledgeIndex

    today = date(2026, 11, 23)
    print(f"{label}: instant answers at the city's bar")
    totals = {"asked": 0, "answered": 0, "right": 0, "wrong": 0, "top1": 0, "unanswerable": 0, "false": 0,
              "suggested": 0}  # fmt: skip
    for city in CITIES:
        config = city_config(city)
        index = KnowledgeIndex(load_knowledge(CITIES_DIR / "kb" / f"{city}.yaml", config))
        data = yaml.safe_load((ROOT / "tests" / "data" / folder / f"{city}.yaml").read_text(encoding="utf-8"))
        floor = config.intake.knowledge.answer_min
        stale = {e.id for e in index.stale(today)}
        asked = [(q, a["entry"]) for a in data[answerable] if a["entry"] not in stale for q in a["questions"]]
        data["unanswerable"] = data[unanswerable]
        band = config.intake.knowledge.suggest_min
        totals["suggested"] += sum(
            [h.entry.id for h in index.search(q, today, minimum=band, limit=1) if h.score < floor] == [e]
            for q, e in asked
        )
        top1 = sum([h.entry.id for h in index.search(q, today, minimum=0.0, limit=1)] == [e] for q, e in asked)
        given = [(e, index.search(q, today, minimum=floor, limit=1)) for q, e in asked]
        answered = [(e, h[0].entry.id) for e, h in given if h]
        right = sum(a == b for a, b in answered)
        false = sum(bool(index.search(q, today, minimum=floor, limit=1)) for q in data["unanswerable"])
        wrong = len(answered) - right + false
        precision = right / max(right + wrong, 1)
        print(f"  {city:8} {len(asked)} answerable: top-1 {top1 / len(asked):.0%}, answered at once "
              f"{len(answered) / len(asked):.0%} ({right} right); {len(data['unanswerable'])} unanswerable: "
              f"{false} answered; precision of instant answers {precision:.0%}")  # fmt: skip
        for k, v in (("asked", len(asked)), ("answered", len(answered)), ("right", right), ("wrong", wrong),
                     ("top1", top1), ("unanswerable", len(data["unanswerable"])), ("false", false)):  # fmt: skip
            totals[k] += v
    t = totals
    print(f"  all      precision of instant answers {t['right'] / max(t['right'] + t['wrong'], 1):.0%}, "
          f"answered at once {t['answered'] / t['asked']:.0%} of answerable, top-1 {t['top1'] / t['asked']:.0%}, "
          f"unanswerable answered {t['false']}/{t['unanswerable']}; right entry suggested below the bar "
          f"{t['suggested'] / t['asked']:.0%}")  # fmt: skip


def warm_latency() -> None:
    from moto import mock_aws

    os.environ.update(HOTLINE_CITY="tianjin", TABLE_NAME="bench-tickets", AWS_DEFAULT_REGION="ap-southeast-1")
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[k] = "bench"
    with mock_aws():
        import boto3
        import pytest

        from hotline.adapters import runtime
        from hotline.dal.models import TicketItem
        from tests.integration import apigw
        from tests.integration.conftest import provision

        mp = pytest.MonkeyPatch()
        apigw.CHANNEL_KEYS.update(provision("tianjin", mp))  # the stack's environment, before the wiring reads it
        runtime.services.cache_clear()
        runtime.services()
        TicketItem.create_table(wait=True)
        ddb = boto3.client("dynamodb")

        def put(i: int) -> None:
            ddb.put_item(TableName="bench-tickets", Item={"pk": {"S": f"B#{i}"}, "sk": {"S": "x"}})

        def filing(i: int) -> None:
            body = {"type": "help", "category": "roads", "content": f"和平区第{i}号路口的路灯坏了好几天",
                    "location": {"district": "heping"}, "citizen": {"phone": f"139{i + 1000:08d}"}}  # fmt: skip
            assert apigw.call("POST", "/requests", body)[0] == 201

        def answer(i: int) -> None:
            body = {"type": "consultation", "content": "公积金怎么提取", "citizen": {"phone": f"138{i + 1000:08d}"}}
            assert apigw.call("POST", "/requests", body)[1]["outcome"] == "answered"

        def median_ms(fn) -> float:  # type: ignore[no-untyped-def]
            fn(-1)  # warm
            samples = []
            for i in range(N):
                t = time.perf_counter()
                fn(i)
                samples.append(time.perf_counter() - t)
            return statistics.median(samples) * 1000

        live = runtime.services().knowledge
        today = date(2026, 11, 23)
        index = live.refresh()[0]

        def search_live(i: int) -> None:  # R-KB-4: the revision read, then the search
            live.search("公积金怎么提取", today, minimum=0.1)

        def search_index(i: int) -> None:  # the search alone, in memory
            index.search("公积金怎么提取", today, minimum=0.1)

        def reload(i: int) -> None:  # after an approval: the heads read again and the index rebuilt
            live._revision = None
            live.search("公积金怎么提取", today, minimum=0.1)

        base = median_ms(put)
        print(f"warm on moto (median of {N}; baseline one PutItem {base:.1f} ms)")
        for label, fn in (("accepted and routed", filing), ("answered from the KB", answer)):
            took = median_ms(fn)
            print(f"  POST /requests {label:22} {took:6.1f} ms  ratio {took / base:5.1f}x")
        for label, fn in (("KB search, in memory", search_index), ("KB search + revision read", search_live),
                          ("KB search after an approval", reload)):  # fmt: skip
            took = median_ms(fn)
            print(f"  {label:38} {took:6.2f} ms  ratio {took / base:5.2f}x")
        mp.undo()


if __name__ == "__main__":
    kb_quality()
    warm_latency()
