"""A deadline fell due (SPEC §4): the Scheduler target. Stale or duplicate fires are no-ops (R-TMR-4)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.app import timers
from hotline.observability import instrumented
from hotline.wiring import deps

ROUTINES = {"calendar": timers.check_calendar}


@instrumented()
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "routine" in event:  # a daily EventBridge rule, not an order's deadline
        routine = ROUTINES.get(str(event["routine"]))
        if routine is None:
            raise ValueError(f"unknown routine {event['routine']!r}; known: {sorted(ROUTINES)}")
        return routine(deps())
    return timers.fire(deps(), timers.Fire.model_validate(event))
