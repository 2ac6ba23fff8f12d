"""The center's work queues (R-DESK-1): which queues an order is in, and by which deadline.

Pure, from the ticket alone: the store keeps one entry per (queue, order) in the same
transaction as the order (`dal/repository.py`), sorted by the moment given here, so a queue
page is one Query and never a Scan. An order may be in several queues at once (overdue and
supervised and awaiting an extension decision). Each queue names the roles that read it
(SPEC R-DESK-1) and the role that is told when an order enters it (R-DESK-2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hotline.domain.models import OPEN, Role, Satisfaction, Status, Ticket

EXCERPT = 80  # characters of the citizen's text a queue row shows


@dataclass(frozen=True)
class Queue:
    name: str
    label: str  # what staff call it
    readers: frozenset[Role]  # besides the supervisor, who reads every queue
    told: Role  # the role whose topic hears an order entering it (R-DESK-2)
    due: Callable[[Ticket], datetime | None]  # None: not in this queue
    listed: bool = True  # a work queue of GET /queues; the ledger is read as GET /backlog


def _pending(kind: str) -> Callable[[Ticket], datetime | None]:
    def due(t: Ticket) -> datetime | None:
        if t.pending is None or t.pending.kind != kind:
            return None
        # an extension is decided against the deadline it would move; the others, oldest first
        return (t.deadlines.reply_by or t.pending.at) if kind == "extension" else t.pending.at

    return due


def _triage(t: Ticket) -> datetime | None:
    return (t.deadlines.queue_by or t.created_at) if t.status is Status.triage else None


def _dispatch(t: Ticket) -> datetime | None:
    if t.status is not Status.pending_dispatch:
        return None
    return t.deadlines.queue_by or t.deadlines.dispatch_by or t.created_at


def _ledger(t: Ticket) -> datetime | None:
    """On the backlog ledger (R-DESK-4), by its review date."""
    if t.status is not Status.backlogged:
        return None
    return t.deadlines.review_by or t.updated_at


def _callback(t: Ticket) -> datetime | None:
    if t.status is not Status.replied or t.rated_since_reply:
        return None
    return t.deadlines.callback_by or t.updated_at


def _unsatisfied(t: Ticket) -> datetime | None:
    """A citizen's unsatisfied rating awaiting the center's review (R-CB-3, R-DESK-6)."""
    r = t.rating
    if t.status is not Status.replied or not t.rated_since_reply or r is None:
        return None
    return r.at if r.satisfaction is Satisfaction.unsatisfied and r.reasonable is None else None


def _overdue(t: Ticket) -> datetime | None:
    if not t.overdue or t.status not in OPEN:
        return None
    d = t.deadlines
    return min((x for x in (d.sign_by, d.reply_by, d.queue_by) if x is not None), default=t.updated_at)


def _supervised(t: Ticket) -> datetime | None:
    if t.supervision_level <= 0 or t.status not in OPEN:
        return None
    return t.deadlines.reply_by or t.updated_at


R = Role
QUEUES: tuple[Queue, ...] = (
    Queue("triage", "待研判", frozenset({R.dispatcher}), R.dispatcher, _triage),
    Queue("dispatch", "待派单", frozenset({R.dispatcher}), R.dispatcher, _dispatch),
    Queue("returns", "退单待审", frozenset({R.dispatcher, R.reviewer}), R.reviewer, _pending("return")),
    Queue("extensions", "延期待审", frozenset({R.reviewer}), R.reviewer, _pending("extension")),
    Queue("terminations", "终止待审", frozenset({R.reviewer}), R.reviewer, _pending("termination")),
    Queue("backlogs", "挂账待审", frozenset({R.reviewer}), R.reviewer, _pending("backlog")),
    Queue("exemptions", "免责待审", frozenset({R.reviewer}), R.reviewer, _pending("exemption")),
    Queue("callbacks", "待回访", frozenset({R.callback}), R.callback, _callback),
    Queue("unsatisfied", "不满意待复核", frozenset({R.callback}), R.callback, _unsatisfied),
    Queue("overdue", "已超时", frozenset(), R.supervisor, _overdue),
    Queue("supervised", "督办中", frozenset(), R.supervisor, _supervised),
    Queue("ledger", "挂账台账", frozenset({R.dispatcher, R.reviewer, R.callback}), R.reviewer, _ledger, listed=False),
)
LEDGER = "ledger"
BY_NAME = {q.name: q for q in QUEUES}


def memberships(t: Ticket) -> dict[str, datetime]:
    """queue name → the moment it sorts by, for every queue the order is in now."""
    out: dict[str, datetime] = {}
    for q in QUEUES:
        due = q.due(t)
        if due is not None:
            out[q.name] = due
    return out


def entered(before: Ticket, after: Ticket) -> list[str]:
    """The queues this change put the order into (R-DESK-2: each tells its role once)."""
    was = memberships(before)
    return [name for name in memberships(after) if name not in was]


def readable(role: Role) -> list[Queue]:
    """The queues a center role works (R-DESK-1); the supervisor reads them all."""
    return [q for q in QUEUES if q.listed and (role is R.supervisor or role in q.readers)]


def sort_key(due: datetime, ticket_id: str) -> str:
    """The entry's sort key: UTC, so that the text order is the time order whatever the offset."""
    return f"{due.astimezone(UTC).isoformat()}#{ticket_id}"


def row(t: Ticket, queue: str, due: datetime) -> dict[str, Any]:
    """What a queue page shows of an order: enough to choose it, without a read per row."""
    d = t.deadlines
    deadlines = {k: v.isoformat() for k, v in (("queue_by", d.queue_by), ("sign_by", d.sign_by),
                 ("reply_by", d.reply_by), ("callback_by", d.callback_by)) if v is not None}  # fmt: skip
    return {
        "ticket_id": t.ticket_id,
        "request_id": t.request_id,
        "queue": queue,
        "due": due.isoformat(),
        "status": t.status.value,
        "type": t.type.value,
        "category": t.category,
        "urgency": t.urgency.value,
        "district": t.location.district,
        "street": t.location.street,
        "lead_unit": t.lead_unit,
        "assist_units": list(t.assist_units),
        "deadlines": deadlines,
        "pending": t.pending.kind if t.pending else None,
        "overdue": t.overdue,
        "supervision_level": t.supervision_level,
        "triage": t.triage,
        "excerpt": t.content[:EXCERPT],
        "updated_at": t.updated_at.isoformat(),
    }
