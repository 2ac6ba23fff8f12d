"""How tickets look to each audience (SPEC §11): staff see the order, citizens their progress."""

from __future__ import annotations

from typing import Any

from hotline.config.schema import CityConfig
from hotline.domain.models import Event, Status, Ticket
from hotline.domain.timeline import timeline
from hotline.domain.transitions import STATUS_NAMES

NOT_ORDERS = frozenset({Status.not_accepted, Status.transferred, Status.duplicate})


def deadlines(t: Ticket) -> dict[str, str | None]:
    d = t.deadlines
    return {
        k: (v.isoformat() if v else None)
        for k, v in (("sign_by", d.sign_by), ("return_by", d.return_by), ("reply_by", d.reply_by),
                     ("assist_by", d.assist_by), ("callback_by", d.callback_by), ("dispatch_by", d.dispatch_by),
                     ("queue_by", d.queue_by))
    }  # fmt: skip


def staff_view(t: Ticket, events: list[Event] | None = None) -> dict[str, Any]:
    private = {"citizen_key", "query_code_hash", "deadlines", "citizen_sealed", "citizen_masked"}
    view = t.model_dump(mode="json", exclude=private)
    view.update(deadlines=deadlines(t), extensions_used=t.extensions_used)
    if events is not None:
        view["events"] = [
            {"at": e.at.isoformat(), "actor": str(e.actor), "action": e.action, "from": e.from_status.value,
             "to": e.to_status.value, "detail": e.detail}
            for e in events
        ]  # fmt: skip
    return view


def summary(t: Ticket) -> dict[str, Any]:
    return {
        "ticket_id": t.ticket_id,
        "lead_unit": t.lead_unit,
        "assist_units": t.assist_units,
        "status": t.status.value,
        "deadlines": {"sign_by": deadlines(t)["sign_by"], "reply_by": deadlines(t)["reply_by"]},
    }


def citizen_view(t: Ticket, config: CityConfig, events: list[Event] | None = None) -> dict[str, Any]:
    """What the holder of the query code reads (R-INT-5, R-UNIT-4): units by name, public progress,
    and with the events a readable timeline; never an internal id or a staff member."""
    names = {u.id: u.name for u in config.units}
    view: dict[str, Any] = {
        "ticket_id": t.ticket_id,
        "status": t.status.value,
        "status_name": STATUS_NAMES.get(t.status, t.status.value),
        "category": t.category,
        "lead_unit_name": names.get(t.lead_unit or ""),
        "assist_unit_names": [names.get(u, "协办单位") for u in t.assist_units],
        "deadlines": {"sign_by": deadlines(t)["sign_by"], "reply_by": deadlines(t)["reply_by"]},
        "updated_at": t.updated_at.isoformat(),
        "progress": [
            {"at": p.at.isoformat(), "unit_name": names.get(p.by, "承办单位"), "text": p.text}
            for p in t.progress
            if p.public
        ],
    }
    if t.reply is not None:
        view["reply"] = {"result": t.reply.result, "at": t.reply.at.isoformat()}
    if t.guidance and t.status in NOT_ORDERS:  # why it is not an order, and where to go (R-INT-4, R-TRI-2)
        view["guidance"] = t.guidance
    if events is not None:
        view["timeline"] = timeline(config, events)
    return view
