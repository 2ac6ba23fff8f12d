"""SNS: one topic per unit, one per center role, one for ops, one for the emergency desks; a
queue of citizen SMS (R-DSP-13, R-DESK-2, R-OPS-2, R-SEC-2).

SMS to a phone number is the one `sns:Publish` that AWS lets no policy scope (it has no ARN), so it
is the `sms` function's alone: `notify` queues each citizen SMS (ticket, request, text and the
sealed contact, never the phone number) and publishes only to named topics; `sms` opens the
contact and sends. The queue redelivers what failed, then parks it: delivery stays at least once.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from hotline.config.schema import CityConfig
from infra.constructs import streams
from infra.constructs.functions import invoked
from infra.constructs.nag import ack

CENTER_ROLES = {"dispatcher": "派单", "reviewer": "审核", "callback": "回访", "supervisor": "督办"}
SMS_VISIBILITY = cdk.Duration.seconds(90)  # six times the sms function's timeout, as AWS advises


class Notifications(Construct):
    def __init__(self, scope: Construct, id: str, *, config: CityConfig, key: kms.IKey) -> None:
        super().__init__(scope, id)

        def topic(cid: str, name: str, display: str) -> sns.Topic:
            return sns.Topic(self, cid, topic_name=name, display_name=display[:100], master_key=key, enforce_ssl=True)

        self.key = key
        prefix = f"hotline-{config.city}"
        self.unit_prefix = f"{prefix}-unit-"
        self.ops = topic("Ops", f"{prefix}-ops", f"{config.name} 12345 运维告警")
        self.sms_dead_letters = streams.dead_letter_queue(self, "CitizenSmsDlq", key)
        self.citizen_sms = sqs.Queue(
            self,
            "CitizenSms",
            queue_name=f"{prefix}-citizen-sms",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            enforce_ssl=True,
            visibility_timeout=SMS_VISIBILITY,
            retention_period=cdk.Duration.days(4),
            dead_letter_queue=sqs.DeadLetterQueue(max_receive_count=5, queue=self.sms_dead_letters),
        )
        # Emergencies for the 110/119/120/122 desks; each desk subscribes filtered on `desk` (R-INT-4).
        self.emergency = topic("Emergency", f"{prefix}-emergency", f"{config.name} 12345 紧急转办")
        self.units: dict[str, sns.Topic] = {
            u.id: topic(f"Unit-{u.id}", f"{self.unit_prefix}{u.id}", u.name) for u in config.units
        }
        # The center hears of work that waits for it (R-DESK-2): one topic per center role.
        self.center_prefix = f"{prefix}-center-"
        self.center: dict[str, sns.Topic] = {
            role: topic(f"Center-{role}", f"{self.center_prefix}{role}", f"{config.name} 12345 {label}")
            for role, label in CENTER_ROLES.items()
        }

    def feed_from(self, table: ddb.ITable, fn: lambda_.Function) -> None:
        """The table's stream drives `fn`; failed batches are split, retried, then parked (R-OPS-2)."""
        self.dead_letters = streams.feed(
            self,
            "Notify",
            table,
            fn,
            self.key,
            streams.TICKET_ITEMS,
        )
        self.grant_notices(fn)
        self.emergency.grant_publish(fn)
        self.citizen_sms.grant_send_messages(fn)  # citizen SMS go through the queue, without the phone
        fn.add_environment("CITIZEN_SMS_QUEUE_URL", self.citizen_sms.queue_url)
        # The encrypted topics and queue; Decrypt also opens the sealed contact, for the caller's
        # phone an emergency desk is given (R-INT-4).
        self.key.grant(fn, "kms:GenerateDataKey*", "kms:Decrypt")

    def grant_notices(self, fn: lambda_.Function) -> None:
        """A function that tells units and the center's roles (no desk, no citizen): the warnings
        of clusters (R-GOV-2, orchestrate) and the review dates of topics (R-GOV-3, stats)."""
        fn.add_to_role_policy(
            iam.PolicyStatement(
                actions=["sns:Publish"],
                resources=[
                    cdk.Fn.sub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:" + self.unit_prefix + "*")
                ],
            )
        )
        for center in self.center.values():
            center.grant_publish(fn)
        fn.add_environment(
            "CENTER_TOPIC_ARN_PREFIX",
            cdk.Fn.sub("arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:" + self.center_prefix),
        )
        self.key.grant(fn, "kms:GenerateDataKey*")  # the topics are under the city's key
        assert fn.role is not None
        ack(
            fn.role,
            "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:sns:<AWS::Region>:<AWS::AccountId>:"
            + self.unit_prefix
            + "*]",
            "Publishes to this city's unit topics only (one per unit, named by prefix); listing 30-90 ARNs would "
            "overflow the role policy size limit",
        )

    def sms_from_queue(self, fn: lambda_.Function) -> None:
        """`fn` sends the queued citizen SMS (R-DSP-13): it opens the sealed contact and publishes to
        the phone number; a message that fails is redelivered, and parked after five receives."""
        invoked(fn).add_event_source(
            sources.SqsEventSource(self.citizen_sms, batch_size=10, report_batch_item_failures=True)
        )
        self.key.grant_decrypt(fn)  # the queue's messages and the sealed contact
        # SMS to a citizen's number: AWS offers no resource to scope sns:Publish to. Only this function has it.
        fn.add_to_role_policy(iam.PolicyStatement(actions=["sns:Publish"], resources=["*"]))
        assert fn.role is not None
        ack(
            fn.role,
            "AwsSolutions-IAM5[Resource::*]",
            "SMS to a citizen's phone number has no resource ARN to scope sns:Publish to; X-Ray has none either",
        )
