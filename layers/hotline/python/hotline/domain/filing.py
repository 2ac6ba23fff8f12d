"""Turning a filed request into work orders: one per matter (R-INT-5), routed or queued (R-DSP-1/2).

Classification into answered / transferred / not accepted / duplicate (R-INT-3/4) is the intake
issue's work; this module accepts every well-formed request and routes it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hotline.config.schema import Channel, CityConfig, RequestType, Urgency
from hotline.domain.errors import BadInput
from hotline.domain.lifecycle import Lifecycle, Step
from hotline.domain.models import SYSTEM, Location, Status, Ticket
from hotline.domain.routing import route

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Citizen(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, max_length=50)
    phone: str | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is not None and not PHONE.match(v):
            raise ValueError("not a mainland mobile (11 digits from 1) or landline number (0xx-xxxxxxx)")
        return v


class Matter(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    content: str = Field(min_length=2)
    category: str | None = None
    location: Location | None = None


class Filing(BaseModel):
    """POST /requests (SPEC §11)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    channel: Channel
    type: RequestType
    content: str = Field(min_length=2)
    category: str | None = None
    urgency: Urgency = Urgency.normal
    citizen: Citizen = Citizen()
    confidential: bool = False
    location: Location = Location()
    matters: list[Matter] = Field(default=[], max_length=10)

    @model_validator(mode="after")
    def _clean(self) -> Self:
        for text in [self.content, *(m.content for m in self.matters)]:
            if CONTROL.search(text):
                raise ValueError("content contains control characters")
        return self


def keyed_hash(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def check_against_city(f: Filing, config: CityConfig) -> None:
    """Codes must come from GET /catalog; lengths from the city's limit (R-INT-9)."""
    if f.channel not in config.channels:
        raise BadInput("unknown_channel", f"{f.channel.value} is not a channel of {config.name}")
    cats = {c.code for c in config.categories}
    districts = {d.code: {s.code for s in d.streets} for d in config.districts}
    items: list[Filing | Matter] = [f, *f.matters]
    for m in items:
        if len(m.content) > config.max_content_chars:
            raise BadInput("too_long", f"content is longer than {config.max_content_chars} characters")
        if m.category is not None and m.category not in cats:
            raise BadInput("unknown_category", f"unknown category {m.category!r}; see GET /catalog")
        loc = m.location or f.location
        if loc.district is not None and loc.district not in districts:
            raise BadInput("unknown_district", f"unknown district {loc.district!r}; see GET /catalog")
        if loc.street is not None and loc.street not in districts.get(loc.district or "", set()):
            raise BadInput("unknown_street", f"street {loc.street!r} is not in district {loc.district!r}")


def file_request(
    f: Filing, lc: Lifecycle, request_id: str, secret: bytes, now: datetime
) -> tuple[str, list[list[Step]]]:
    """The query code (shown once) and, per work order, its steps: accept, then dispatch if routed."""
    check_against_city(f, lc.config)
    query_code = secrets.token_urlsafe(9)
    matters = f.matters or [Matter(content=f.content, category=f.category, location=f.location)]
    orders: list[list[Step]] = []
    for i, m in enumerate(matters, start=1):
        loc = m.location or f.location
        ticket = Ticket(
            ticket_id=f"{request_id}-{i}",
            request_id=request_id,
            city=lc.config.city,
            channel=f.channel,
            type=f.type,
            urgency=f.urgency,
            category=m.category,
            content=m.content,
            location=loc,
            confidential=f.confidential,
            citizen_key=keyed_hash(secret, f.citizen.phone) if f.citizen.phone else None,
            query_code_hash=keyed_hash(secret, query_code),
            matters=len(matters),
            created_at=now,
            updated_at=now,
        )
        steps = [lc.apply(ticket, "accept", SYSTEM, {}, now)]
        assignment = route(lc.config, m.category, loc.district, loc.street)
        due = lc.policy.dispatch_at(now, f.type, m.category)
        if assignment is not None and due <= now:
            body = {"lead_unit": assignment.lead_unit, "assist_units": list(assignment.assist_units)}
            body["note"] = f"routed by rule ({assignment.principle}, {assignment.article})"
            steps.append(lc.apply(steps[-1].after, "dispatch", SYSTEM, body, now))
        else:  # the dispatcher's queue, or deferred to the next working morning (Weixi Art.6)
            steps[-1].after.deadlines.dispatch_by = due
        orders.append(steps)
    assert all(s[-1].after.status in {Status.pending_dispatch, Status.dispatched} for s in orders)
    return query_code, orders


def query_code_matches(ticket: Ticket, secret: bytes, code: str | None) -> bool:
    if not code or not ticket.query_code_hash:
        return False
    return hmac.compare_digest(ticket.query_code_hash, keyed_hash(secret, code))
