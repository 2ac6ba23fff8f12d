"""Which timers an order needs now (R-TMR-1/2/4): pure, from the ticket's state and the city's rules.

For each pending deadline: reminders (at fractions of the span and at fixed leads before it),
the overdue mark at the deadline, then one escalation per further rung of the city's ladder, each
after the previous rung's own time limit. Every timer carries the deadline version; its name
carries it too, so a moved deadline means new names and the old schedules are simply deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hotline.domain.models import OPEN, Status, Ticket
from hotline.domain.sla import SlaPolicy

WATCHED = {
    # the dispatcher's own deadline (R-DSP-2), also for a held request (R-TRI-2): reminded, then overdue
    "queue": {Status.pending_dispatch, Status.triage},
    "sign": {Status.dispatched},
    "assist": {Status.dispatched, Status.in_progress},  # the assisting units' parts (R-DSP-6, R-TMR-1)
    "reply": {Status.dispatched, Status.in_progress, Status.rehandling},
}
LADDERED = {"sign", "reply"}  # the order's own deadlines escalate; an assisting unit's part is flagged


@dataclass(frozen=True)
class Timer:
    name: str  # the schedule's name: unique per ticket, deadline, version and step (≤ 64 chars)
    at: datetime
    fire: dict[str, Any]  # the timers function's input


def prefix(ticket_id: str) -> str:
    return f"{ticket_id}."


def _office_time(policy: SlaPolicy, moment: datetime, start: datetime, due: datetime) -> datetime:
    """A reminder due at night or on a holiday comes at the last open moment before it, or, when
    that is before the order began, at the next opening (if still before the deadline)."""
    earlier = policy.calendar.last_office_moment(moment)
    if earlier > start:
        return earlier
    later = policy.calendar.clock_start(moment)
    return later if later < due else moment


def timers_for(policy: SlaPolicy, t: Ticket) -> list[Timer]:
    if t.status not in OPEN:
        return []
    out: list[Timer] = []
    v = t.deadline_version
    if t.status is Status.pending_dispatch and t.deadlines.dispatch_by is not None:
        opens = policy.dispatch_opens(t.deadlines.dispatch_by)
        if opens > t.updated_at:  # deferred to the working morning (Weixi Art.6): routed then
            fire = {"ticket_id": t.ticket_id, "action": "route", "deadline": "dispatch", "deadline_version": v}
            out.append(Timer(f"{prefix(t.ticket_id)}dispatch.v{v}.route", opens, fire))
    if t.status is Status.backlogged and t.deadlines.review_by is not None:
        # R-DESK-4: the ledger's review date reminds the unit and the reviewer; it is never overdue
        fire = {"ticket_id": t.ticket_id, "action": "remind", "deadline": "review", "deadline_version": v}
        out.append(Timer(f"{prefix(t.ticket_id)}review.v{v}.remind", t.deadlines.review_by, fire))
    start = t.dispatched_at or t.created_at
    reminders, ladder = policy.config.reminders, policy.config.supervision.ladder
    cb = policy.config.callback
    silent = not t.rated_since_reply  # R-DESK-6: a recorded rating is never replaced by a deemed one
    deems = cb.no_rating == "deemed_basically_satisfied"
    if t.status is Status.replied and t.deadlines.callback_by and silent and deems:
        # R-CB-2 (Weixi Art.9): a citizen silent through the window is deemed basically satisfied
        fire = {"ticket_id": t.ticket_id, "action": "auto_close", "deadline": "callback", "deadline_version": v}
        out.append(Timer(f"{prefix(t.ticket_id)}callback.v{v}.close", t.deadlines.callback_by, fire))
    for deadline, statuses in WATCHED.items():
        due: datetime | None = getattr(t.deadlines, f"{deadline}_by")
        if due is None or t.status not in statuses or (deadline == "assist" and not t.missing_parts):
            continue
        base = {"ticket_id": t.ticket_id, "deadline": deadline, "deadline_version": v}
        # the queue's clock runs from when the order may go out (filed, returned, or its morning)
        start = (t.deadlines.dispatch_by or t.created_at) if deadline == "queue" else (t.dispatched_at or t.created_at)

        def timer(step: str, at: datetime, action: str, **extra: Any) -> Timer:
            return Timer(f"{prefix(t.ticket_id)}{deadline}.v{v}.{step}", at, {**base, "action": action, **extra})  # noqa: B023

        moments = {start + (due - start) * f for f in reminders.at_fractions}
        moments |= {due - timedelta(hours=b.hours) for b in reminders.before if b.hours is not None}
        if not policy.is_always_on(t.category):  # a working-day order is reminded while the office is open
            moments = {_office_time(policy, m, start, due) for m in moments}
        out += [timer(f"r{i}", at, "remind") for i, at in enumerate(sorted(m for m in moments if start < m < due))]
        out.append(timer("overdue", due, "mark_overdue"))
        at = due
        for rung in (
            ladder[:-1] if deadline in LADDERED else []
        ):  # level 1 opens at the deadline; each next level after its time limit
            at = policy.add(at, rung.deadline, always_on=policy.is_always_on(t.category))
            out.append(timer(f"l{rung.level + 1}", at, "escalate", level=rung.level + 1))
    return out
