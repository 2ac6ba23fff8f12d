"""Timers (R-TMR-1..4): one Scheduler group per city, a role that may only invoke the timers
function, a dead-letter queue for fires that exhaust their retries, the function that arms the first
timer of each deadline an order's change opens (fed by the ticket table's stream), and the fire
itself, which arms the next."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from hotline.config.schema import CityConfig
from infra.constructs import streams
from infra.constructs.functions import qualifier
from infra.constructs.nag import ack


class Timers(Construct):
    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        config: CityConfig,
        table: ddb.ITable,
        key: kms.IKey,
        fire: lambda_.Function,
        planner: lambda_.Function,
    ) -> None:
        super().__init__(scope, id)
        self.group = scheduler.CfnScheduleGroup(self, "Group", name=f"hotline-{config.city}")
        self.dead_letters = streams.dead_letter_queue(self, "FireDlq", key)
        role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": cdk.Aws.ACCOUNT_ID}},
            ),
            description="EventBridge Scheduler: invoke the timers function, park what fails",
        )
        fire.grant_invoke(role)
        self.dead_letters.grant_send_messages(role)
        for action in ("kms:ReEncrypt*", "kms:GenerateDataKey*"):
            ack(role, f"AwsSolutions-IAM5[Action::{action}]", "CDK's grant to write the encrypted dead-letter queue")
        fn_arn = cdk.Stack.of(self).get_logical_id(fire.node.default_child)  # type: ignore[arg-type]
        ack(role, f"AwsSolutions-IAM5[Resource::<{fn_arn}.Arn>:*]", "CDK's grant_invoke covers the function's versions")

        # The timers function's own ARN from its name: its attribute in its own environment would be a cycle
        fire_arn = cdk.Fn.sub(
            "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:"
            + f"hotline-{config.city}-timers{qualifier(config)}"
        )
        schedules = cdk.Fn.sub(  # pseudo parameters, not the synth environment: the ack names this exact string
            "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/" + f"{self.group.name}/*"
        )
        # Both arm timers (issue 24): the planner a chain's first on a change, the fire the one after it
        for fn, actions in ((planner, ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"]),
                            (fire, ["scheduler:CreateSchedule"])):  # fmt: skip
            for name, value in {
                "SCHEDULE_GROUP": self.group.name or "",
                "TIMERS_FUNCTION_ARN": fire_arn,
                "SCHEDULER_ROLE_ARN": role.role_arn,
                "TIMERS_DLQ_ARN": self.dead_letters.queue_arn,
            }.items():
                fn.add_environment(name, value)
            fn.add_to_role_policy(iam.PolicyStatement(actions=actions, resources=[schedules]))
            fn.add_to_role_policy(iam.PolicyStatement(actions=["iam:PassRole"], resources=[role.role_arn]))
            assert fn.role is not None
            ack(
                fn.role,
                f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/{self.group.name}/*]",
                "Schedules are created per order at run time; scoped to this city's own schedule group",
            )
        self.parked = streams.feed(
            self,
            "Plan",
            table,
            planner,
            key,
            streams.TICKET_ITEMS,
        )
