"""The staff console at `/console/` and the public pages at `/public/` (SPEC §12.6, R-UI-1/2).

Served from the API's own stage, so the pages and the API share one origin: no CORS, no second
domain, no bucket or distribution to secure (docs/decisions.md). The pages are static files
beside this handler (plain ES modules; Chart.js and the Cognito sign-in library are vendored by
`make`); what a page needs to know of the city is answered here from the layer: `config.json`
(how to sign in), `catalog.json` (names of units, districts, categories, statuses, actions) and
`actions.json` (each action's payload schema, from which the console builds its forms).
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.observability import instrumented
from hotline.wiring import deps

STATIC = Path(__file__).resolve().parent / "static"
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json; charset=utf-8",
         ".svg": "image/svg+xml", ".png": "image/png"}  # fmt: skip
SECURITY = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' https://*.amazonaws.com; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "strict-transport-security": "max-age=31536000",
}


def _answer(status: int, body: str, content_type: str, cache_s: int = 300) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": content_type, "cache-control": f"max-age={cache_s}",
                                              **SECURITY}, "body": body, "isBase64Encoded": False}  # fmt: skip


@cache
def config() -> str:
    """How the console signs in: the city's user pool (SRP), or the local cloud's picker."""
    local = os.environ.get("HOTLINE_LOCAL") == "1"
    return json.dumps({"city": deps().config.city, "name": deps().config.name, "local": local,
                       "user_pool_id": os.environ.get("USER_POOL_ID", ""),
                       "client_id": os.environ.get("USER_POOL_CLIENT_ID", "")}, ensure_ascii=False)  # fmt: skip


@cache
def catalog() -> str:
    from hotline.domain.actions.names import LABELS
    from hotline.domain.actions.payload import FIELD_NAMES, VALUE_NAMES
    from hotline.domain.inbox import PART_NAMES
    from hotline.domain.models import Role
    from hotline.domain.queues import QUEUES
    from hotline.domain.transitions import STATUS_NAMES, role_name

    c = deps().config
    return json.dumps({
        "units": {u.id: {"name": u.name, "kind": u.kind, "parent": u.parent} for u in c.units},
        "districts": [{"code": d.code, "name": d.name, "streets": [{"code": s.code, "name": s.name}
                                                                   for s in d.streets]} for d in c.districts],
        "categories": [{"code": x.code, "name": x.name} for x in c.categories],
        "statuses": {s.value: n for s, n in STATUS_NAMES.items()},
        "actions": {a.value: n for a, n in LABELS.items()},
        "queues": {q.name: q.label for q in QUEUES},
        "parts": PART_NAMES,
        "roles": {r.value: role_name(r) for r in Role},
        "fields": FIELD_NAMES,
        "values": VALUE_NAMES,
    }, ensure_ascii=False)  # fmt: skip


@cache
def action_schemas() -> str:
    from hotline.domain.payloads import PAYLOADS

    return json.dumps({name: model.model_json_schema() for name, model in PAYLOADS.items()}, ensure_ascii=False)


GENERATED = {"config.json": config, "catalog.json": catalog, "actions.json": action_schemas}


def page(path: str) -> dict[str, Any]:
    """`/console/…` or `/public/…`: a file of that site, `vendor/…` shared; index.html for a folder."""
    parts = [p for p in path.split("/") if p]
    if not parts or parts[0] not in ("console", "public"):
        return _answer(404, "not found", "text/plain; charset=utf-8")
    site, rest = parts[0], parts[1:]
    if rest and rest[-1] in GENERATED:
        return _answer(200, GENERATED[rest[-1]](), TYPES[".json"], cache_s=60)
    if any(p.startswith(".") for p in rest):
        return _answer(404, "not found", "text/plain; charset=utf-8")
    base = STATIC if rest[:1] in (["vendor"], ["common"]) else STATIC / site
    file = (base.joinpath(*rest) if rest else base / "index.html").resolve()
    if file.is_dir():
        file = file / "index.html"
    if STATIC not in file.parents or not file.is_file() or file.suffix not in TYPES:
        return _answer(404, "没有这个页面", "text/plain; charset=utf-8")
    return _answer(200, _read(file), TYPES[file.suffix])


@cache
def _read(file: Path) -> str:
    """The files are the deployment's own and never change in a container: read each once."""
    return file.read_text(encoding="utf-8")


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    path = str(event.get("path") or "")
    if event.get("httpMethod") != "GET":
        return _answer(405, "GET only", "text/plain; charset=utf-8")
    if path in ("/console", "/public"):  # a folder: the relative links of the page need its slash
        return {"statusCode": 301, "headers": {"location": f"{path.rsplit('/', 1)[-1]}/"}, "body": ""}
    return page(path)
