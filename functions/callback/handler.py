"""The citizen rates the handling (SPEC §5, §11 POST /requests/{id}/rating)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.http import install_error_handlers, json_body
from hotline.adapters.runtime import now, services
from hotline.adapters.views import citizen_view
from hotline.domain.errors import BadInput, NotFound
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
    if ticket is None or not query_code_matches(ticket, svc.secret, code):
        raise NotFound(None, f"no request {request_id} with that query code")
    citizen = Actor(role=Role.citizen, id=request_id)
    saved = svc.tickets.save(svc.lifecycle.apply(ticket, "rate", citizen, body, now()))
    return citizen_view(saved)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
