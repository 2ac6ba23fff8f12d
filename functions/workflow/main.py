"""The order's state machine calls these steps (DESIGN §1): locate, park, archive (hotline.app.steps)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.app import steps
from hotline.app.steps import Task
from hotline.domain.models import Ticket
from hotline.observability import instrumented
from hotline.wiring import deps

__all__ = ["Task", "archive", "handler", "locate", "park"]


def locate(task: Task) -> Ticket:
    return steps.locate(deps(), task)


def park(task: Task) -> Ticket:
    return steps.park(deps(), task)


def archive(task: Task) -> Ticket:
    return steps.archive(deps(), task)


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps.run(deps(), Task.model_validate(event))
