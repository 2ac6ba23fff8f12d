"""Logging and metrics, written once for every function (issue 16).

`logger` and `metrics` are the container's (Powertools: the service name comes from the
function's POWERTOOLS_SERVICE_NAME, the namespace is the hotline's); `instrumented` wraps a
handler in the order every function used: the Lambda context (and, for API routes, the gateway's
request id as correlation id) into the logs, then the metrics flushed with a cold-start metric.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric

NAMESPACE = "Hotline12345"
API_REQUEST_ID = "requestContext.requestId"

logger = Logger()
metrics = Metrics(namespace=NAMESPACE)

H = TypeVar("H", bound=Callable[..., Any])


def instrumented(correlation_id_path: str | None = None) -> Callable[[H], H]:
    """`logger.inject_lambda_context(correlation_id_path=…)`, then
    `metrics.log_metrics(capture_cold_start_metric=True)`, around the handler."""

    def wrap(handler: H) -> H:
        measured = metrics.log_metrics(handler, capture_cold_start_metric=True)
        return cast(H, logger.inject_lambda_context(measured, correlation_id_path=correlation_id_path))

    return wrap


def count(name: str, value: float = 1) -> None:
    """One count metric of this invocation."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)


def count_for(name: str, dimension: str, value: str) -> None:
    """A count with its own dimension, flushed at once (it must not add the dimension to the others)."""
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=NAMESPACE) as one:
        one.add_dimension(name=dimension, value=value)


__all__ = ["API_REQUEST_ID", "NAMESPACE", "count", "count_for", "instrumented", "logger", "metrics"]
