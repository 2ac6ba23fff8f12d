"""Keeps an order's EventBridge Scheduler schedules equal to the timers it needs (R-TMR-1..4).

One-time `at()` schedules in UTC, flexible window off, deleted after completion, retried by the
Scheduler and dead-lettered past that. Reconciling is idempotent: a replayed stream record finds
the schedules already there (ConflictException) or already gone (ResourceNotFoundException).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from hotline.domain.timers import Timer, prefix


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

    def existing(self, ticket_id: str) -> set[str]:
        names: set[str] = set()
        kwargs: dict[str, Any] = {"GroupName": self.group, "NamePrefix": prefix(ticket_id)}
        while True:
            page = self.scheduler.list_schedules(**kwargs)
            names |= {s["Name"] for s in page.get("Schedules", []) if s["Name"].startswith(prefix(ticket_id))}
            if not page.get("NextToken"):
                return names
            kwargs["NextToken"] = page["NextToken"]

    def reconcile(self, ticket_id: str, wanted: list[Timer]) -> tuple[int, int]:
        """Create what is missing, delete what is no longer wanted; returns (created, deleted)."""
        have, want = self.existing(ticket_id), {t.name: t for t in wanted}
        errors = self.scheduler.exceptions
        deleted = 0
        for name in sorted(have - want.keys()):
            try:
                self.scheduler.delete_schedule(GroupName=self.group, Name=name)
                deleted += 1
            except errors.ResourceNotFoundException:
                pass
        created = 0
        for name in sorted(want.keys() - have):
            try:
                self._create(want[name])
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
