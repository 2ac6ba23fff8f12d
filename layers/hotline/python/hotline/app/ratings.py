"""The citizen rates the handling (R-CB-1): with the query code, or by answering the reply SMS."""

from __future__ import annotations

import json
from contextvars import ContextVar
from datetime import timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hotline.app.ports import SMS_GATEWAY, Deps
from hotline.app.views import citizen_view
from hotline.domain import sms
from hotline.domain.errors import BadInput, Forbidden, NotFound
from hotline.domain.filing import query_code_matches
from hotline.domain.models import Actor, Role
from hotline.observability import count, logger

SMS_DEDUP_HOURS = 72  # a gateway retries for a day at most; three days leaves room
ANSWER_WITHIN = timedelta(days=90)  # the citizen GSI is read back this far, like duplicates


def rate(deps: Deps, request_id: str, query_code: str | None, body: dict[str, Any]) -> dict[str, Any]:
    ticket_id = body.pop("ticket_id", None)
    if not isinstance(ticket_id, str) or not ticket_id.startswith(f"{request_id}-"):
        raise BadInput("ticket_id", "give the ticket_id of one of this request's orders")
    try:
        ticket = deps.tickets.get(ticket_id)
    except NotFound:
        ticket = None
    if ticket is None or not query_code_matches(ticket, deps.keys, query_code):
        raise NotFound(None, f"no request {request_id} with that query code")
    citizen = Actor(role=Role.citizen, id=request_id)
    saved = deps.tickets.save(deps.lifecycle.apply(ticket, "rate", citizen, body, deps.now()))
    return citizen_view(saved, deps.config)


class Inbound(BaseModel):
    """One SMS the gateway received: sender, text and the gateway's own message id."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    message_id: str = Field(min_length=1, max_length=128)
    sender: str = Field(alias="from", min_length=5, max_length=20)
    text: str = Field(max_length=500)


def check_gateway(deps: Deps, api_key_id: str | None) -> None:
    if deps.channels.holder(api_key_id) != SMS_GATEWAY:
        raise Forbidden("not_the_sms_gateway", "only the city's SMS gateway key may post inbound SMS")


_DEPS: ContextVar[Deps] = ContextVar("ratings_deps")


def rate_by_sms(deps: Deps, body: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """An answer to the reply SMS rates the sender's order; a redelivery answers the same."""
    try:
        message = Inbound.model_validate(body)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise BadInput(None, f"inbound SMS: {problems}") from None
    # the retry store keeps a digest of what it compares for three days: keyed, or the sender's
    # number could be found from it and the rating the ticket keeps (R-SEC-1)
    digest = deps.keys.hash(json.dumps([message.sender, message.text], ensure_ascii=False))
    request = {"message_id": message.message_id, "sender": message.sender, "text": message.text, "digest": digest}
    token = _DEPS.set(deps)
    try:
        return deps.idempotency.once(
            _rate_by_sms,
            request,
            key_path="message_id",
            payload_path="digest",
            hours=SMS_DEDUP_HOURS,
            context=context,
            what="message_id",
            reused_code="message_id_reused",
        )
    finally:
        _DEPS.reset(token)


def _rate_by_sms(request: dict[str, Any]) -> dict[str, Any]:
    """The answer rates the sender's order that waits for a rating; a redelivery answers the same."""
    deps = _DEPS.get()
    answer = sms.parse_answer(request["text"])
    since = (deps.now() - ANSWER_WITHIN).isoformat()
    mine = [
        t
        for who in deps.keys.hashes(sms.mobile(request["sender"]))
        for t in deps.tickets.recent_for_citizen(who, since)
    ]
    ticket = sms.awaiting_rating(mine)
    if ticket is None:
        raise NotFound("nothing_to_rate", "no order of this sender waits for a rating")
    body = {"resolved": None, "satisfaction": answer.satisfaction.value, "comment": answer.comment}
    citizen = Actor(role=Role.citizen, id=ticket.request_id)
    saved = deps.tickets.save(deps.lifecycle.apply(ticket, "rate", citizen, body, deps.now()))
    count("SmsRatings")
    logger.info("rated by SMS", extra={"ticket_id": saved.ticket_id, "status": saved.status.value})
    return {**citizen_view(saved, deps.config), "rated_by": "sms"}
