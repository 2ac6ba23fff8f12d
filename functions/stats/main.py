"""The city's figures and what it governs with (R-KPI-1, SPEC §12.4 R-GOV-1..4).

`GET /stats/kpi` answers one scope's three rates (one GetItem); `/stats/hotspots`, `/stats/callers`,
`/stats/ranking` and `/warnings` one Query each of the kept counts; `/topics` opens, lists, shows
and works governance topics; `/public/report` is the monthly public report, without credentials.
The routines: the monthly export (the rates as JSON and CSV, and the public report, under `kpi/`
in the archive bucket, where object lock keeps them) and the daily topic reviews.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.http import install_error_handlers, json_body, staff_actor
from hotline.app import governance, kpi
from hotline.observability import API_REQUEST_ID, instrumented
from hotline.wiring import deps

app = APIGatewayRestResolver()
install_error_handlers(app)


def _q(name: str) -> str | None:
    return app.current_event.get_query_string_value(name)


@app.get("/stats/kpi")
def figures() -> dict[str, Any]:
    return kpi.figures(deps(), staff_actor(app), _q("unit_id"), _q("district"), _q("period"))


@app.get("/stats/hotspots")
def hotspots() -> dict[str, Any]:
    return governance.hotspots(deps(), staff_actor(app), _q("period"), _q("by"), _q("top"))


@app.get("/stats/callers")
def callers() -> dict[str, Any]:
    return governance.callers(deps(), staff_actor(app), _q("period"))


@app.get("/stats/ranking")
def ranking() -> dict[str, Any]:
    return governance.ranking(deps(), staff_actor(app), _q("period"), _q("level"))


@app.get("/warnings")
def warnings() -> dict[str, Any]:
    return governance.warnings(deps(), staff_actor(app), _q("cursor"))


@app.post("/topics")
def open_topic() -> dict[str, Any]:
    actor = staff_actor(app)
    return governance.open_topic(deps(), actor, json_body(app))


@app.get("/topics")
def topics() -> dict[str, Any]:
    return governance.topics(deps(), staff_actor(app), _q("cursor"))


@app.get("/topics/<topic_id>")
def topic(topic_id: str) -> dict[str, Any]:
    return governance.topic(deps(), staff_actor(app), topic_id)


@app.post("/topics/<topic_id>/actions")
def act_on_topic(topic_id: str) -> dict[str, Any]:
    actor = staff_actor(app)
    return governance.act_on_topic(deps(), actor, topic_id, json_body(app))


@app.get("/public/report")
def public_report() -> dict[str, Any]:
    return governance.public_report(deps(), _q("period"))


def export(period: str | None = None) -> dict[str, Any]:
    return kpi.export(deps(), period)


ROUTINES = {"kpi_export": lambda event: export(event.get("period")),
            "topic_reviews": lambda _event: governance.topic_reviews(deps())}  # fmt: skip


@instrumented(correlation_id_path=API_REQUEST_ID)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "routine" in event:  # an EventBridge rule, or an operator re-running a month
        routine = ROUTINES.get(str(event["routine"]))
        if routine is None:
            raise ValueError(f"unknown routine {event['routine']!r}; known: {sorted(ROUTINES)}")
        return routine(event)
    return app.resolve(event, context)
