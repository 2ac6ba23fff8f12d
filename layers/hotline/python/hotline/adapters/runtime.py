"""A compatibility facade over `hotline.wiring` (issue 16) for tests and scripts written before it.

`services()` is the wired `Deps` (`services.cache_clear()` builds them again from the environment);
`now`, `set_clock` and `shift_clock` read or set the wired clock port. Functions use
`hotline.wiring.deps()` and the use cases `deps.now()`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from hotline.wiring import CLOCK, Deps, OffsetClock, deps, freeze, use_clock

Services = Deps
services = deps


def now() -> datetime:
    return CLOCK.now()


def set_clock(at: datetime | None) -> None:
    """Freeze the clock at `at` (tests); None lets it run again."""
    freeze(at)


def shift_clock(offset: timedelta) -> None:
    """Let the clock run `offset` ahead of real time."""
    use_clock(OffsetClock(offset) if offset else None)


__all__ = ["Services", "now", "services", "set_clock", "shift_clock", "timedelta"]
