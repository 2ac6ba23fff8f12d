"""Units and the center act on work orders (SPEC §3, §11): read, act, inbox."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.http import install_error_handlers, json_body, staff_actor
from hotline.adapters.runtime import now, services
from hotline.adapters.views import staff_view
from hotline.domain.errors import BadInput, Forbidden
from hotline.domain.models import Role, Status
from hotline.domain.transitions import CENTER_ACTIONS, UNIT_ACTIONS

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
app = APIGatewayRestResolver()
install_error_handlers(app)
API_ACTIONS = UNIT_ACTIONS | CENTER_ACTIONS


@app.get("/tickets/<ticket_id>")
def read(ticket_id: str) -> dict[str, Any]:
    actor, svc = staff_actor(app), services()
    ticket = svc.tickets.get(ticket_id)
    if actor.role is Role.unit and not ticket.involves(actor.id):
        raise Forbidden(None, "a unit sees only its own orders (R-SEC-2)")
    return staff_view(ticket, svc.tickets.events(ticket_id))


@app.post("/tickets/<ticket_id>/actions")
def act(ticket_id: str) -> dict[str, Any]:
    actor, svc = staff_actor(app), services()
    body = json_body(app)
    action = body.pop("action", None)
    if action not in API_ACTIONS:
        raise BadInput("unknown_action", f"`action` must be one of: {', '.join(sorted(API_ACTIONS))}")
    ticket = svc.tickets.get(ticket_id)
    step = svc.lifecycle.apply(ticket, action, actor, body, now())
    saved = svc.tickets.save(step)
    metrics.add_metric(name=f"Action_{action}", unit=MetricUnit.Count, value=1)
    logger.info("ticket action", extra={"ticket_id": ticket_id, "action": action, "status": saved.status})
    return staff_view(saved, svc.tickets.events(ticket_id))


@app.get("/units/<unit_id>/tickets")
def inbox(unit_id: str) -> dict[str, Any]:
    actor, svc = staff_actor(app), services()
    if actor.role is Role.unit and actor.id != unit_id:
        raise Forbidden(None, "a unit reads only its own inbox (R-SEC-2)")
    raw = app.current_event.get_query_string_value("status")
    try:
        status = Status(raw) if raw else None
    except ValueError:
        raise BadInput("unknown_status", f"unknown status {raw!r}") from None
    cursor = app.current_event.get_query_string_value("cursor")
    tickets, nxt = svc.tickets.inbox(unit_id, status=status, cursor=cursor)
    return {"unit_id": unit_id, "tickets": [staff_view(t) for t in tickets], "next": nxt}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
