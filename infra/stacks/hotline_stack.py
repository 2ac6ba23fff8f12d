"""A city's whole hotline: storage, notifications, functions, API (R-OPS-1)."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from constructs import Construct

from hotline.config.schema import Channel, CityConfig
from infra.constructs.api import Api
from infra.constructs.functions import FunctionFactory
from infra.constructs.monitoring import Monitoring
from infra.constructs.nag import ack
from infra.constructs.notifications import Notifications
from infra.constructs.records import RecordsTable
from infra.constructs.routines import Routines
from infra.constructs.storage import Storage
from infra.constructs.timers import Timers
from infra.constructs.workflow import Workflow


class HotlineStack(cdk.Stack):
    def __init__(self, scope: Construct, id: str, *, config: CityConfig, stage: str = "dev", **kw: Any) -> None:
        super().__init__(scope, id, **kw)
        cdk.Tags.of(self).add("hotline:city", config.city)
        prod = stage == "prod"
        self.config = config
        self.storage = Storage(self, "Storage", config=config, prod=prod)
        self.notifications = Notifications(self, "Notify", config=config, key=self.storage.key)

        s = self.storage
        self.functions = FunctionFactory(
            self,
            "Functions",
            config=config,
            key=s.key,
            environment={
                "TABLE_NAME": s.tickets.table_name,
                "STATS_TABLE": s.stats.table_name,
                "IDEMPOTENCY_TABLE": s.idempotency.table_name,
                "ARCHIVE_BUCKET": s.archive.bucket_name,
                "ATTACHMENTS_BUCKET": s.attachments.bucket_name,
                "CITY_KEY_ARN": s.key.key_arn,
                "EMERGENCY_TOPIC_ARN": self.notifications.emergency.topic_arn,
                "OPS_TOPIC_ARN": self.notifications.ops.topic_arn,
                "UNIT_TOPIC_ARN_PREFIX": cdk.Fn.sub(
                    "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:" + self.notifications.unit_prefix
                ),
            },
        )
        make = self.functions.make
        intake = make("intake", description="Files citizen requests from every channel (SPEC §2)")
        dispatch = make("dispatch", description="Work-order actions of units and the center (SPEC §3)")
        timers = make("timers", description="Deadline fires: reminders, overdue, escalation (SPEC §4)")
        callback = make("callback", description="Citizen ratings and callbacks (SPEC §5)")
        notify = make("notify", description="Ticket events → notices to units (R-DSP-13)", timeout_s=60)
        self.notifications.feed_from(s.tickets, notify)
        sms = make("sms", description="Sends each queued citizen SMS to the citizen's phone (R-DSP-13)")
        self.notifications.sms_from_queue(sms)
        # R-SEC-1: the key of the citizen hashes, for the two functions that hash and no other
        for fn in (intake, callback):
            s.hash_key.grant_read(fn)
            fn.add_environment("HASH_KEY_SECRET_ARN", s.hash_key.secret_arn)
        planner = make(
            "orchestrate", description="Keeps each order's timers and execution in step with its ticket (DESIGN §1)"
        )
        self.timers = Timers(self, "Timers", config=config, table=s.tickets, key=s.key, fire=timers, planner=planner)
        steps = make("workflow", description="The steps of an order's execution: locate, park, archive (SPEC §3, §5)")
        self.workflow = Workflow(self, "Workflow", config=config, steps=steps, ops=self.notifications.ops, key=s.key)
        stats = make("stats", description="The three rates: read, and published monthly to the archive (R-KPI-1)")
        self.records = RecordsTable(self, "Records", config=config, archive=s.archive)
        self.routines = Routines(
            self,
            "Routines",
            config=config,
            timers=timers,
            notify=notify,
            stats=stats,
            ops=self.notifications.ops,
            key=s.key,
        )
        sm = self.workflow.state_machine
        planner.add_environment("STATE_MACHINE_ARN", sm.state_machine_arn)
        sm.grant_start_execution(planner)  # one execution per ticket, named after it
        sm.grant_task_response(planner)  # resumes the parked execution; not a task of it, so no cycle
        # R-CB-5: write the immutable record and read back its checksum; nothing else of the bucket
        steps.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject"], resources=[s.archive.arn_for_objects("records/*")]
            )
        )
        s.key.grant_encrypt_decrypt(steps)
        # R-CB-5: the citizen's uploads are copied beside the record (read incoming/, write attachments/)
        steps.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[s.attachments.arn_for_objects("incoming/*")])
        )
        steps.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject"], resources=[s.archive.arn_for_objects("attachments/*")]
            )
        )
        # Writes are checked first with HeadObject (a retry writes nothing); without ListBucket, S3
        # answers a key not yet there with 403 instead of 404, and the first write would fail.
        for fn in (steps, stats):
            fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[s.archive.bucket_arn]))
        archive_id = self.get_logical_id(s.archive.node.default_child)  # type: ignore[arg-type]
        assert steps.role is not None
        ack(
            steps.role,
            f"AwsSolutions-IAM5[Resource::<{archive_id}.Arn>/records/*]",
            "Writes one record per finished ticket under records/; keys are known only at run time",
        )
        ack(
            steps.role,
            f"AwsSolutions-IAM5[Resource::<{archive_id}.Arn>/attachments/*]",
            "Copies each finished ticket's uploads under attachments/; keys are known only at run time",
        )
        attachments_id = self.get_logical_id(s.attachments.node.default_child)  # type: ignore[arg-type]
        ack(
            steps.role,
            f"AwsSolutions-IAM5[Resource::<{attachments_id}.Arn>/incoming/*]",
            "Reads the uploads a finished ticket names (random ids) to copy them into the archive",
        )
        # R-KPI-1: orchestrate counts each ticket version's share; stats reads the figures and
        # publishes each month's under kpi/ (read back for its checksum), nothing else of the bucket
        s.stats.grant_read_write_data(planner)
        s.stats.grant_read_data(stats)
        # R-GOV-3: stats opens and works governance topics and writes nothing else of the table
        stats.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"],
                resources=[s.stats.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["TOPIC*"]}},
            )
        )
        # R-KB-3/4: notify's daily review marks each entry it reminded (once, not daily), and may be
        # the first to load the seed; it writes knowledge entries only
        notify.add_to_role_policy(
            iam.PolicyStatement(
                actions=["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"],
                resources=[s.tickets.table_arn],
                conditions={"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["KBENTRY*"]}},
            )
        )
        s.stats.grant_read_data(dispatch)  # an order's links to warnings and topics (R-GOV-2/3)
        # R-GOV-2/3: warnings of clusters (orchestrate) and topics' review dates (stats) tell
        # units and the center's supervisors
        self.notifications.grant_notices(planner)
        self.notifications.grant_notices(stats)
        stats.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject", "s3:GetObject"], resources=[s.archive.arn_for_objects("kpi/*")]
            )
        )
        s.key.grant_encrypt_decrypt(stats)
        assert stats.role is not None
        ack(
            stats.role,
            f"AwsSolutions-IAM5[Resource::<{archive_id}.Arn>/kpi/*]",
            "Publishes each month's figures under kpi/city=…/period=…/; the period is known only at run time",
        )
        for fn in (planner, stats, dispatch):
            assert fn.role is not None
            for action in ("kms:ReEncrypt*", "kms:GenerateDataKey*"):
                ack(fn.role, f"AwsSolutions-IAM5[Action::{action}]", "CDK's grant on the city's own CMK, scoped to it")

        for fn in (intake, dispatch, timers, callback, notify, planner, steps):
            if fn in (notify, planner):
                s.tickets.grant_read_data(fn)  # it reads the ticket an event belongs to, nothing more
            else:
                s.tickets.grant_read_write_data(fn)
            assert fn.role is not None
            table_id = self.get_logical_id(s.tickets.node.default_child)  # type: ignore[arg-type]
            ack(
                fn.role,
                f"AwsSolutions-IAM5[Resource::<{table_id}.Arn>/index/*]",
                "Queries the table's own GSI (citizen); CDK scopes it to this table's index ARNs",
            )
            for action in ("kms:ReEncrypt*", "kms:GenerateDataKey*"):
                ack(fn.role, f"AwsSolutions-IAM5[Action::{action}]", "CDK's grant on the city's own CMK, scoped to it")
        s.idempotency.grant_read_write_data(intake)
        s.idempotency.grant_read_write_data(callback)  # an SMS redelivered by the gateway rates once (R-CB-1)
        s.key.grant_encrypt(intake)  # seals the citizen's contact at filing (R-SEC-1)
        s.key.grant_decrypt(dispatch)  # opens it for the center and units of non-confidential orders
        s.attachments.grant_put(intake)  # signs upload slots (R-INT-2)
        s.attachments.grant_read(intake)  # checks what was uploaded
        for fn in (intake, callback):  # which channel, or the SMS gateway, a key belongs to
            fn.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["apigateway:GET"],
                    resources=[cdk.Fn.sub("arn:${AWS::Partition}:apigateway:${AWS::Region}::/apikeys/*")],
                )
            )
            assert fn.role is not None
            ack(
                fn.role,
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:apigateway:<AWS::Region>::/apikeys/*]",
                "Reads the name of the API key a request came with to know its channel (R-INT-1); key ids are "
                "not known before the API exists",
            )
        for finding in ("Action::s3:Abort*", "Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*"):
            ack(intake.role, f"AwsSolutions-IAM5[{finding}]", "CDK's grant on the attachments bucket only")
        ack(
            intake.role,
            f"AwsSolutions-IAM5[Resource::<{self.get_logical_id(s.attachments.node.default_child)}.Arn>/*]",  # type: ignore[arg-type]
            "Objects of the city's own attachments bucket; upload keys are random per slot",
        )

        pages = make("pages", description="The staff console and the public pages, from the API's own stage (R-UI-1/2)")
        self.api = Api(
            self,
            "Api",
            config=config,
            intake=intake,
            dispatch=dispatch,
            callback=callback,
            stats=stats,
            pages=pages,
            key=s.key,
        )
        if Channel.open311 in config.channels:  # Open311 sends its key in the form: the function reads it by id
            intake.add_environment("OPEN311_KEY_ID", self.api.api_keys[Channel.open311.value].key_id)
        pages.add_environment("USER_POOL_ID", self.api.user_pool.user_pool_id)  # the console signs in with SRP
        pages.add_environment("USER_POOL_CLIENT_ID", self.api.client.user_pool_client_id)
        fns = {"intake": intake, "dispatch": dispatch, "timers": timers, "callback": callback, "notify": notify,
               "orchestrate": planner, "workflow": steps, "stats": stats, "sms": sms, "pages": pages}  # fmt: skip
        self.monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            ops=self.notifications.ops,
            functions=fns,
            queues={
                "notify-dlq": self.notifications.dead_letters,
                "orchestrate-dlq": self.timers.parked,
                "timer-fires-dlq": self.timers.dead_letters,
                "sms-dlq": self.notifications.sms_dead_letters,
                **self.routines.dead_letters,
            },
            api=self.api.rest,
        )
