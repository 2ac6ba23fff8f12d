"""The order's state machine calls these steps (DESIGN §1): locate, park, archive.

Each reads the ticket, the truth, and answers it; the state machine's Choice picks the next phase
from its status. Every step is safe to retry: locating routes only an order still waiting,
parking is conditioned on the version read, archiving writes once.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from hotline.app.ports import Deps
from hotline.app.retry import reread_on_conflict
from hotline.domain import records
from hotline.domain.errors import Conflict, IllegalTransition
from hotline.domain.models import FINAL, SYSTEM, Ticket
from hotline.domain.routing import due_dispatch
from hotline.domain.workflow import WAITING, Phase, PhaseOver, Wait, phase_of
from hotline.observability import count, logger

PARK_ATTEMPTS = 5
INCOMING = "incoming/"  # where uploads wait in the attachments bucket (adapters/attachments.PREFIX)


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: Literal["locate", "park", "archive"]
    ticket_id: str
    phase: Phase | None = None
    token: str | None = None


def locate(deps: Deps, task: Task) -> Ticket:
    """Where the order stands; a queued order whose rule decides and whose time has come is
    dispatched here (after an approved return, say). Losing that race to the dispatcher is fine."""
    ticket = deps.tickets.get(task.ticket_id)
    step = due_dispatch(deps.lifecycle, ticket, deps.now())
    if step is None:
        return ticket
    try:
        ticket = deps.tickets.save(step)
        count("RoutedByRule")
    except Conflict:
        ticket = deps.tickets.get(task.ticket_id)
    return ticket


def park(deps: Deps, task: Task) -> Ticket:
    """Leave the task token beside the ticket while it is in `phase`; PhaseOver when it is not."""
    if task.phase not in WAITING or not task.token:
        raise ValueError(f"park needs a token and one of the waiting phases {sorted(WAITING)}")

    def once() -> Ticket:
        # the dispatcher's phase routes a due order first, as Locate would: a resume lands here directly
        ticket = locate(deps, task) if task.phase == "dispatch" else deps.tickets.get(task.ticket_id)
        if phase_of(ticket.status) != task.phase:
            raise PhaseOver(f"{task.ticket_id} is {ticket.status.value}, no longer in the {task.phase} phase")
        deps.waits.park(Wait(ticket.ticket_id, str(task.token), task.phase, ticket.version))
        return ticket

    return reread_on_conflict(once, attempts=PARK_ATTEMPTS)  # it changed while we looked: look again


def archive(deps: Deps, task: Task) -> Ticket:
    """R-CB-5: the record to the archive bucket (verified), then the live item gets its TTL."""
    ticket, events = deps.tickets.history(task.ticket_id)
    if ticket.status not in FINAL:
        raise IllegalTransition(None, f"{ticket.ticket_id} is {ticket.status.value}, not final: nothing to archive")
    if records.due(ticket):  # never archived, or changed since (a late exemption decision, R-CB-4)
        key = ticket.archive_key or records.key(ticket, deps.local(ticket.updated_at).date())
        copies = {
            a: deps.archive.copy_in(deps.uploads_bucket, f"{INCOMING}{a}", records.attachment_key(key, a))
            for a in ticket.attachments
        }
        if None in copies.values():
            logger.warning("an attachment was gone when archiving", extra={"ticket_id": ticket.ticket_id})
            count("ArchiveAttachmentMissing")
        body = records.document(ticket, events, copies)
        checksum = records.checksum(body)
        deps.archive.put(key, body, checksum)
        step = deps.lifecycle.apply(ticket, "archive", SYSTEM, {"key": key, "checksum": checksum}, deps.now())
        ticket = deps.tickets.save(step)
        count("Archived")
    deps.waits.clear(ticket.ticket_id)
    return ticket


STEPS = {"locate": locate, "park": park, "archive": archive}


def run(deps: Deps, task: Task) -> dict[str, str]:
    """The step the state machine asked for; it answers `{"ticket_id", "status"}`."""
    ticket = STEPS[task.step](deps, task)
    logger.info("workflow step", extra={"ticket_id": ticket.ticket_id, "step": task.step, "status": ticket.status})
    return {"ticket_id": ticket.ticket_id, "status": ticket.status.value}
