"""Calls the real handlers with the proxy events API Gateway would send them.

Channels are identified by API key, staff by verified JWT claims; here the claims are built
directly, as the Cognito authorizer would pass them after checking the token.
"""

from __future__ import annotations

import importlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

CHANNEL_KEYS: dict[str, str] = {}  # channel -> API key id, set by the fixture that provisions them

ROUTES = {  # (verb, first path segment) -> function, as infra/constructs/api.py wires them
    ("GET", "catalog"): "intake",
    ("POST", "requests"): "intake",
    ("GET", "requests"): "intake",
    ("GET", "tickets"): "dispatch",
    ("POST", "tickets"): "dispatch",
    ("GET", "units"): "dispatch",
    ("GET", "kb"): "intake",
    ("POST", "kb"): "dispatch",
    ("PUT", "kb"): "dispatch",
    ("POST", "attachments"): "intake",
    ("GET", "callers"): "dispatch",
    ("POST", "callers"): "dispatch",
    ("GET", "stats"): "stats",
    ("POST", "sms"): "callback",
    ("GET", "queues"): "dispatch",
    ("GET", "backlog"): "dispatch",
    ("GET", "warnings"): "stats",
    ("GET", "topics"): "stats",
    ("POST", "topics"): "stats",
    ("GET", "public"): "stats",
    ("GET", "open311"): "intake",  # R-O311-1
    ("POST", "open311"): "intake",
}


@dataclass
class Context:
    function_name: str = "local"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:local:000000000000:function:local"
    aws_request_id: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


def _function(verb: str, path: str) -> str:
    parts = [p for p in path.split("?")[0].split("/") if p]
    if verb == "POST" and parts[0] == "requests" and parts[-1] == "rating":
        return "callback"
    if parts[0] == "kb" and parts[1:2] != ["search"]:  # the living KB is the staff's (R-KB-4)
        return "dispatch"
    return ROUTES[(verb, parts[0])]


def call(
    verb: str,
    path: str,
    body: Any = None,
    *,
    claims: dict[str, Any] | None = None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    channel: str | None = "phone",
    container: Any = None,
    raw: bool = False,
) -> tuple[int, dict[str, Any]]:
    """As API Gateway calls the function; channel routes carry the channel's API key id.
    `container`: a handler module of its own (see `container`), as another Lambda container.
    `raw`: the function's whole answer (headers, body as text), for bodies that are not JSON."""
    module = container or importlib.import_module(f"functions.{_function(verb, path)}.handler")
    handler = module.handler
    event = {
        "httpMethod": verb,
        "path": path,
        "resource": path,
        "headers": {"content-type": "application/json", **(headers or {})},
        "multiValueHeaders": {},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": None,
        "body": body if isinstance(body, str) or body is None else json.dumps(body, ensure_ascii=False),
        "isBase64Encoded": False,
        "requestContext": {
            "requestId": uuid.uuid4().hex,
            "stage": "v1",
            "httpMethod": verb,
            "path": path,
            "authorizer": {"claims": claims} if claims else None,
            "identity": {"apiKeyId": CHANNEL_KEYS.get(channel)} if channel and not claims else {},
        },
    }
    out = handler(event, Context())
    if raw:
        return out["statusCode"], out
    return out["statusCode"], json.loads(out["body"]) if out.get("body") else {}


def staff(role: str, unit_id: str | None = None) -> dict[str, Any]:
    claims: dict[str, Any] = {"cognito:groups": [role], "cognito:username": f"{role}-01"}
    if unit_id:
        claims["custom:unit_id"] = unit_id
    return claims


def container(function: str) -> Any:
    """A second copy of a function's handler module, as a separate Lambda container would hold:
    its own resolver (Powertools keeps the current event on it; containers never share one),
    while the store is shared. For tests of concurrent writers."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "functions" / function / "handler.py"
    spec = importlib.util.spec_from_file_location(f"_container_{function}_{uuid.uuid4().hex}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
