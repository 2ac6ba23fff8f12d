"""Benchmarks, reported as ratios measured in one run (the machine is shared and noisy).

cold import: a function's handler module vs `import boto3` alone, median of N fresh interpreters.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

N = 7
ENV = {**os.environ, "HOTLINE_CITY": "tianjin", "TABLE_NAME": "bench", "AWS_DEFAULT_REGION": "ap-southeast-1"}


def cold(statement: str) -> float:
    samples = []
    for _ in range(N):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, env=ENV)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    base = cold("import boto3")
    print(f"import boto3 (baseline)                  {base * 1000:7.0f} ms")
    for fn in ("intake", "dispatch", "timers", "callback"):
        took = cold(f"import functions.{fn}.handler")
        print(f"import functions.{fn}.handler{' ' * (12 - len(fn))}{took * 1000:7.0f} ms  ratio {took / base:4.2f}x")
    # R-TRI-1: sorting's first call compiles the lexicon; a segmenter would load its dictionary
    first = "from hotline.domain.triage import sort_matter; from hotline.config.schema import IntakePolicy; "
    sort = cold(first + "sort_matter('楼下饭店后厨着火了，火很大，楼上还有人', IntakePolicy())")
    print(f"import + first sort_matter (lexicon)     {sort * 1000:7.0f} ms  ratio {sort / base:4.2f}x")
    seg = cold("import jieba, logging; jieba.setLogLevel(logging.WARNING); jieba.lcut('楼下饭店后厨着火了')")
    print(f"import jieba + first lcut (dictionary)   {seg * 1000:7.0f} ms  ratio {seg / base:4.2f}x  (not shipped)")


if __name__ == "__main__":
    main()
    from bench import intake, sorting

    print("Intake sorting (R-TRI-7): tuning = texts the lexicon was written against; held-out = written before it")
    print("\n".join("  " + line for line in sorting.report()))
    intake.kb_quality()
    intake.kb_calibration()
    intake.kb_heldout("kb", "spoken", "spoken_unanswerable", "KB spoken tuning set (tests/data/kb `spoken`)")
    intake.kb_heldout()
    intake.warm_latency()
    from bench import desk, lifecycle, timers

    lifecycle.calls_per_order()
    timers.fire_cost()
    desk.page_cost()
    desk.inbox_cost()
    from bench import governance

    governance.calls_of_a_new_order()
