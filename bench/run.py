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


if __name__ == "__main__":
    main()
    from bench import intake

    intake.kb_quality()
    intake.warm_latency()
    from bench import lifecycle, timers

    lifecycle.calls_per_order()
    timers.fire_cost()
