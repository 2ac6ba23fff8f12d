"""The three rates (R-KPI-1): read by the center and the units, published monthly to the archive.

`GET /stats/kpi?unit_id=|district=&period=` answers one scope's counts and rates from the kept
figures (one GetItem); the monthly routine writes the month just ended, and at the year's end
the year, as JSON and CSV under `kpi/` in the archive bucket, where object lock keeps them.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.http import install_error_handlers, staff_actor
from hotline.app import kpi
from hotline.observability import API_REQUEST_ID, instrumented
from hotline.wiring import deps

app = APIGatewayRestResolver()
install_error_handlers(app)


@app.get("/stats/kpi")
def figures() -> dict[str, Any]:
    actor, query = staff_actor(app), app.current_event.get_query_string_value
    return kpi.figures(deps(), actor, query("unit_id"), query("district"), query("period"))


def export(period: str | None = None) -> dict[str, Any]:
    return kpi.export(deps(), period)


@instrumented(correlation_id_path=API_REQUEST_ID)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "routine" in event:  # the monthly EventBridge rule, or an operator re-running a month
        if event["routine"] != "kpi_export":
            raise ValueError(f"unknown routine {event['routine']!r}; known: ['kpi_export']")
        return export(event.get("period"))
    return app.resolve(event, context)
