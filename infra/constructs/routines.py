"""Routines on EventBridge rules (R-SLA-1, R-KB-1, R-TMR-3, R-KPI-1), and the alarm they feed.

Daily at 09:00 Beijing time (01:00 UTC; rules run in UTC): the timers function checks that the
working-day calendar knows this year and, from December 1st, the next; the notify function tells
each unit of its knowledge entries that are stale or about to be; the stats function reminds the
lead unit and the supervisors of each governance topic whose review date is today. Monthly, on the 1st at the same
hour, the stats function publishes the month just ended (and after December, the year), and the
notify function tells each unit how its knowledge entries were used and what nothing answered.

Each target retries for up to six hours, then the event is parked in the routine's own dead-letter
queue (the city's key, TLS only), whose depth pages ops: a routine never fails silently (R-OPS-2).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from hotline.config.schema import CityConfig
from infra.constructs import streams
from infra.constructs.functions import invoked
from infra.constructs.monitoring import ops_alarm

DAILY_0900_CST = events.Schedule.cron(minute="0", hour="1")
MONTHLY_0900_CST = events.Schedule.cron(minute="0", hour="1", day="1")


class Routines(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: CityConfig,
        timers: lambda_.IFunction,
        notify: lambda_.IFunction,
        stats: lambda_.IFunction,
        ops: sns.ITopic,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, id)
        prefix = f"hotline-{config.city}"
        self.dead_letters: dict[str, sqs.Queue] = {}
        for name, fn, routine, when, what in (
            ("Calendar", timers, "calendar", "daily", "checks the holiday calendar covers the year ahead (R-SLA-1)"),
            ("Knowledge", notify, "knowledge", "daily", "tells units of knowledge entries to update (R-KB-1)"),
            ("KpiExport", stats, "kpi_export", "monthly", "publishes last month's three rates (R-KPI-1)"),
            (
                "KnowledgeMonthly",
                notify,
                "knowledge_monthly",
                "monthly",
                "tells units how their entries were used (R-KB-4)",
            ),
            ("TopicReviews", stats, "topic_reviews", "daily", "reminds of governance topics due for review (R-GOV-3)"),
        ):
            parked = streams.dead_letter_queue(self, f"{name}Dlq", key)
            self.dead_letters[f"{routine.replace('_', '-')}-dlq"] = parked
            events.Rule(
                self,
                name,
                rule_name=f"{prefix}-{when}-{routine.replace('_', '-')}",
                description=f"{when.capitalize()} at 09:00 Beijing time: {what}",
                schedule=DAILY_0900_CST if when == "daily" else MONTHLY_0900_CST,
                targets=[
                    targets.LambdaFunction(
                        invoked(fn),  # type: ignore[arg-type]
                        event=events.RuleTargetInput.from_object({"routine": routine}),
                        retry_attempts=4,
                        max_event_age=cdk.Duration.hours(6),
                        dead_letter_queue=parked,
                    )
                ],
            )
        # EventBridge writes the encrypted dead-letter queues: the key lets it, for this city's rules
        # only (the rule ARNs by name, so the key does not depend on the rules that depend on it).
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="EventBridgeParksFailedRoutines",
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "aws:SourceArn": cdk.Fn.sub(
                            "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/" + f"{prefix}-*"
                        )
                    }
                },
            )
        )
        self.calendar_alarm = ops_alarm(
            self,
            f"hotline-{config.city}-calendar-data-missing",
            "A year deadlines may fall in has no statutory holiday data: they count Monday-Friday "
            "only. Upgrade chinesecalendar (make layer) or enter the year in the city file (runbook).",
            cw.Metric(
                namespace="Hotline12345",
                metric_name="CalendarYearsMissing",
                dimensions_map={"service": "timers"},
                statistic="Maximum",
                period=cdk.Duration.days(1),
            ),
            above=0,
            ops=ops,
            silence=cw.TreatMissingData.BREACHING,  # no check ran: nobody knows
        )
