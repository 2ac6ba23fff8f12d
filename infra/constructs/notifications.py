"""SNS: one topic per unit, one for ops, one for citizen SMS (R-DSP-13, R-OPS-2)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from constructs import Construct

from hotline.config.schema import CityConfig
from infra.constructs import streams
from infra.constructs.nag import ack


class Notifications(Construct):
    def __init__(self, scope: Construct, id: str, *, config: CityConfig, key: kms.IKey) -> None:
        super().__init__(scope, id)

        def topic(cid: str, name: str, display: str) -> sns.Topic:
            return sns.Topic(self, cid, topic_name=name, display_name=display[:100], master_key=key, enforce_ssl=True)

        self.key = key
        prefix = f"hotline-{config.city}"
        self.unit_prefix = f"{prefix}-unit-"
        self.ops = topic("Ops", f"{prefix}-ops", f"{config.name} 12345 运维告警")
        self.citizen_sms = topic("CitizenSms", f"{prefix}-citizen-sms", f"{config.name} 12345")
        # Emergencies for the 110/119/120/122 desks; each desk subscribes filtered on `desk` (R-INT-4).
        self.emergency = topic("Emergency", f"{prefix}-emergency", f"{config.name} 12345 紧急转办")
        self.units: dict[str, sns.Topic] = {
            u.id: topic(f"Unit-{u.id}", f"{self.unit_prefix}{u.id}", u.name) for u in config.units
        }

    def feed_from(self, table: ddb.ITable, fn: lambda_.Function) -> None:
        """The table's stream drives `fn`; failed batches are split, retried, then parked (R-OPS-2)."""
        self.dead_letters = streams.feed(
            self,
            "Notify",
            table,
            fn,
            self.key,
            {
                "eventName": lambda_.FilterRule.is_equal("INSERT"),
                "dynamodb": {"Keys": {"sk": {"S": lambda_.FilterRule.begins_with("EVENT#")}}},
            },
        )
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                resources=[
                    cdk.Fn.sub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:" + self.unit_prefix + "*")
                ],
            )
        )
        self.emergency.grant_publish(fn)
        # SMS to a citizen's number has no topic: AWS offers no resource to scope it to.
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                resources=["*"],
            )
        )
        self.key.grant(fn, "kms:GenerateDataKey*", "kms:Decrypt")
        assert fn.role is not None
        ack(
            fn.role,
            "AwsSolutions-IAM5[Resource::*]",
            "SMS to a citizen's phone number has no resource ARN to scope sns:Publish to; X-Ray has none either",
        )
        ack(
            fn.role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:"
            + self.unit_prefix
            + "*]",
            "Publishes to this city's unit topics only (one per unit, named by prefix); listing 30-90 ARNs would "
            "overflow the role policy size limit",
        )
