"""The order's state machine calls these steps (DESIGN §1): locate, park, archive.

Each reads the ticket, the truth, and answers `{"ticket_id", "status"}`; the state machine's
Choice picks the next phase from the status. Every step is safe to retry: locating routes only
an order still waiting, parking is conditioned on the version read, archiving writes once.
"""

# No `from __future__ import annotations`: the pydantic model below resolves its annotations at
# class creation, and the runtime imports this file without registering it in sys.modules.
import os
from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from hotline.adapters.attachments import PREFIX as INCOMING
from hotline.adapters.runtime import now, services
from hotline.dal.repository import reread_on_conflict
from hotline.domain import records
from hotline.domain.errors import Conflict, IllegalTransition
from hotline.domain.models import FINAL, SYSTEM, Ticket
from hotline.domain.routing import due_dispatch
from hotline.domain.workflow import WAITING, Phase, PhaseOver, Wait, phase_of

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
PARK_ATTEMPTS = 5


class Task(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: Literal["locate", "park", "archive"]
    ticket_id: str
    phase: Phase | None = None
    token: str | None = None


def locate(task: Task) -> Ticket:
    """Where the order stands; a queued order whose rule decides and whose time has come is
    dispatched here (after an approved return, say). Losing that race to the dispatcher is fine."""
    svc = services()
    ticket = svc.tickets.get(task.ticket_id)
    step = due_dispatch(svc.lifecycle, ticket, now())
    if step is None:
        return ticket
    try:
        ticket = svc.tickets.save(step)
        metrics.add_metric(name="RoutedByRule", unit=MetricUnit.Count, value=1)
    except Conflict:
        ticket = svc.tickets.get(task.ticket_id)
    return ticket


def park(task: Task) -> Ticket:
    """Leave the task token beside the ticket while it is in `phase`; PhaseOver when it is not."""
    svc = services()
    if task.phase not in WAITING or not task.token:
        raise ValueError(f"park needs a token and one of the waiting phases {sorted(WAITING)}")

    def once() -> Ticket:
        ticket = svc.tickets.get(task.ticket_id)
        if phase_of(ticket.status) != task.phase:
            raise PhaseOver(f"{task.ticket_id} is {ticket.status.value}, no longer in the {task.phase} phase")
        svc.waits.park(Wait(ticket.ticket_id, str(task.token), task.phase, ticket.version))
        return ticket

    return reread_on_conflict(once, attempts=PARK_ATTEMPTS)  # it changed while we looked: look again


def archive(task: Task) -> Ticket:
    """R-CB-5: the record to the archive bucket (verified), then the live item gets its TTL."""
    svc = services()
    ticket = svc.tickets.get(task.ticket_id)
    if ticket.status not in FINAL:
        raise IllegalTransition(None, f"{ticket.ticket_id} is {ticket.status.value}, not final: nothing to archive")
    if records.due(ticket):  # never archived, or changed since (a late exemption decision, R-CB-4)
        key = ticket.archive_key or records.key(ticket, svc.lifecycle.policy.calendar.local(ticket.updated_at).date())
        uploads = os.environ.get("ATTACHMENTS_BUCKET", "")
        copies = {
            a: svc.archive.copy_in(uploads, f"{INCOMING}{a}", records.attachment_key(key, a))
            for a in ticket.attachments
        }
        if None in copies.values():
            logger.warning("an attachment was gone when archiving", extra={"ticket_id": ticket.ticket_id})
            metrics.add_metric(name="ArchiveAttachmentMissing", unit=MetricUnit.Count, value=1)
        body = records.document(ticket, svc.tickets.events(ticket.ticket_id), copies)
        checksum = records.checksum(body)
        svc.archive.put(key, body, checksum)
        step = svc.lifecycle.apply(ticket, "archive", SYSTEM, {"key": key, "checksum": checksum}, now())
        ticket = svc.tickets.save(step)
        metrics.add_metric(name="Archived", unit=MetricUnit.Count, value=1)
    svc.waits.clear(ticket.ticket_id)
    return ticket


STEPS = {"locate": locate, "park": park, "archive": archive}


@logger.inject_lambda_context
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    task = Task.model_validate(event)
    ticket = STEPS[task.step](task)
    logger.info("workflow step", extra={"ticket_id": ticket.ticket_id, "step": task.step, "status": ticket.status})
    return {"ticket_id": ticket.ticket_id, "status": ticket.status.value}
