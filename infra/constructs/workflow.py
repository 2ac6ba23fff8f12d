"""The order's life as one Standard execution (DESIGN §1): phases here, moments in the API.

    start ─► Where ◄─┬─────────────────────────────────────┐  (the start and each resume carry
               ▲     │                                      │   the status)
    Locate ────┘     │                                      │
       ▲             ├─ pending_dispatch ──► AwaitDispatch ─┤
       │             ├─ dispatched … rehandling ► AwaitUnit ─┤  (task token parked beside the
       │             ├─ replied ──────────► AwaitCallback ───┤   ticket; the stream reader
       └─ PhaseOver ─┼───────────────────────────────────────┘   resumes it when the phase ends)
                     ├─ closed, terminated, answered, … ► Archive ► Done
                     └─ backlogged ► OnLedger (the reply from the ledger starts a new execution)
    any step failing past its retries ► Alert (ops topic) ► Failed — the ticket stays as it was

Locate reads the ticket and routes a queued order by rule when due; it is where a wait lands
when the phase ended before the token could be parked, and where an execution started by hand
without a status begins (docs/runbook.md). The stream reader's start and each resume go straight
to Where with the status it saw (issue 24: a step and a read fewer per phase); parking in the
dispatch phase routes a due order first, as Locate would (an approved return without a new unit).
The statuses of each phase come from the domain's one phase table.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as cw_actions
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sns as sns
from aws_cdk import aws_stepfunctions as sfn
from aws_cdk import aws_stepfunctions_tasks as tasks
from constructs import Construct

from hotline.config.schema import CityConfig
from hotline.domain.models import Status
from hotline.domain.workflow import PHASES, Phase
from infra.constructs.functions import invoked
from infra.constructs.nag import ack

TRANSIENT = ["Conflict", "Unavailable"]  # domain errors a retry can cure (dal/errors.py)
# A unit phase lasts the order's limit plus extensions; far below the one-year execution cap.
LONGEST_WAIT = cdk.Duration.days(300)


def _statuses(phase: Phase) -> sfn.Condition:
    return sfn.Condition.or_(*[sfn.Condition.string_equals("$.status", s.value) for s in Status if PHASES[s] == phase])


class Workflow(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: CityConfig,
        steps: lambda_.IFunction,
        ops: sns.ITopic,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, id)
        ticket_id = sfn.JsonPath.string_at("$.ticket_id")

        alert = tasks.SnsPublish(
            self,
            "Alert",
            topic=ops,
            subject=f"hotline-{config.city}: an order's workflow failed",
            message=sfn.TaskInput.from_object(
                {
                    "alarm": "workflow_failed",
                    "ticket_id": ticket_id,
                    "error": sfn.JsonPath.string_at("$.error.Error"),
                    "cause": sfn.JsonPath.string_at("$.error.Cause"),
                    "runbook": "docs/runbook.md#an-orders-workflow-failed",
                }
            ),
            result_path=sfn.JsonPath.DISCARD,
        )
        alert.add_retry(interval=cdk.Duration.seconds(2), max_attempts=4, backoff_rate=2)
        alert.next(
            sfn.Fail(
                self,
                "Failed",
                error="WorkflowFailed",
                cause="A step failed past its retries; the ticket is intact. Restart: docs/runbook.md",
            )
        )

        def step(name: str, body: dict[str, object], *, wait: bool = False) -> tasks.LambdaInvoke:
            task = tasks.LambdaInvoke(
                self,
                name,
                lambda_function=invoked(steps),
                payload=sfn.TaskInput.from_object({**body, "ticket_id": ticket_id}),
                integration_pattern=(
                    sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN if wait else sfn.IntegrationPattern.REQUEST_RESPONSE
                ),
                result_selector=None
                if wait
                else {"ticket_id.$": "$.Payload.ticket_id", "status.$": "$.Payload.status"},
                task_timeout=sfn.Timeout.duration(LONGEST_WAIT) if wait else None,
                retry_on_service_exceptions=True,
            )
            task.add_retry(
                errors=TRANSIENT,
                interval=cdk.Duration.seconds(1),
                max_attempts=6,
                backoff_rate=2,
                jitter_strategy=sfn.JitterType.FULL,
            )
            return task

        locate = step("Locate", {"step": "locate"})
        archive = step("Archive", {"step": "archive"})
        token = sfn.JsonPath.task_token
        waits = {
            phase: step(f"Await{phase.capitalize()}", {"step": "park", "phase": phase, "token": token}, wait=True)
            for phase in ("dispatch", "unit", "callback")
        }
        where = sfn.Choice(self, "Where", comment="the phase of the order's status (domain/workflow.py)")
        where.when(sfn.Condition.is_not_present("$.status"), locate)  # started by hand with a ticket id only
        for phase, wait in waits.items():
            wait.add_catch(locate, errors=["PhaseOver"], result_path="$.error")
            where.when(_statuses(phase), wait)
            wait.next(where)  # the resume carries the status (issue 24): no step re-reads it
        where.when(_statuses("ledger"), sfn.Succeed(self, "OnLedger", comment="off the clock on the backlog ledger"))
        where.when(_statuses("done"), archive)
        where.otherwise(
            sfn.Pass(
                self,
                "Unexpected",
                result=sfn.Result.from_object({"Error": "UnexpectedStatus", "Cause": "the status belongs to no phase"}),
                result_path="$.error",
            ).next(alert)
        )
        archive.next(sfn.Succeed(self, "Done"))
        for task in (locate, archive, *waits.values()):
            task.add_catch(alert, errors=["States.ALL"], result_path="$.error")
        locate.next(where)

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/hotline-{config.city}-lifecycle",
            retention=logs.RetentionDays.ONE_YEAR,
            encryption_key=key,  # executions log their data: citizens' requests (R-SEC-1)
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "Lifecycle",
            state_machine_name=f"hotline-{config.city}-lifecycle",
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_chainable(where),  # the start carries the status
            tracing_enabled=True,
            logs=sfn.LogOptions(destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True),
            comment=f"{config.name} 12345: one execution per ticket (SPEC §3, §5)",
        )

        role = self.state_machine.role
        fn_id = cdk.Stack.of(self).get_logical_id(steps.node.default_child)  # type: ignore[arg-type]
        ack(
            role,
            f"AwsSolutions-IAM5[Resource::<{fn_id}.Arn>:*]",
            "CDK's invoke grant covers the step function's versions",
        )
        ack(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray traces and CloudWatch Logs delivery of a state machine support no resource-level scoping",
        )

        self.alarms: list[cw.Alarm] = []
        for what, metric in (
            ("Failed", self.state_machine.metric_failed()),
            ("TimedOut", self.state_machine.metric_timed_out()),
            ("Aborted", self.state_machine.metric_aborted()),
        ):
            alarm = cw.Alarm(
                self,
                f"Executions{what}",
                alarm_name=f"hotline-{config.city}-executions-{what.lower()}",
                alarm_description=f"An order's execution {what.lower()}: its ticket waits for a restart (runbook)",
                metric=metric.with_(period=cdk.Duration.minutes(5), statistic="Sum"),
                threshold=1,
                evaluation_periods=1,
                comparison_operator=cw.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            )
            alarm.add_alarm_action(cw_actions.SnsAction(ops))
            self.alarms.append(alarm)
