"""What every API function shares: who is calling, and domain errors → SPEC §11 error bodies."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError

from hotline.domain.errors import BadInput, DomainError
from hotline.domain.models import Actor, Role

STAFF_ROLES = {r.value for r in (Role.dispatcher, Role.reviewer, Role.callback, Role.supervisor, Role.unit)}


class Unauthenticated(DomainError):
    status = 401
    code = "unauthenticated"


def error(status: int, code: str, message: str) -> Response[str]:
    return Response(status, "application/json", json.dumps({"error": {"code": code, "message": message}}))


def install_error_handlers(app: APIGatewayRestResolver) -> None:
    """One table from domain errors to HTTP, for every route of every function."""

    @app.exception_handler(DomainError)
    def _domain(exc: DomainError) -> Response[str]:
        return error(exc.status, exc.code, exc.message)

    @app.exception_handler(BadRequestError)
    def _bad(exc: BadRequestError) -> Response[str]:
        return error(400, "bad_request", str(exc.msg))

    @app.exception_handler(json.JSONDecodeError)
    def _json(exc: json.JSONDecodeError) -> Response[str]:
        return error(400, "malformed_json", f"the body is not valid JSON: {exc.msg} at position {exc.pos}")


def staff_actor(app: APIGatewayRestResolver) -> Actor:
    """The Cognito claims API Gateway verified: role from the group, unit from `custom:unit_id`."""
    claims: dict[str, Any] = (app.current_event.request_context.authorizer.claims or {}) if app.current_event else {}
    groups = claims.get("cognito:groups") or []
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.strip("[]").replace(",", " ").split()]
    roles = [g for g in groups if g in STAFF_ROLES]
    if not roles:
        raise Unauthenticated(None, "a staff token with a role group is required")
    role = Role(roles[0])
    if role is Role.unit:
        unit_id = claims.get("custom:unit_id")
        if not unit_id:
            raise Unauthenticated(None, "a unit token must carry custom:unit_id")
        return Actor(role=role, id=unit_id)
    return Actor(role=role, id=str(claims.get("cognito:username") or claims.get("sub") or role.value))


def json_body(app: APIGatewayRestResolver) -> dict[str, Any]:
    body = app.current_event.json_body
    if not isinstance(body, dict):
        raise BadInput("bad_body", "the body must be a JSON object")
    return body
