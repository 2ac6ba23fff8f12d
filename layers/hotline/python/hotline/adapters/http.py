"""What every API function shares: who is calling, and domain errors → SPEC §11 error bodies."""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError

from hotline.domain.errors import BadInput, DomainError
from hotline.domain.models import Actor, Role

STAFF_ROLES = {r.value for r in (Role.dispatcher, Role.reviewer, Role.callback, Role.supervisor, Role.unit)}


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


class MalformedBody(DomainError):
    """The body cannot be read as JSON at all (R-INT-9): 400, before any route looks at it."""

    status = 400
    code = "malformed_body"


MAX_DEPTH = 32  # the deepest body of the API nests 5 levels; JSON 1,000 deep is an attack


def error(status: int, code: str, message: str, detail: str | None = None) -> Response[str]:
    """The contract's error body (SPEC §11): `{"error": {"code", "message", "detail"?}}`."""
    body: dict[str, str] = {"code": code, "message": message}
    if detail:
        body["detail"] = detail
    return Response(status, "application/json", json.dumps({"error": body}, ensure_ascii=False))


def install_error_handlers(app: APIGatewayRestResolver) -> None:
    """One table from domain errors to HTTP, for every route of every function."""

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response[str]:
        return error(exc.status, exc.code, exc.message, getattr(exc, "detail", None))

    @app.exception_handler(BadRequestError)
    def _bad(exc: BadRequestError) -> Response[str]:
        return error(400, "bad_request", "请求有误", str(exc.msg))

    @app.exception_handler(json.JSONDecodeError)
    def _json(exc: json.JSONDecodeError) -> Response[str]:
        return error(400, "malformed_json", "请求内容不是有效的 JSON", _json_detail(exc))


def _json_detail(exc: json.JSONDecodeError) -> str:
    return f"the body is not valid JSON: {exc.msg} at position {exc.pos}"


def staff_actor(app: APIGatewayRestResolver) -> Actor:
    """The Cognito claims API Gateway verified: role from the group, unit from `custom:unit_id`."""
    claims: dict[str, Any] = (app.current_event.request_context.authorizer.claims or {}) if app.current_event else {}
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.strip("[]").replace(",", " ").split()]
    roles = [g for g in groups if g in STAFF_ROLES]
    if not roles:
        raise Unauthenticated(
            None, "请使用带有岗位角色的工作人员令牌登录", "a staff token with a role group is required"
        )
    role = Role(roles[0])
    if role is Role.unit:
        unit_id = claims.get("custom:unit_id")
        if not unit_id:
            raise Unauthenticated(None, "承办单位令牌缺少单位编号", "a unit token must carry custom:unit_id")
        return Actor(role=role, id=unit_id)
    return Actor(role=role, id=str(claims.get("cognito:username") or claims.get("sub") or role.value))


def body_bytes(app: APIGatewayRestResolver) -> bytes:
    """The body as the client sent it: API Gateway's `str`, or base64 with `isBase64Encoded`
    (the local gateway's way with bytes that are not UTF-8). A `str` that is not encodable
    (lone surrogates, as `surrogateescape` leaves undecodable bytes) is refused, not guessed at."""
    event = app.current_event
    raw = event.body or ""
    try:
        return base64.b64decode(raw, validate=True) if event.is_base64_encoded else raw.encode("utf-8")
    except binascii.Error:
        raise MalformedBody(None, "请求内容无法解码", "isBase64Encoded is set but the body is not base64") from None
    except UnicodeEncodeError as exc:
        raise MalformedBody(
            None, "请求内容不是 UTF-8 编码的文本", f"the body is not UTF-8 text: {exc.reason}"
        ) from None


def _check(value: Any) -> None:
    """Depth and strings of a parsed body, without recursion: at most MAX_DEPTH levels, and every
    string (keys too) UTF-8 encodable — an escaped lone surrogate (`"\\ud800"`) is not text."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                raise MalformedBody(
                    "too_deep", "请求内容嵌套层级过深", f"the body nests deeper than {MAX_DEPTH} levels"
                )
            children = [*item.keys(), *item.values()] if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
        elif isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise MalformedBody(
                    None, "请求内容含有无效字符", "the body has a string with a lone surrogate (\\ud800–\\udfff)"
                ) from None


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def parse_json(raw: bytes) -> Any:
    """Bytes → a JSON value, every way it can fail a 400 with a Chinese message and the English
    in `detail` (R-INT-9): not UTF-8 (latin-1, UTF-16 …), not JSON, NaN/Infinity or a number out
    of range, nested too deep (also deeper than the interpreter's recursion limit)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedBody(
            None, "请求内容不是 UTF-8 编码的文本", f"the body is not UTF-8: {exc.reason} at byte {exc.start}"
        ) from None
    try:
        value = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise MalformedBody("malformed_json", "请求内容不是有效的 JSON", _json_detail(exc)) from None
    except RecursionError:
        raise MalformedBody(
            "too_deep", "请求内容嵌套层级过深", f"the body nests deeper than {MAX_DEPTH} levels"
        ) from None
    except ValueError as exc:  # NaN, 1e999, an integer of more than 4,300 digits
        raise MalformedBody("malformed_json", "请求内容含有无效的数值", f"the body is not valid JSON: {exc}") from None
    _check(value)
    return value


def json_body(app: APIGatewayRestResolver, *, max_bytes: int | None = None) -> dict[str, Any]:
    """The body as a JSON object, read robustly (R-INT-9); every function reads bodies here."""
    raw = body_bytes(app)
    if max_bytes is not None and len(raw) > max_bytes:
        raise BadInput(
            "too_large", f"请求内容超过 {max_bytes // 1024} KB", f"the body is larger than {max_bytes // 1024} KB"
        )
    body = parse_json(raw)
    if not isinstance(body, dict):
        raise BadInput("bad_body", "请求内容必须是 JSON 对象", "the body must be a JSON object")
    return body
