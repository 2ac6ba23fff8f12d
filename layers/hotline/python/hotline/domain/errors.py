"""Domain errors: each knows the HTTP status the API answers with (SPEC §11 error contract)."""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, code: str | None, message: str, detail: str | None = None) -> None:
        """`message` is for the person in front of the screen (Chinese for staff-facing errors);
        `detail` may keep the English, technical wording for developers and logs."""
        super().__init__(f"{message} ({detail})" if detail else message)
        if code:
            self.code = code
        self.message = message
        self.detail = detail


class BadInput(DomainError):
    status = 422
    code = "invalid_input"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class RuleViolation(DomainError):
    """The city's rules refuse this (a limit, a window, a count): 409, nothing written."""

    status = 409
    code = "rule_violation"


class IllegalTransition(DomainError):
    status = 409
    code = "illegal_transition"


class Conflict(DomainError):
    """Someone else changed the ticket first (optimistic lock lost)."""

    status = 409
    code = "stale_version"


class Unavailable(DomainError):
    """The store is throttled or down; the caller may retry."""

    status = 503
    code = "unavailable"
