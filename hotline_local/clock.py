"""The emulator's clock, and the firing of EventBridge Scheduler schedules and cron rules by it.

moto stores schedules and rules but never fires them (DESIGN §4). Here time is a fixed offset
from the wall; moving it forward fires, in time order and through their real targets, every
one-time schedule, recurring schedule and scheduled rule that fell due, with the functions'
clock set to each due moment as it fires. A ticker does the same as wall time passes.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from croniter import croniter

from hotline import wiring
from hotline_local.emulator import ACCOUNT, REGION

AT = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
CRON = re.compile(r"^cron\((.+)\)$")


# One move at most: a year with its holidays fires in seconds; the year 9999 would spin for hours.
MAX_MOVE = timedelta(days=400)


class ClockError(ValueError):
    pass


def _too_far(by: timedelta) -> ClockError:
    return ClockError(
        f"the clock moves at most {MAX_MOVE.days} days at once (asked {by.days} days); "
        "move it in steps, each fires what fell due"
    )


@dataclass
class Due:
    at: datetime
    kind: str  # schedule | rule
    name: str
    group: str | None
    target: dict[str, Any]
    delete_after: bool = False


def _aws_cron(expr: str) -> str:
    """AWS cron (min hour dom month dow year, `?` for either day) as a 5-field expression."""
    fields = expr.split()
    if len(fields) != 6:
        raise ClockError(f"cron({expr}) needs six fields")
    return " ".join("*" if f == "?" else f for f in fields[:5])


def occurrences(expression: str, tz: str, after: datetime, until: datetime) -> list[datetime]:
    """When a schedule expression fires in (after, until]."""
    zone = ZoneInfo(tz or "UTC")
    if m := AT.match(expression):
        at = datetime.fromisoformat(m[1]).replace(tzinfo=zone)
        return [at] if after < at <= until else []
    if m := RATE.match(expression):
        step = timedelta(**{m[2].rstrip("s") + "s": int(m[1])})
        times, t = [], after + step
        while t <= until:
            times.append(t)
            t += step
        return times
    if m := CRON.match(expression):
        it = croniter(_aws_cron(m[1]), after.astimezone(zone))
        times = []
        while (t := it.get_next(datetime)) <= until:
            times.append(t)
        return times
    raise ClockError(f"unsupported schedule expression {expression!r}")


class Clock:
    """SPEC §11 `/_local/clock`: read it, move it, and everything due fires."""

    def __init__(self) -> None:
        self.offset = timedelta(0)
        self.last = self._wall()
        self._lock = threading.Lock()
        self._fired: set[tuple[str, str, str]] = set()
        wiring.use_clock(self)  # the functions' clock port reads this clock (hotline.wiring)

    @staticmethod
    def _wall() -> datetime:
        return datetime.now(UTC)

    def now(self) -> datetime:
        return self._wall() + self.offset

    def _set(self, at: datetime) -> None:
        self.offset = at - self._wall()

    def advance(self, by: timedelta) -> tuple[datetime, list[dict[str, Any]]]:
        if by < timedelta(0):
            raise ClockError("the clock only moves forward")
        if by > MAX_MOVE:
            raise _too_far(by)
        return self.move_to(self.now() + by)

    def move_to(self, to: datetime) -> tuple[datetime, list[dict[str, Any]]]:
        if to.tzinfo is None:
            raise ClockError("give the time with its offset, e.g. 2026-10-09T09:00:00+08:00")
        with self._lock:
            if to < self.now() - timedelta(seconds=1):
                raise ClockError(f"the clock only moves forward; it is already {self.now().isoformat()}")
            if to - self.now() > MAX_MOVE:
                raise _too_far(to - self.now())
            fired = self._fire_until(to)
            self._set(max(to, self.now()))
            return self.now(), fired

    def tick(self) -> list[dict[str, Any]]:
        """Fire what wall time made due (the background ticker)."""
        with self._lock:
            return self._fire_until(self.now())

    def _fire_until(self, until: datetime) -> list[dict[str, Any]]:
        fired: list[dict[str, Any]] = []
        # A target may create new schedules that fall due before `until`: look again after each fire.
        while True:
            due = [d for d in self._due(self.last, until) if (d.kind, d.name, d.at.isoformat()) not in self._fired]
            if not due:
                break
            first = min(due, key=lambda d: (d.at, d.name))
            if first.at > self.now():
                self._set(first.at)
            self._fired.add((first.kind, first.name, first.at.isoformat()))
            fired.append(self._fire(first))
        self.last = until
        return fired

    def _due(self, after: datetime, until: datetime) -> list[Due]:
        import boto3
        from moto.scheduler.models import scheduler_backends

        found: list[Due] = []
        # The backend, not the API: listing then getting every schedule on each tick would be
        # one call per open deadline. Reading is all this does; firing goes through the APIs.
        backend = scheduler_backends[ACCOUNT][REGION]
        window_start = after - timedelta(days=366)  # a one-time schedule created late still fires once
        for group in list(backend.schedule_groups.values()):
            for s in list(group.schedules.values()):
                if s.state == "DISABLED":
                    continue
                start = window_start if AT.match(s.schedule_expression) else after
                for at in occurrences(s.schedule_expression, s.schedule_expression_timezone, start, until):
                    found.append(
                        Due(at, "schedule", s.name, group.name, s.target, s.action_after_completion == "DELETE")
                    )
        events = boto3.client("events")
        for rule in events.list_rules().get("Rules", []):
            if rule.get("State") != "ENABLED" or not rule.get("ScheduleExpression"):
                continue
            for target in events.list_targets_by_rule(Rule=rule["Name"]).get("Targets", []):
                for at in occurrences(rule["ScheduleExpression"], "UTC", after, until):
                    found.append(
                        Due(at, "rule", f"{rule['Name']}/{target['Id']}", None, {**target, "RuleArn": rule["Arn"]})
                    )
        return found

    def _fire(self, due: Due) -> dict[str, Any]:
        import boto3

        target = due.target
        arn: str = target["Arn"]
        payload = target.get("Input") or json.dumps(
            {
                "version": "0",
                "id": str(uuid.uuid4()),
                "detail-type": "Scheduled Event",
                "source": "aws.events",
                "time": due.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "resources": [target.get("RuleArn", arn)],
                "detail": {},
            }
        )
        record: dict[str, Any] = {"at": due.at.isoformat(), "kind": due.kind, "name": due.name, "target": arn}
        service = arn.split(":")[2]
        if service == "lambda":
            out = boto3.client("lambda").invoke(FunctionName=arn, Payload=payload.encode())
            body = out["Payload"].read().decode()
            record["result"] = json.loads(body) if body else None
            record["error"] = out.get("FunctionError")
        elif service == "states":
            record["execution"] = boto3.client("stepfunctions").start_execution(stateMachineArn=arn, input=payload)[
                "executionArn"
            ]
        elif service == "sqs":
            url = boto3.client("sqs").get_queue_url(QueueName=arn.rsplit(":", 1)[1])["QueueUrl"]
            boto3.client("sqs").send_message(QueueUrl=url, MessageBody=payload)
        else:
            record["error"] = f"targets of {service} are not emulated"
        if due.delete_after and due.group:
            scheduler = boto3.client("scheduler")
            # the target's own change may have retired it already (the order moved on)
            with contextlib.suppress(scheduler.exceptions.ResourceNotFoundException):
                scheduler.delete_schedule(GroupName=due.group, Name=due.name)
        return record
