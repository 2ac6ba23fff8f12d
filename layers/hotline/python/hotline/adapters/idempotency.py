"""Powertools idempotency on the city's idempotency table (R-INT-6): a retried call answers the
same and writes nothing. Shared by filing (Idempotency-Key) and SMS ratings (the gateway's id)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from hotline.domain.errors import BadInput, DomainError


class InProgress(DomainError):
    status = 409
    code = "in_progress"


@cache
def _guarded(
    table: str, fn: Callable[[dict[str, Any]], dict[str, Any]], key_path: str, payload_path: str, hours: int
) -> tuple[Any, Any]:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    config = IdempotencyConfig(
        event_key_jmespath=key_path,
        payload_validation_jmespath=payload_path,
        raise_on_no_idempotency_key=True,
        expires_after_seconds=hours * 3600,
    )
    store = DynamoDBPersistenceLayer(table_name=table)
    return idempotent_function(data_keyword_argument="request", persistence_store=store, config=config)(fn), config


class IdempotencyStore:
    """The idempotency port on the city's table (settings: IDEMPOTENCY_TABLE)."""

    def __init__(self, table: str) -> None:
        self.table = table

    def once(
        self,
        fn: Callable[[dict[str, Any]], dict[str, Any]],
        request: dict[str, Any],
        *,
        key_path: str,
        payload_path: str,
        hours: int,
        context: Any,
        what: str,
        reused_code: str,
    ) -> dict[str, Any]:
        """`fn(request)` at most once per key within `hours`; the same key with another payload → 422."""
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        guarded, config = _guarded(self.table, fn, key_path, payload_path, hours)
        config.register_lambda_context(context)
        try:
            answer: dict[str, Any] = guarded(request=request)
            return answer
        except IdempotencyAlreadyInProgressError:
            raise InProgress(None, f"the same {what} is being handled right now; retry in a moment") from None
        except IdempotencyValidationError:
            raise BadInput(reused_code, f"this {what} was used for a different request") from None
