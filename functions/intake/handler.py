"""Channels file citizen requests (SPEC §2, §11): catalogue, filing, the citizen's progress view."""

from __future__ import annotations

import uuid
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from hotline.adapters.http import install_error_handlers, json_body
from hotline.adapters.runtime import now, services
from hotline.adapters.views import citizen_view, summary
from hotline.config.schema import RequestType
from hotline.domain.errors import BadInput, NotFound
from hotline.domain.filing import Filing, file_request, query_code_matches

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
app = APIGatewayRestResolver()
install_error_handlers(app)
MAX_BODY = 64 * 1024


@app.get("/catalog")
def catalog() -> dict[str, Any]:
    c = services().config
    return {
        "city": c.city,
        "name": c.name,
        "types": [t.value for t in RequestType],
        "categories": [{"code": x.code, "name": x.name, "always_on": x.always_on} for x in c.categories],
        "districts": [
            {"code": d.code, "name": d.name, "streets": [{"code": s.code, "name": s.name} for s in d.streets]}
            for d in c.districts
        ],
        "channels": [ch.value for ch in c.channels],
    }


@app.post("/requests")
def file() -> Response[dict[str, Any]]:
    raw = app.current_event.body or ""
    if len(raw.encode()) > MAX_BODY:
        raise BadInput("too_large", f"the body is larger than {MAX_BODY // 1024} KB")
    try:
        filing = Filing.model_validate(json_body(app))
    except ValidationError as exc:
        raise BadInput(None, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    svc, at = services(), now()
    request_id = f"{at:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"
    query_code, orders = file_request(filing, svc.lifecycle, request_id, svc.secret, at)
    saved = svc.tickets.save_all(step for chain in orders for step in chain)
    metrics.add_metric(name="RequestsAccepted", unit=MetricUnit.Count, value=1)
    logger.info("request filed", extra={"request_id": request_id, "orders": len(saved), "channel": filing.channel})
    body = {
        "request_id": request_id,
        "query_code": query_code,
        "outcome": "accepted",
        "tickets": [summary(t) for t in saved],
    }
    return Response(201, "application/json", body)


@app.get("/requests/<request_id>")
def progress(request_id: str) -> dict[str, Any]:
    svc = services()
    code = app.current_event.get_query_string_value("query_code")
    try:
        first = svc.tickets.get(f"{request_id}-1")
    except NotFound:
        first = None
    if first is None or not query_code_matches(first, svc.secret, code):
        raise NotFound(None, f"no request {request_id} with that query code")  # same answer either way
    tickets = [first] + [svc.tickets.get(f"{request_id}-{i}") for i in range(2, first.matters + 1)]
    return {"request_id": request_id, "tickets": [citizen_view(t) for t in tickets]}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
