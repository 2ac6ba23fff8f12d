"""Retrying a read-decide-write when a concurrent writer won (optimistic locking, Conflict)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from hotline.domain.errors import Conflict

T = TypeVar("T")


def reread_on_conflict(write: Callable[[], T], attempts: int = 3) -> T:
    """Run `write` (which reads what it needs, decides and writes) again when a concurrent writer
    won; the last Conflict propagates. For system writes that must not be lost to a unit's click."""
    for attempt in range(attempts):
        try:
            return write()
        except Conflict:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
