"""Strikes against a caller who floods the hotline (R-INT-8), counted only for what a person
decided or a repeat with nothing new (R-TRI-6): a machine's doubt never punishes."""

from __future__ import annotations

from datetime import datetime

from hotline.app.ports import Deps
from hotline.app.retry import reread_on_conflict
from hotline.domain.callers import CallerRecord, strike
from hotline.domain.errors import Conflict
from hotline.observability import logger

STRIKE_ATTEMPTS = 5


def count_strike(deps: Deps, callers: list[str], at: datetime) -> str | None:
    """Count an out-of-scope filing against the caller; retried if another filing counted first.
    During a key rotation the caller's record may still be under the previous key: it counts on."""
    rule = deps.config.features.caller_suspension
    assert rule is not None

    def once() -> tuple[CallerRecord, str | None]:
        found = [r for r in (deps.callers.get(c) for c in callers) if r is not None]
        record = found[0] if found else CallerRecord(caller_id=callers[0])
        after, crossed = strike(record, rule, deps.lifecycle.policy, at)
        deps.callers.save(after)
        return after, crossed

    try:
        after, crossed = reread_on_conflict(once, attempts=STRIKE_ATTEMPTS)
    except Conflict:
        raise Conflict(None, "caller record: too many concurrent filings; retry") from None
    if crossed == "warned":
        left = rule.suspend_after - rule.warn_after
        return f"反复提出不属于热线受理范围或无新情况的诉求,再有 {left} 次将暂停受理 ({rule.article})"
    if crossed == "suspended":
        logger.info("caller suspended", extra={"until": str(after.suspended_until), "article": rule.article})
        return f"已暂停受理该来电人的诉求至 {after.suspended_until:%Y-%m-%d %H:%M} ({rule.article})"
    return None
