"""The citizen rates the handling (R-CB-1): on the web or app with the query code
(`POST /requests/{id}/rating`), or by answering the reply SMS with 1, 2 or 3, which the city's
two-way SMS gateway posts to `POST /sms/inbound` with its own API key."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from hotline.adapters.channels import SMS_GATEWAY
from hotline.adapters.http import install_error_handlers, json_body
from hotline.adapters.idempotency import once
from hotline.adapters.runtime import now, services
from hotline.adapters.views import citizen_view
from hotline.domain import sms
from hotline.domain.errors import BadInput, Forbidden, NotFound
from hotline.domain.filing import query_code_matches
from hotline.domain.models import Actor, Role

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
app = APIGatewayRestResolver()
install_error_handlers(app)


@app.post("/requests/<request_id>/rating")
def rate(request_id: str) -> dict[str, Any]:
    svc = services()
    body = json_body(app)
    ticket_id = body.pop("ticket_id", None)
    if not isinstance(ticket_id, str) or not ticket_id.startswith(f"{request_id}-"):
        raise BadInput("ticket_id", "give the ticket_id of one of this request's orders")
    code = app.current_event.get_query_string_value("query_code")
    try:
        ticket = svc.tickets.get(ticket_id)
    except NotFound:
        ticket = None
    if ticket is None or not query_code_matches(ticket, svc.keys, code):
        raise NotFound(None, f"no request {request_id} with that query code")
    citizen = Actor(role=Role.citizen, id=request_id)
    saved = svc.tickets.save(svc.lifecycle.apply(ticket, "rate", citizen, body, now()))
    return citizen_view(saved)


class Inbound(BaseModel):
    """One SMS the gateway received: sender, text and the gateway's own message id."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    message_id: str = Field(min_length=1, max_length=128)
    sender: str = Field(alias="from", min_length=5, max_length=20)
    text: str = Field(max_length=500)


SMS_DEDUP_HOURS = 72  # a gateway retries for a day at most; three days leaves room
ANSWER_WITHIN = timedelta(days=90)  # the citizen GSI is read back this far, like duplicates


@app.post("/sms/inbound")
def sms_inbound() -> dict[str, Any]:
    identity = app.current_event.request_context.identity
    if services().channels.holder(identity.api_key_id) != SMS_GATEWAY:
        raise Forbidden("not_the_sms_gateway", "only the city's SMS gateway key may post inbound SMS")
    try:
        message = Inbound.model_validate(json_body(app))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise BadInput(None, f"inbound SMS: {problems}") from None
    # the retry store keeps a digest of what it compares for three days: keyed, or the sender's
    # number could be found from it and the rating the ticket keeps (R-SEC-1)
    digest = services().keys.hash(json.dumps([message.sender, message.text], ensure_ascii=False))
    request = {"message_id": message.message_id, "sender": message.sender, "text": message.text, "digest": digest}
    return once(
        _rate_by_sms,
        request,
        table=os.environ["IDEMPOTENCY_TABLE"],
        key_path="message_id",
        payload_path="digest",
        hours=SMS_DEDUP_HOURS,
        context=app.lambda_context,
        what="message_id",
        reused_code="message_id_reused",
    )


def _rate_by_sms(request: dict[str, Any]) -> dict[str, Any]:
    """The answer rates the sender's order that waits for a rating; a redelivery answers the same."""
    svc = services()
    answer = sms.parse_answer(request["text"])
    since = (now() - ANSWER_WITHIN).isoformat()
    mine = [
        t for who in svc.keys.hashes(sms.mobile(request["sender"])) for t in svc.tickets.recent_for_citizen(who, since)
    ]
    ticket = sms.awaiting_rating(mine)
    if ticket is None:
        raise NotFound("nothing_to_rate", "no order of this sender waits for a rating")
    body = {"resolved": None, "satisfaction": answer.satisfaction.value, "comment": answer.comment}
    citizen = Actor(role=Role.citizen, id=ticket.request_id)
    saved = svc.tickets.save(svc.lifecycle.apply(ticket, "rate", citizen, body, now()))
    metrics.add_metric(name="SmsRatings", unit=MetricUnit.Count, value=1)
    logger.info("rated by SMS", extra={"ticket_id": saved.ticket_id, "status": saved.status.value})
    return {**citizen_view(saved), "rated_by": "sms"}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
