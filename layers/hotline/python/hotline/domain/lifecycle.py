"""Applying an action to a ticket: parse → outcome → table rule → guards → effect → one event
(R-SEC-3).

Pure and deterministic: the caller passes the time and persists the result (ticket + event in
one transaction). What each action carries, selects, checks and changes is declared with the
action (`domain/actions/`); this module runs them in that order and knows the city (its units,
its policy) they consult. Nothing here decides *whether* a status may change; the table does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hotline.config.schema import CityConfig, UtilityAlert
from hotline.domain import payloads as p
from hotline.domain import queues
from hotline.domain.actions import declared
from hotline.domain.actions.archive import LIVE_AFTER_ARCHIVE
from hotline.domain.actions.common import FEATURE_NAMES, PENDING_NAMES
from hotline.domain.actions.declaration import Ctx
from hotline.domain.actions.dispatch import assign
from hotline.domain.actions.names import label
from hotline.domain.actions.payload import parse_strictly
from hotline.domain.errors import BadInput
from hotline.domain.models import Actor, Event, Ticket
from hotline.domain.sla import SlaPolicy
from hotline.domain.transitions import Rule, authorize, find_rule


@dataclass
class Step:
    """What one action does to one ticket; the repository writes both or neither."""

    before: Ticket
    after: Ticket
    event: Event


def parse_payload(action: str, body: dict[str, Any]) -> p.Payload:
    """Strict, as JSON reads (R-INT-9): `"3"` is not a number and `"yes"` not a boolean; dates
    and enum values come as their JSON strings."""
    declaration = declared(action)
    if declaration is None:
        known = ", ".join(sorted(p.PAYLOADS))
        raise BadInput("unknown_action", f"未知的操作 {action!r}", f"unknown action {action!r}; known: {known}")
    return parse_strictly(declaration.payload, body, label(action), action)


class Lifecycle:
    def __init__(self, config: CityConfig, policy: SlaPolicy | None = None) -> None:
        self.config = config
        self.policy = policy or SlaPolicy(config)
        self._units = {u.id for u in config.units}
        self._names = {u.id: u.name for u in config.units}

    def utility_for(self, text: str) -> UtilityAlert | None:
        """The public utility the city names for an emergency of this kind (a gas leak → the gas company)."""
        return next((u for u in self.config.intake.utilities if any(term in text for term in u.terms)), None)

    def unit_name(self, unit_id: str) -> str:
        """What staff call a unit (the tree's name), never a bare id in a message (R-DSP-13)."""
        return self._names.get(unit_id, unit_id)

    def is_unit(self, unit_id: str) -> bool:
        """A unit of the city's tree (only those receive orders)."""
        return unit_id in self._units

    def apply(self, ticket: Ticket, action: str, actor: Actor, body: dict[str, Any], now: datetime) -> Step:
        if now.tzinfo is None:
            raise ValueError("now must carry an offset")
        authorize(ticket, action, actor)  # 403 before any word about state or payload (issue 15.11)
        payload = parse_payload(action, body)
        declaration = declared(action)
        assert declaration is not None  # parse_payload refused an unknown action
        outcome = declaration.choose(ticket, payload)
        rule = find_rule(ticket, action, outcome, actor)
        ctx = Ctx(ticket, payload, actor, now)
        for guard in rule.guards:
            guard(self, ctx)
        after = ticket.model_copy(deep=True)
        if declaration.effect is None:  # a moment that changes nothing: the event records what was said
            detail = payload.model_dump(mode="json", exclude_none=True)
        else:
            detail = declaration.effect(self, after, ctx) or {}
        after.status = rule.to or ticket.status
        after.updated_at = now
        after.version = ticket.version + 1
        joined = queues.entered(ticket, after)
        if joined:  # R-DESK-2: the event says which queues the order entered; their roles hear it
            detail = {**detail, "queues": joined}
        event = Event(
            ticket_id=ticket.ticket_id,
            seq=after.version,
            at=now,
            actor=actor,
            action=declaration.name.value,
            from_status=ticket.status,
            to_status=after.status,
            detail={"outcome": outcome, **detail} if outcome != "done" else detail,
        )
        return Step(ticket, after, event)

    def dispatch_to(self, t: Ticket, lead: str, assist: list[str], now: datetime) -> dict[str, Any]:
        """The order goes to a lead unit (and its assisting units) with a fresh clock (R-DSP-1/2)."""
        return assign(self, t, lead, assist, now)


__all__ = [
    "FEATURE_NAMES",
    "LIVE_AFTER_ARCHIVE",
    "PENDING_NAMES",
    "Lifecycle",
    "Rule",
    "Step",
    "parse_payload",
]
