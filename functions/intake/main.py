"""Channels file citizen requests (SPEC §2, §11): catalogue, filing, progress, KB search, uploads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from hotline.adapters import georeport
from hotline.adapters.http import body_bytes, install_error_handlers, json_body
from hotline.app import intake, open311
from hotline.domain.errors import BadInput, DomainError, NotFound
from hotline.domain.filing import Filing
from hotline.observability import API_REQUEST_ID, instrumented
from hotline.wiring import deps

app = APIGatewayRestResolver(enable_validation=False)
install_error_handlers(app)
MAX_BODY = 64 * 1024


def _api_key_id() -> str | None:
    return app.current_event.request_context.identity.api_key_id


@app.get("/catalog")
def catalog() -> dict[str, Any]:
    return intake.catalog(deps())


@app.post("/requests")
def file() -> Response[dict[str, Any]]:
    d = deps()
    channel = intake.channel_of(d, _api_key_id())  # the key is checked before the body is read
    body = json_body(app, max_bytes=MAX_BODY)
    try:
        filing = Filing.parse(body)  # strictly typed (R-INT-9)
    except ValidationError as exc:
        raise BadInput(None, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None
    headers = app.current_event.headers
    key = headers.get("idempotency-key") or headers.get("Idempotency-Key")
    command = intake.FileRequest(channel, body, filing, key, app.lambda_context)
    return Response(201, "application/json", intake.file(d, command))


@app.post("/attachments")
def upload_slot() -> Response[dict[str, Any]]:
    d = deps()
    channel = intake.channel_of(d, _api_key_id())
    return Response(201, "application/json", intake.upload_slot(d, channel, json_body(app)))


@app.get("/requests/<request_id>")
@app.get("/public/requests/<request_id>")  # R-UI-2: the citizen's progress page, the query code is the credential
def progress(request_id: str) -> dict[str, Any]:
    return intake.progress(deps(), request_id, app.current_event.get_query_string_value("query_code"))


@app.post("/requests/<request_id>/escalate")
def escalate(request_id: str) -> dict[str, Any]:
    """R-TRI-5: an instant answer that did not help becomes an order."""
    d = deps()
    intake.channel_of(d, _api_key_id())
    body = json_body(app) if app.current_event.body else {}
    return intake.escalate(d, request_id, app.current_event.get_query_string_value("query_code"), body)


@app.get("/kb/search")
@app.get("/public/kb")  # R-UI-2: the public page's KB search, no credential
def search() -> dict[str, Any]:
    q = (app.current_event.get_query_string_value("q") or "").strip()
    hits = intake.search(deps(), q)
    return {
        "q": q,
        "results": [
            {"id": h.entry.id, "question": h.entry.question, "answer": h.entry.answer, "category": h.entry.category,
             "unit": h.entry.unit, "updated_at": h.entry.updated_at.isoformat(), "score": h.score}
            for h in hits
        ],
    }  # fmt: skip


# -- Open311 GeoReport v2 (R-O311-1): the standard's paths, formats and errors ----------------


def _georeport(file: str, work: Callable[[], Response[str]]) -> Response[str]:
    """The standard's error document in the asked format (XML unless `.json` was asked), for
    every refusal of its routes."""
    try:
        return work()
    except DomainError as exc:
        fmt = "json" if file.endswith(".json") else "xml"
        return georeport.errors(open311.error_status(exc), str(exc), fmt)


def _query() -> dict[str, str]:
    """The query, a parameter declared several times as one comma list ("can be declared multiple
    times, comma delimited"); an empty one as if absent."""
    event = app.current_event
    many = event.multi_value_query_string_parameters or {
        k: [v] for k, v in (event.query_string_parameters or {}).items()
    }
    joined = {k: ",".join(v.strip() for v in values if v and v.strip()) for k, values in many.items()}
    return {k: v for k, v in joined.items() if v}


@app.get("/open311/v2/<file>")
def georeport_get(file: str) -> Response[str]:
    def work() -> Response[str]:
        name, fmt = georeport.split(file)
        d, query = deps(), _query()
        open311.check_jurisdiction(d, query.get("jurisdiction_id"))
        if name == "discovery":
            url = f"https://{app.current_event.request_context.domain_name}/{app.current_event.request_context.stage}/open311/v2"
            return georeport.render("discovery", open311.discovery(d, url), fmt)
        if name == "services":
            return georeport.render("services", open311.services(d), fmt)
        if name == "requests":
            return georeport.render("service_requests", open311.requests(d, query), fmt)
        if name == "servicerequestupdates":
            return georeport.render("service_request_updates", open311.updates(d, query), fmt)
        raise NotFound(None, f"没有 {name} 这一资源", f"no Open311 resource {name}")

    return _georeport(file, work)


@app.post("/open311/v2/<file>")
def georeport_post(file: str) -> Response[str]:
    def work() -> Response[str]:
        name, fmt = georeport.split(file)
        if name != "requests":
            raise NotFound(None, f"{name} 不接受提交", f"POST is for requests.{fmt} only")
        try:
            pairs, unreadable = georeport.pairs(body_bytes(app)), None
        except DomainError as exc:  # judged after the key, which cannot be read either (403 first)
            pairs, unreadable = None, exc
        headers = app.current_event.headers
        key = headers.get("idempotency-key") or headers.get("Idempotency-Key")
        post = open311.Post(pairs, unreadable, key, app.lambda_context)
        return georeport.render("service_requests", open311.file(deps(), post), fmt)

    return _georeport(file, work)


@app.get("/open311/v2/<collection>/<file>")
def georeport_one(collection: str, file: str) -> Response[str]:
    def work() -> Response[str]:
        key, fmt = georeport.split(file)
        d = deps()
        open311.check_jurisdiction(d, _query().get("jurisdiction_id"))
        if collection == "services":
            return georeport.render("service_definition", open311.definition(d, key), fmt)
        if collection == "requests":
            return georeport.render("service_requests", open311.request(d, key), fmt)
        if collection == "tokens":
            return georeport.render("service_requests", open311.token(d, key), fmt)
        raise NotFound(None, f"没有 {collection} 这一资源", f"no Open311 resource {collection}")

    return _georeport(file, work)


@instrumented(correlation_id_path=API_REQUEST_ID)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
