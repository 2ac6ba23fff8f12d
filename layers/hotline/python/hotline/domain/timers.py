"""Which timers an order needs now (R-TMR-1/2/4): pure, from the ticket's state and the city's rules.

For each pending deadline: reminders (at fractions of the span and at fixed leads before it),
the overdue mark at the deadline, then one escalation per further rung of the city's ladder, each
after the previous rung's own time limit. Every timer carries the deadline version; its name
carries it too, so a moved deadline means new names and the old schedules are simply deleted.

The timers of one deadline form a chain, and only its next timer is armed (issue 24): most
orders meet their deadlines, so arming every rung up front created and deleted a dozen
schedules per order that never fired. A change arms the first timer of each chain it opens and
disarms the armed one of each chain it ends (`plan`); a fire arms the one after it (`following`).
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


def timer_name(ticket_id: str, deadline: str, version: int, step: str) -> str:
    """The schedule's name, which its fire can name again from its own input (app/timers.py)."""
    return f"{prefix(ticket_id)}{deadline}.v{version}.{step}"


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
            fire = {"ticket_id": t.ticket_id, "action": "route", "deadline": "dispatch", "deadline_version": v,
                    "step": "route"}  # fmt: skip
            out.append(Timer(timer_name(t.ticket_id, "dispatch", v, "route"), opens, fire))
    if t.status is Status.backlogged and t.deadlines.review_by is not None:
        # R-DESK-4: the ledger's review date reminds the unit and the reviewer; it is never overdue
        fire = {"ticket_id": t.ticket_id, "action": "remind", "deadline": "review", "deadline_version": v,
                "step": "remind"}  # fmt: skip
        out.append(Timer(timer_name(t.ticket_id, "review", v, "remind"), t.deadlines.review_by, fire))
    start = t.dispatched_at or t.created_at
    reminders, ladder = policy.config.reminders, policy.config.supervision.ladder
    cb = policy.config.callback
    silent = not t.rated_since_reply  # R-DESK-6: a recorded rating is never replaced by a deemed one
    deems = cb.no_rating == "deemed_basically_satisfied"
    if t.status is Status.replied and t.deadlines.callback_by and silent and deems:
        # R-CB-2 (Weixi Art.9): a citizen silent through the window is deemed basically satisfied
        fire = {"ticket_id": t.ticket_id, "action": "auto_close", "deadline": "callback", "deadline_version": v,
                "step": "close"}  # fmt: skip
        out.append(Timer(timer_name(t.ticket_id, "callback", v, "close"), t.deadlines.callback_by, fire))
    for deadline, statuses in WATCHED.items():
        due: datetime | None = getattr(t.deadlines, f"{deadline}_by")
        if due is None or t.status not in statuses or (deadline == "assist" and not t.missing_parts):
            continue
        base = {"ticket_id": t.ticket_id, "deadline": deadline, "deadline_version": v}
        # the queue's clock runs from when the order may go out (filed, returned, or its morning)
        start = (t.deadlines.dispatch_by or t.created_at) if deadline == "queue" else (t.dispatched_at or t.created_at)

        def timer(step: str, at: datetime, action: str, **extra: Any) -> Timer:
            name = timer_name(t.ticket_id, deadline, v, step)  # noqa: B023
            return Timer(name, at, {**base, "action": action, "step": step, **extra})  # noqa: B023

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


def chain_of(name: str) -> str:
    """`<ticket>.<deadline>.v<version>`: the timers of one deadline version, a chain."""
    return name.rsplit(".", 1)[0]


def chains(policy: SlaPolicy, t: Ticket | None) -> dict[str, list[Timer]]:
    """The order's chains, each in the order its timers fall due."""
    out: dict[str, list[Timer]] = {}
    for timer in timers_for(policy, t) if t is not None else []:
        out.setdefault(chain_of(timer.name), []).append(timer)
    return {key: sorted(timers, key=lambda x: (x.at, x.name)) for key, timers in out.items()}


@dataclass(frozen=True)
class Plan:
    """What one change of an order does to its schedules: names to delete, timers to create."""

    arm: tuple[Timer, ...] = ()
    disarm: tuple[str, ...] = ()


def plan(policy: SlaPolicy, old: Ticket | None, new: Ticket) -> Plan:
    """The schedules a change needs, decided from the two versions alone, so a replayed stream
    record plans the same (creating by name and deleting by name are then no-ops).

    A chain the change leaves as it was is not touched: its armed timer, whichever it is by now,
    stays. One it ends loses the timer armed at the moment of the change, the first due after it
    (an earlier one still in flight fires stale and arms nothing). One it opens gets its first
    timer, skipping reminders whose moment has passed; the overdue mark and the rungs are never
    skipped, however late the change. One it rewrote under the same version gets its first timer
    still to come, so nothing it already fired fires again."""
    at = new.updated_at
    before, after = chains(policy, old), chains(policy, new)
    disarm = []
    for key, timers in before.items():
        if after.get(key) != timers:
            armed = next((x for x in timers if x.at > at), None)
            if armed is not None:
                disarm.append(armed.name)
    arm = []
    for key, timers in after.items():
        if before.get(key) == timers:
            continue
        opened = key not in before
        first = next((x for x in timers if x.at > at or (opened and x.fire["action"] != "remind")), None)
        if first is not None:
            arm.append(first)
    return Plan(tuple(arm), tuple(disarm))  # disarmed first: a rewritten chain may reuse a name


def following(policy: SlaPolicy, t: Ticket, fired: str) -> Timer | None:
    """The timer after `fired` in its chain, when the chain is still the order's (a fire of a
    superseded or ended chain arms nothing)."""
    timers = chains(policy, t).get(chain_of(fired), [])
    names = [x.name for x in timers]
    if fired not in names:
        return None
    i = names.index(fired)
    return timers[i + 1] if i + 1 < len(timers) else None
