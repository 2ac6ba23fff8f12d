"""Which phase an order is in, and when its execution must start or move on (DESIGN §1).

The state machine holds one phase at a time and waits on a task token while the ticket is in
it. Phases change only through the ticket: a status change that leaves the phase the execution
waits in resumes it. All of that is decided here, from the ticket alone, so the stream reader
that acts on it stays thin and every decision is testable without AWS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hotline.domain import records
from hotline.domain.models import FINAL, Status, Ticket

Phase = Literal["intake", "dispatch", "unit", "callback", "ledger", "done"]

S = Status
PHASES: dict[Status, Phase] = {
    S.received: "intake",
    S.triage: "dispatch",  # held for the dispatcher's decision (R-TRI-2): the center's phase
    S.pending_dispatch: "dispatch",  # the dispatcher's queue, or deferred to the working morning
    S.dispatched: "unit",
    S.in_progress: "unit",
    S.return_requested: "unit",  # the center decides; approval without a new unit → dispatch
    S.rehandling: "unit",
    S.backlogged: "ledger",  # off the clock on the backlog ledger (Baoding Art.19(4))
    S.replied: "callback",
    **{s: "done" for s in Status if s in FINAL},
}
WAITING: frozenset[Phase] = frozenset({"dispatch", "unit", "callback"})


def phase_of(status: Status) -> Phase:
    return PHASES[status]


class PhaseOver(Exception):
    """The order left the phase before the execution could wait in it: look again (not a failure)."""


@dataclass(frozen=True)
class Wait:
    """A parked execution: its task token, the phase it waits in, the ticket version it saw."""

    ticket_id: str
    token: str
    phase: Phase
    version: int


def execution_name(old: Ticket | None, new: Ticket) -> str | None:
    """The name of an execution to start for this change, or None.

    Every filed ticket gets one (orders run their phases; answers, transfers and refusals go
    straight to the archive), named after the ticket so a repeated start is the same execution
    (R-INT-6). An order leaving the backlog ledger with a reply starts afresh, and so does an
    archived order that changed since (its exemption decided), to archive it again; their names
    are made unique by the ticket version.
    """
    if old is None:
        return new.ticket_id
    if old.status is S.answered and new.status is not S.answered:
        return f"{new.ticket_id}-v{new.version}"  # an answer the citizen refused became an order (R-TRI-5)
    if phase_of(old.status) == "ledger" and phase_of(new.status) != "ledger":
        return f"{new.ticket_id}-v{new.version}"
    if new.archive_key and old.archived_version == new.archived_version and records.due(new):
        return f"{new.ticket_id}-v{new.version}"  # changed after its archiving: archive it again
    return None


def leaves_phase(old: Ticket | None, new: Ticket) -> bool:
    """Whether this change could end a phase an execution waits in: only then is the parked
    token worth reading (issue 24: a change within the phase costs no read)."""
    return old is not None and phase_of(old.status) in WAITING and phase_of(new.status) != phase_of(old.status)


def resumes(old: Ticket | None, new: Ticket, wait: Wait | None) -> bool:
    """Whether this change ends the phase the parked execution waits in.

    A change older than the parking (a replayed stream record) or within the phase resumes
    nothing; so a resume is sent at most once per phase, whatever the stream redelivers.
    """
    if old is None or wait is None or wait.ticket_id != new.ticket_id:
        return False
    left = phase_of(old.status) == wait.phase and phase_of(new.status) != wait.phase
    return left and new.version > wait.version
