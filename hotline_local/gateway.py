"""API Gateway on http://127.0.0.1:3000, driven by the REST API deployed in the emulator.

Routes, API-key requirements, authorizers, usage-plan throttles, gateway responses and
Lambda integrations are all read from the deployed API, so the local door refuses and
forwards exactly what the stack defines. Requests reach the functions as REST proxy events
through `lambda:Invoke`. `/_local/*` is the emulator's own control surface (SPEC §11).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pydantic import TypeAdapter

from hotline_local.clock import Clock, ClockError
from hotline_local.emulator import Outbox
from hotline_local.identity import InvalidToken, StaffDirectory

# The methods a REST API resource may define; anything else (TRACE, CONNECT, PROPFIND…) is never routed.
REST_VERBS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
LOCAL_ROUTES = {
    "/": ("GET",),
    "/_local": ("GET",),
    "/_local/clock": ("GET", "POST"),
    "/_local/outbox": ("GET",),
    "/_local/openapi.json": ("GET",),
    "/_local/docs": ("GET",),
    "/_local/identities": ("GET",),
}
MAX_PAYLOAD = 6 * 1024 * 1024  # Lambda's synchronous request limit
MAX_REQUEST = 10 * 1024 * 1024  # API Gateway's own
DURATION = TypeAdapter(timedelta)
INSTANT = TypeAdapter(datetime)


@dataclass
class Method:
    resource: str
    pattern: re.Pattern[str]
    verb: str
    function_arn: str
    api_key_required: bool
    authorization: str


@dataclass
class Bucket:
    """A usage plan's token bucket (rate per second, burst)."""

    rate: float
    burst: int
    tokens: float = 0.0
    at: float = field(default_factory=time.monotonic)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take(self) -> bool:
        if self.rate <= 0:
            return True
        with self.lock:  # requests arrive on many threads
            return self._take()

    def _take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def _pattern(resource: str) -> re.Pattern[str]:
    def segment(p: str) -> str:
        if m := re.fullmatch(r"\{(\w+)\+\}", p):  # {proxy+}: the rest of the path, slashes and all
            return f"(?P<{m[1]}>.+)"
        if m := re.fullmatch(r"\{(\w+)\}", p):
            return f"(?P<{m[1]}>[^/]+)"
        return re.escape(p)

    return re.compile("^/" + "/".join(segment(p) for p in resource.strip("/").split("/")) + "/?$")


class DeployedApi:
    """What the gateway needs to know of one deployed REST API."""

    def __init__(self, rest_api_id: str) -> None:
        import boto3

        apigw = boto3.client("apigateway")
        self.id = rest_api_id
        self.methods: list[Method] = []
        for r in apigw.get_resources(restApiId=rest_api_id, embed=["methods"])["items"]:
            for verb, m in (r.get("resourceMethods") or {}).items():
                uri = m.get("methodIntegration", {}).get("uri", "")
                fn = uri.split("/functions/")[1].split("/invocations")[0] if "/functions/" in uri else ""
                self.methods.append(
                    Method(r["path"], _pattern(r["path"]), verb, fn, bool(m.get("apiKeyRequired")),
                           m.get("authorizationType", "NONE"))
                )  # fmt: skip
        # literal paths win over parameters, and parameters over a greedy {proxy+}
        self.methods.sort(key=lambda m: ("+}" in m.resource, m.resource.count("{")))
        self.keys: dict[str, tuple[str, str, Bucket]] = {}  # value -> (key id, plan name, bucket)
        plans = apigw.get_usage_plans()["items"]
        for plan in plans:
            if not any(s.get("apiId") == rest_api_id for s in plan.get("apiStages", [])):
                continue
            throttle = plan.get("throttle", {})
            for key in apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]:
                full = apigw.get_api_key(apiKey=key["id"], includeValue=True)
                if full.get("enabled", True):
                    bucket = Bucket(float(throttle.get("rateLimit", 0)), int(throttle.get("burstLimit", 0)))
                    bucket.tokens = bucket.burst
                    self.keys[full["value"]] = (full["id"], full["name"], bucket)
        self.responses = {
            r["responseType"]: (
                int(r.get("statusCode") or 500),
                (r.get("responseTemplates") or {}).get("application/json", ""),
            )
            for r in apigw.get_gateway_responses(restApiId=rest_api_id)["items"]
            if r.get("statusCode")
        }

    def route(self, verb: str, path: str) -> tuple[Method, dict[str, str]] | None:
        for m in self.methods:
            if m.verb == verb and (found := m.pattern.match(path)):
                return m, found.groupdict()
        return None

    def allowed(self, path: str) -> list[str]:
        """The methods of the resource `path` names (literal paths win over parameters), or none."""
        resource = next((m.resource for m in self.methods if m.pattern.match(path)), None)
        return sorted({m.verb for m in self.methods if m.resource == resource}) if resource else []

    def refuse(self, kind: str, default_status: int) -> tuple[int, bytes]:
        status, template = self.responses.get(kind, (default_status, ""))
        return status, (template or json.dumps({"message": kind})).encode()


