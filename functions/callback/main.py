"""The citizen rates the handling (R-CB-1): on the web or app with the query code
(`POST /requests/{id}/rating`), or by answering the reply SMS with 1, 2 or 3, which the city's
two-way SMS gateway posts to `POST /sms/inbound` with its own API key."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.http import install_error_handlers, json_body
from hotline.app import ratings
from hotline.observability import API_REQUEST_ID, instrumented
from hotline.wiring import deps

app = APIGatewayRestResolver()
install_error_handlers(app)


@app.post("/requests/<request_id>/rating")
def rate(request_id: str) -> dict[str, Any]:
    d, body = deps(), json_body(app)
    return ratings.rate(d, request_id, app.current_event.get_query_string_value("query_code"), body)


@app.post("/sms/inbound")
def sms_inbound() -> dict[str, Any]:
    d, api_key_id = deps(), app.current_event.request_context.identity.api_key_id
    ratings.check_gateway(d, api_key_id)
    return ratings.rate_by_sms(d, json_body(app), app.lambda_context)


@instrumented(correlation_id_path=API_REQUEST_ID)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
