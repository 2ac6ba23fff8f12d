"""The local door's usage-plan throttle (R-INT-1): burst, then the plan's rate, then 429."""

from __future__ import annotations

from hotline_local.gateway import Bucket


def test_a_channel_may_burst_to_its_plan_limit_and_is_then_refused_until_tokens_refill():
    bucket = Bucket(rate=0.001, burst=3)
    bucket.tokens = bucket.burst
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]
    bucket.at -= 2000  # 2,000 s at 0.001/s refills two tokens
    assert [bucket.take() for _ in range(3)] == [True, True, False]


def test_a_plan_without_a_rate_never_throttles():
    assert all(Bucket(rate=0, burst=0).take() for _ in range(100))