class Gateway:
    def __init__(
        self, api: DeployedApi, staff: StaffDirectory, clock: Clock, outbox: Outbox, extras: dict[str, Any]
    ) -> None:
        self.api, self.staff, self.clock, self.outbox, self.extras = api, staff, clock, outbox, extras
        self.server: ThreadingHTTPServer | None = None
        self.on_fire: Callable[[list[dict[str, Any]]], None] = lambda fired: None

    # -- the emulator's own routes ---------------------------------------------------------------
    def local(self, verb: str, path: str, query: dict[str, str], body: bytes) -> tuple[int, Any]:
        if path in LOCAL_ROUTES and verb not in LOCAL_ROUTES[path]:
            return 405, _not_allowed(verb, path)
        if path == "/_local/clock" and verb == "GET":
            return 200, {"now": self.clock.now().isoformat()}
        if path == "/_local/clock" and verb == "POST":
            try:
                ask = json.loads(body or b"{}")
                if not isinstance(ask, dict) or len(ask) != 1 or len({"advance", "to"} & ask.keys()) != 1:
                    raise ClockError('give exactly one of {"advance": "PT3H"} or {"to": "<ISO time with offset>"}')
                if "advance" in ask:
                    now, fired = self.clock.advance(DURATION.validate_python(ask["advance"]))
                else:
                    now, fired = self.clock.move_to(INSTANT.validate_python(ask["to"]))
            except (ValueError, OverflowError) as exc:  # ClockError, pydantic's ValidationError, bad JSON
                return 400, {"error": {"code": "bad_clock", "message": _short(exc)}}
            self.on_fire(fired)
            return 200, {"now": now.isoformat(), "fired": fired}
        if path == "/_local/outbox" and verb == "GET":
            return 200, {"messages": self.outbox.query(query.get("to"))}
        if path == "/_local/openapi.json" and verb == "GET":
            return 200, self.extras.get("openapi", {})
        if path == "/_local/docs" and verb == "GET":
            return 200, self.extras.get("docs", "")
        if path == "/_local/identities" and verb == "GET":  # the console's sign-in picker (R-UI-1)
            return 200, self.extras.get("identities", {})
        if path in ("/", "/_local") and verb == "GET":
            return 200, self.extras.get("guide", {})
        return 404, {"error": {"code": "no_route", "message": f"no local route {verb} {path}"}}

    # -- API Gateway -----------------------------------------------------------------------------
    def handle(self, verb: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(target)
        path = url.path or "/"
        multi = parse_qs(url.query, keep_blank_values=True)
        query = {k: v[-1] for k, v in multi.items()}
        if path == "/" or path.startswith("/_local"):
            status, answer = self.local(verb, path, query, body)
            headers = {"content-type": "application/json"}
            if status == 405:
                headers["allow"] = ", ".join(LOCAL_ROUTES[path])
            if isinstance(answer, str):  # a page
                return status, {"content-type": "text/html; charset=utf-8"}, answer.encode()
            return status, headers, json.dumps(answer, ensure_ascii=False).encode()
        if len(body) > MAX_REQUEST:
            return self._no("REQUEST_TOO_LARGE", 413)
        found = self.api.route(verb, path)
        if found is None:
            allowed = self.api.allowed(path)
            if allowed:  # a route of the API, not with this method
                headers = {"content-type": "application/json", "allow": ", ".join(allowed)}
                return 405, headers, json.dumps(_not_allowed(verb, path)).encode()
            if verb not in REST_VERBS:
                return 405, {"content-type": "application/json"}, json.dumps(_not_allowed(verb, path)).encode()
            return self._no("MISSING_AUTHENTICATION_TOKEN", 403)
        method, params = found
        lower = {k.lower(): v for k, v in headers.items()}
        identity: dict[str, Any] = {"sourceIp": "127.0.0.1", "userAgent": lower.get("user-agent")}
        if method.api_key_required:
            key = self.api.keys.get(lower.get("x-api-key", ""))
            if key is None:
                return self._no("API_KEY", 403)
            if not key[2].take():
                return self._no("THROTTLED", 429)
            identity.update(apiKey=lower["x-api-key"], apiKeyId=key[0])
        authorizer = None
        if method.authorization == "COGNITO_USER_POOLS":
            try:
                claims = self.staff.verify(lower.get("authorization"))
            except InvalidToken:
                return self._no("UNAUTHORIZED", 401)
            # The REST authorizer hands claims on as strings.
            authorizer = {"claims": {k: (",".join(v) if isinstance(v, list) else str(v)) for k, v in claims.items()}}
        if len(body) > MAX_PAYLOAD:
            return self._no("REQUEST_TOO_LARGE", 413)
        event = self._event(verb, path, method, params, headers, multi, body, identity, authorizer)
        return self._invoke(method.function_arn, event)

    def _no(self, kind: str, default_status: int) -> tuple[int, dict[str, str], bytes]:
        """The gateway refuses by itself, with the response the stack configured for `kind`."""
        status, text = self.api.refuse(kind, default_status)
        return status, {"content-type": "application/json"}, text

    def _event(
        self,
        verb: str,
        path: str,
        method: Method,
        params: dict[str, str],
        headers: dict[str, str],
        multi: dict[str, list[str]],
        body: bytes,
        identity: dict[str, Any],
        authorizer: dict[str, Any] | None,
    ) -> dict[str, Any]:
        try:
            text, encoded = body.decode(), False
        except UnicodeDecodeError:
            text, encoded = base64.b64encode(body).decode(), True
        return {
            "resource": method.resource,
            "path": path,
            "httpMethod": verb,
            "headers": dict(headers),
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in multi.items()} or None,
            "multiValueQueryStringParameters": multi or None,
            "pathParameters": params or None,
            "stageVariables": None,
            "body": text if body else None,
            "isBase64Encoded": encoded,
            "requestContext": {
                "resourcePath": method.resource,
                "httpMethod": verb,
                "path": f"/v1{path}",
                "stage": "v1",
                "requestId": str(uuid.uuid4()),
                "requestTimeEpoch": int(time.time() * 1000),
                "apiId": self.api.id,
                "identity": identity,
                "authorizer": authorizer,
            },
        }

    def _invoke(self, function_arn: str, event: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
        import boto3

        out = boto3.client("lambda").invoke(FunctionName=function_arn, Payload=json.dumps(event).encode())
        raw = out["Payload"].read()
        if out.get("FunctionError"):
            return self._no("DEFAULT_5XX", 502)
        answer = json.loads(raw)
        headers = {k.lower(): str(v) for k, v in (answer.get("headers") or {}).items()}
        for k, values in (answer.get("multiValueHeaders") or {}).items():
            headers[k.lower()] = ", ".join(map(str, values))
        payload = answer.get("body") or ""
        data = base64.b64decode(payload) if answer.get("isBase64Encoded") else payload.encode()
        return int(answer.get("statusCode", 200)), headers, data

    # -- serving ---------------------------------------------------------------------------------
    def serve(self, port: int) -> int:
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                try:
                    length = int(self.headers.get("content-length") or 0)
                except ValueError:
                    length = -1
                if length < 0:
                    status, headers = 400, {"content-type": "application/json"}
                    data = json.dumps({"error": {"code": "bad_request", "message": "bad content-length"}}).encode()
                    self.close_connection = True
                else:
                    body = self.rfile.read(length) if length else b""
                    try:
                        status, headers, data = gateway.handle(
                            self.command, self.path, dict(self.headers.items()), body
                        )
                    except Exception as exc:  # the emulator's own failure, not the stack's
                        status, headers = 500, {"content-type": "application/json"}
                        data = json.dumps({"error": {"code": "emulator_error", "message": _short(exc)}}).encode()
                self.send_response(status)
                for k, v in headers.items():
                    if k not in ("content-length", "connection"):
                        self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":  # a HEAD answer has headers only (RFC 9110 §9.3.2)
                    self.wfile.write(data)

            def __getattr__(self, name: str) -> Any:
                # http.server looks up do_<METHOD> and answers 501 in HTML when it is missing:
                # every method reaches the gateway, which answers in the contract's shape.
                if name.startswith("do_"):
                    return self._any
                raise AttributeError(name)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True, name="gateway").start()
        return int(self.server.server_address[1])

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


def _not_allowed(verb: str, path: str) -> dict[str, Any]:
    return {"error": {"code": "method_not_allowed", "message": f"{path} does not accept {verb[:20]}"}}


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:300]
