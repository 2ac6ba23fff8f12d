"""Callers who flood the hotline (R-INT-8; Tianjin Art.32, Hohhot Art.33): warn, then suspend.

A caller is the keyed hash of a phone number. Filings the hotline cannot take up — refused as
out of scope or unlawful, or repeats with nothing new — count within the city's window; at
`warn_after` the caller is warned (the channel reads the warning out), at `suspend_after`
suspended for the city's period. Every change is kept on the record; a supervisor can lift it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from hotline.config.schema import CallerSuspension
from hotline.domain.errors import DomainError, RuleViolation
from hotline.domain.sla import SlaPolicy

COUNTED = frozenset({"not_accepted", "duplicate"})


class CallerSuspended(DomainError):
    status = 403
    code = "caller_suspended"


class CallerEntry(BaseModel):
    at: datetime
    what: Literal["warned", "suspended", "reinstated"]
    by: str
    note: str = ""


class CallerRecord(BaseModel):
    caller_id: str
    strikes: list[datetime] = []
    suspended_until: datetime | None = None
    history: list[CallerEntry] = []
    version: int = 0

    def suspended(self, now: datetime) -> bool:
        return self.suspended_until is not None and now < self.suspended_until


def admit(record: CallerRecord | None, now: datetime) -> None:
    if record is not None and record.suspended(now):
        until = record.suspended_until.isoformat() if record.suspended_until else ""
        raise CallerSuspended(None, f"this caller is suspended until {until} (R-INT-8); a supervisor can lift it")


def strike(
    record: CallerRecord, rule: CallerSuspension, policy: SlaPolicy, now: datetime
) -> tuple[CallerRecord, Literal["warned", "suspended"] | None]:
    """Count one out-of-scope filing; say whether it crossed the warning or suspension line."""
    kept = [t for t in record.strikes if policy.add(t, rule.window) > now] + [now]
    after = record.model_copy(update={"strikes": kept, "history": list(record.history)})
    if len(kept) >= rule.suspend_after:
        after.suspended_until = policy.add(now, rule.suspension)
        after.strikes = []
        after.history.append(CallerEntry(at=now, what="suspended", by="system", note=rule.article))
        return after, "suspended"
    if len(kept) == rule.warn_after:
        after.history.append(CallerEntry(at=now, what="warned", by="system", note=rule.article))
        return after, "warned"
    return after, None


def reinstate(record: CallerRecord, by: str, note: str, now: datetime) -> CallerRecord:
    if not record.suspended(now):
        raise RuleViolation("not_suspended", "该来电人未被暂停受理", "this caller is not suspended")
    after = record.model_copy(update={"suspended_until": None, "strikes": [], "history": list(record.history)})
    after.history.append(CallerEntry(at=now, what="reinstated", by=by, note=note))
    return after
