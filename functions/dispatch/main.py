"""Units and the center act on work orders (SPEC §3, §11, §12.2): read, act, inbox, queues, callers."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.http import install_error_handlers, json_body, staff_actor
from hotline.app import actions, desk, knowledge
from hotline.observability import API_REQUEST_ID, instrumented
from hotline.wiring import deps

app = APIGatewayRestResolver()
install_error_handlers(app)


@app.get("/tickets/<ticket_id>")
def read(ticket_id: str) -> dict[str, Any]:
    return actions.read(deps(), staff_actor(app), ticket_id)


@app.get("/callers/<caller_id>")
def caller(caller_id: str) -> dict[str, Any]:
    return actions.caller(deps(), staff_actor(app), caller_id)


@app.post("/callers/<caller_id>/reinstate")
def lift(caller_id: str) -> dict[str, Any]:
    actor = actions.require_role(staff_actor(app), frozenset({actions.Role.supervisor}))  # before the body
    return actions.lift(deps(), actor, caller_id, json_body(app))


@app.post("/tickets/<ticket_id>/actions")
def act(ticket_id: str) -> dict[str, Any]:
    actor = staff_actor(app)
    return actions.act(deps(), actor, ticket_id, json_body(app))


@app.get("/units/<unit_id>/tickets")
def inbox(unit_id: str) -> dict[str, Any]:
    actor, event = staff_actor(app), app.current_event
    status, cursor = event.get_query_string_value("status"), event.get_query_string_value("cursor")
    return actions.inbox(deps(), actor, unit_id, status, cursor, event.get_query_string_value("role"))


@app.get("/queues")
def queues() -> dict[str, Any]:
    return desk.overview(deps(), staff_actor(app))


@app.get("/queues/<name>")
def queue(name: str) -> dict[str, Any]:
    return desk.page(deps(), staff_actor(app), name, app.current_event.get_query_string_value("cursor"))


@app.get("/backlog")
def backlog() -> dict[str, Any]:
    return desk.ledger(deps(), staff_actor(app), app.current_event.get_query_string_value("cursor"))


ROUTINES = {"requeue": desk.requeue}


# -- the living knowledge base (R-KB-4): units propose, the reviewer decides -------------------


@app.post("/kb/entries")
def kb_propose() -> Response[dict[str, Any]]:
    return Response(201, "application/json", knowledge.propose(deps(), staff_actor(app), json_body(app)))


@app.get("/kb/entries")
def kb_list() -> dict[str, Any]:
    q = app.current_event.get_query_string_value
    return knowledge.listing(deps(), staff_actor(app), q("unit_id"), q("status"))


@app.get("/kb/entries/<entry_id>")
def kb_one(entry_id: str) -> dict[str, Any]:
    return knowledge.one(deps(), staff_actor(app), entry_id)


@app.put("/kb/entries/<entry_id>")
def kb_change(entry_id: str) -> dict[str, Any]:
    return knowledge.change(deps(), staff_actor(app), entry_id, json_body(app))


@app.post("/kb/entries/<entry_id>/actions")
def kb_act(entry_id: str) -> dict[str, Any]:
    return knowledge.act(deps(), staff_actor(app), entry_id, json_body(app))


@app.get("/kb/stats")
def kb_stats() -> dict[str, Any]:
    q = app.current_event.get_query_string_value
    return knowledge.stats(deps(), staff_actor(app), q("unit_id"), q("period"))


@instrumented(correlation_id_path=API_REQUEST_ID)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "routine" in event:  # an operator's `aws lambda invoke` (docs/runbook.md), never the API
        routine = ROUTINES.get(str(event["routine"]))
        if routine is None:
            raise ValueError(f"unknown routine {event['routine']!r}; known: {sorted(ROUTINES)}")
        return routine(deps(), event.get("cursor"))
    return app.resolve(event, context)
