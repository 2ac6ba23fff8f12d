"""Arms and disarms an order's EventBridge Scheduler schedules as its timer plan says (R-TMR-1..4).

One-time `at()` schedules in UTC, flexible window off, deleted after completion, retried by the
Scheduler and dead-lettered past that. Only the next timer of each deadline is armed
(domain/timers.py), so no call lists what exists: the plan names what to create and delete.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.domain.timers import Plan, Timer


def at_expression(when: datetime) -> str:
    """`at()` takes whole seconds: round up, so a fire never comes before its deadline (a close or
    overdue mark a fraction of a second early is refused by the rules, and nothing fires again)."""
    t = when.astimezone(UTC)
    if t.microsecond:
        t = t.replace(microsecond=0) + timedelta(seconds=1)
    return f"at({t:%Y-%m-%dT%H:%M:%S})"


class ScheduleService:
    def __init__(
        self, *, group: str, target_arn: str, role_arn: str, dead_letters: str | None = None, client: Any | None = None
    ) -> None:
        import boto3

        self.scheduler = client or boto3.client("scheduler")
        self.group, self.target_arn, self.role_arn, self.dead_letters = group, target_arn, role_arn, dead_letters

    def apply(self, plan: Plan) -> tuple[int, int]:
        """Delete what the change disarmed, then create what it armed; returns (created, deleted).
        By name both ways, so a replay finds the work done: the schedule already there
        (ConflictException) or already gone, having fired or been deleted (ResourceNotFoundException)."""
        errors = self.scheduler.exceptions
        deleted = 0
        for name in plan.disarm:
            try:
                self.scheduler.delete_schedule(GroupName=self.group, Name=name)
                deleted += 1
            except errors.ResourceNotFoundException:
                pass
        created = 0
        for timer in plan.arm:
            try:
                self._create(timer)
                created += 1
            except errors.ConflictException:
                pass
        return created, deleted

    def _create(self, timer: Timer) -> None:
        target: dict[str, Any] = {
            "Arn": self.target_arn,
            "RoleArn": self.role_arn,
            "Input": json.dumps(timer.fire),
            "RetryPolicy": {"MaximumEventAgeInSeconds": 86400, "MaximumRetryAttempts": 185},
        }
        if self.dead_letters:
            target["DeadLetterConfig"] = {"Arn": self.dead_letters}
        self.scheduler.create_schedule(
            GroupName=self.group,
            Name=timer.name,
            ScheduleExpression=at_expression(timer.at),
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            Target=target,
        )
