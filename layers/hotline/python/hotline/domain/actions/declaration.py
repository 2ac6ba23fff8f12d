"""What one action is, in one place: its rows of THE transition table, what it carries, which
row its decision selects, the city's rules it must pass, what it changes and who hears of it.

`transitions.TABLE` is assembled from the rows declared here and stays the one authority on
status × action (× outcome) → status; `lifecycle.Lifecycle.apply` runs the rest in order:
payload → outcome → table rule → guards → effect → one event (R-SEC-3). `notices` renders the
notice rows (R-DSP-13, R-DESK-2).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from hotline.config.schema import CityConfig
from hotline.domain.actions.names import ActionName
from hotline.domain.actions.payload import Payload
from hotline.domain.models import Actor, Event, Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S = Status
R = Role
CENTER_DECIDERS = frozenset({R.dispatcher, R.reviewer})
WORKING = frozenset({S.in_progress, S.rehandling})

# Which unit of the order may act: any unit on it (lead or assisting), the lead, an assisting
# unit, the one doing the work (lead or handling, R-UNIT-2), any unit at work on it (lead,
# assisting or handling, R-UNIT-4), or a unit it was referred to (R-UNIT-3).
Party = Literal["any", "lead", "assist", "handler", "worker", "referred"]
P = TypeVar("P", bound=Payload)
P_co = TypeVar("P_co", bound=Payload, covariant=True)
P_contra = TypeVar("P_contra", bound=Payload, contravariant=True)


@dataclass(frozen=True)
class Ctx(Generic[P_co]):
    """What a guard and an effect read: the ticket as it was, the parsed payload, who and when."""

    ticket: Ticket
    payload: P_co
    actor: Actor
    now: datetime


class Guard(Protocol[P_contra]):
    """One of the city's rules an action must pass (a window, a count, a limit): raises the
    refusal, returns nothing. What an effect needs it computes itself, from the same inputs."""

    def __call__(self, lc: Lifecycle, c: Ctx[P_contra], /) -> None: ...


class Effect(Protocol[P_contra]):
    """What the transition changes on the copy `t`; returns the event's detail (R-SEC-3)."""

    def __call__(self, lc: Lifecycle, t: Ticket, c: Ctx[P_contra], /) -> dict[str, Any] | None: ...


Recipients = Callable[[CityConfig, Ticket, Event], list[str]]


@dataclass(frozen=True)
class Row:
    """One row of THE transition table, without the action that declares it."""

    sources: frozenset[Status]
    to: Status | None  # None: the status stays (a moment inside a phase)
    roles: frozenset[Role]
    outcome: str = "done"
    party: Party = "any"
    guards: tuple[Guard[Any], ...] = ()


def row(
    sources: set[Status] | frozenset[Status],
    to: Status | None,
    roles: set[Role] | frozenset[Role],
    outcome: str = "done",
    party: Party = "any",
    guards: tuple[Guard[Any], ...] = (),
) -> Row:
    return Row(frozenset(sources), to, frozenset(roles), outcome, party, guards)


@dataclass(frozen=True)
class ToUnits:
    """A notice to units (R-DSP-13): kind (the message attribute), who, subject and what happened.
    `ahead`: a reminder, never sent once its deadline is past (issue 15.5)."""

    kind: str
    recipients: Recipients
    subject: str
    text: str
    ahead: bool = False


@dataclass(frozen=True)
class ToCenter:
    """A notice to a center role's topic (R-DESK-2)."""

    kind: str
    role: str
    subject: str
    text: str


@dataclass(frozen=True)
class ToCitizen:
    """An SMS to the citizen (R-DSP-13). `per_request`: a split request speaks once, by its
    first order (`…-1`), not once per matter."""

    kind: str
    text: str
    per_request: bool = False


def done(_t: Ticket, _payload: Payload) -> str:
    """The outcome of an action that decides nothing."""
    return "done"


@dataclass(frozen=True, eq=False)
class Action(Generic[P]):
    """One action, declared once. Notice rows are keyed by the event's outcome, or by the
    deadline a timer names, or None for any; the most specific key wins. A key may tell units
    more than one thing (a redispatch tells the new unit to sign and the old one to stop)."""

    name: ActionName
    payload: type[P]
    rows: tuple[Row, ...]
    effect: Effect[P] | None  # None on purpose: nothing changes and the event records the payload
    choose: Callable[[Ticket, P], str] = done  # which row's outcome the payload selects
    units: Mapping[str | None, ToUnits | tuple[ToUnits, ...]] = field(default_factory=dict)
    center: Mapping[str | None, ToCenter] = field(default_factory=dict)
    citizen: Mapping[str | None, ToCitizen] = field(default_factory=dict)
    # The order it leaves waiting for dispatch is routed by the city's rule in the same write
    # (R-TRI-2: a person's accept; the rule, not the person, picks the unit).
    routes: bool = False
    # A person's confirmation counts toward the caller's record (R-TRI-6, R-INT-8).
    strikes: bool = False

    @property
    def outcomes(self) -> frozenset[str]:
        return frozenset(r.outcome for r in self.rows)
