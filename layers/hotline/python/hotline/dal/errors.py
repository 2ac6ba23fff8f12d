"""The one place that turns botocore/pynamodb failures (DynamoDB, S3, KMS, Step Functions) into domain errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import ClientError
from pynamodb.exceptions import PynamoDBException, TransactWriteError

from hotline.domain.errors import Conflict, NotFound, Unavailable

_THROTTLED = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}
# an object, API key or task token that is not (or no longer) there; never a missing table
_MISSING = {"404", "NoSuchKey", "NotFound", "NotFoundException", "TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}
_CONFLICT = {
    "ConditionalCheckFailedException",
    "TransactionConflictException",
    "ConditionalCheckFailed",
    "ExecutionAlreadyExists",  # an execution of that name ran already (other input, or it has ended)
    "PreconditionFailed",  # S3: a conditional PUT found the object there already
    "ConditionalRequestConflict",  # S3: two conditional PUTs of one key at once
}


def _codes(exc: BaseException) -> set[str]:
    codes: set[str] = set()
    if isinstance(exc, TransactWriteError):
        codes |= {r.code for r in (exc.cancellation_reasons or []) if r is not None and r.code}
    if isinstance(exc, PynamoDBException) and exc.cause_response_code:
        codes.add(exc.cause_response_code)
    if isinstance(exc, ClientError):
        codes.add(exc.response.get("Error", {}).get("Code", ""))
    return codes


@contextmanager
def store_errors(what: str) -> Iterator[None]:
    try:
        yield
    except (PynamoDBException, ClientError) as exc:
        codes = _codes(exc)
        if codes & _CONFLICT:
            raise Conflict(
                None, "已被他人修改，请刷新后重试", f"{what}: someone changed it first; reload and retry"
            ) from exc
        if codes & _MISSING:
            raise NotFound(None, "未找到", f"{what}: not found") from exc
        if codes & _THROTTLED:
            raise Unavailable(None, "系统繁忙，请稍后重试", f"{what}: the store is busy; retry shortly") from exc
        raise
