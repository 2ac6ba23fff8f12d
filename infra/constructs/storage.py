"""Tables, archive bucket, the city's KMS key and the hash key's secret (R-SEC-1, R-CB-5).

The table's keys and indexes are read from the pynamodb models, so the template and the
code cannot drift apart (a contract test checks it too).
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from hotline.config.schema import CityConfig
from hotline.dal.models import TicketItem
from hotline.dal.stats import KpiItem
from infra.constructs.nag import ack

# Where the stack's log groups live (infra/constructs/functions.py, workflow.py, api.py); the
# city key's policy lets CloudWatch Logs use the key for these names only.
LOG_GROUP_PREFIXES = ("/aws/lambda/hotline-", "/aws/vendedlogs/states/hotline-", "/aws/apigateway/hotline-")


def _key(name: str) -> ddb.Attribute:
    return ddb.Attribute(name=name, type=ddb.AttributeType.STRING)


class Storage(Construct):
    def __init__(self, scope: Construct, id: str, *, config: CityConfig, prod: bool) -> None:
        super().__init__(scope, id)
        removal = cdk.RemovalPolicy.RETAIN if prod else cdk.RemovalPolicy.DESTROY
        self.key = kms.Key(
            self,
            "CityKey",
            alias=f"alias/hotline-{config.city}",
            description=f"Encrypts {config.city} hotline records and citizen data (R-SEC-1)",
            enable_key_rotation=True,
            removal_policy=removal,
        )
        # Every log group of the stack is under this key (functions, state machine, API access log):
        # CloudWatch Logs of this region may use it, for this city's log groups only.
        log_groups = [
            cdk.Fn.sub("arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:" + f"{p}{config.city}-*")
            for p in LOG_GROUP_PREFIXES
        ]
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchLogsOfThisCity",
                principals=[iam.ServicePrincipal(f"logs.{cdk.Aws.REGION}.amazonaws.com")],
                actions=["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
                resources=["*"],
                conditions={"ArnLike": {"kms:EncryptionContext:aws:logs:arn": log_groups}},
            )
        )
        # R-SEC-1: the key of the keyed hashes of phones and query codes, generated at deploy, one
        # per stack; read only by the functions that hash. Rotation is by hand, both keys tried for
        # a while (docs/runbook.md), so no rotation Lambda.
        self.hash_key = secretsmanager.Secret(
            self,
            "HashKey",
            description=f"{config.city} hotline: key of the citizen hashes (R-SEC-1); rotation in docs/runbook.md",
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                secret_string_template="{}",  # noqa: S106 - the JSON object the generated key goes into
                generate_string_key="current",
                password_length=64,
                exclude_punctuation=True,
            ),
            removal_policy=removal,
        )
        ack(
            self.hash_key,
            "AwsSolutions-SMG4",
            "Rotation is manual by design: the new key is added as `current`, the old kept as `previous`, and "
            "both are tried so stored hashes stay valid (docs/runbook.md)",
        )

        self.tickets = self._table("Tickets", TicketItem, removal, prod, stream=ddb.StreamViewType.NEW_AND_OLD_IMAGES)
        # The kept figures of the three rates (R-KPI-1): no stream, so counting wakes no reader.
        self.stats = self._table("Stats", KpiItem, removal, prod)

        self.idempotency = ddb.Table(
            self,
            "Idempotency",
            partition_key=_key("id"),
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            encryption=ddb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=ddb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute="expiration",
            removal_policy=cdk.RemovalPolicy.DESTROY,
        )

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[s3.LifecycleRule(expiration=cdk.Duration.days(400))],
            removal_policy=removal,
            auto_delete_objects=False,
        )
        ack(self.access_logs, "AwsSolutions-S1", "This is the access-log bucket; logging it to itself would loop.")
        # Citizens' evidence (R-INT-2): uploaded by pre-signed POST, kept while the record is.
        self.attachments = self._private_bucket(
            "Attachments",
            "attachments/",
            cors=[
                s3.CorsRule(
                    allowed_methods=[s3.HttpMethods.POST],
                    allowed_origins=["*"],
                    allowed_headers=["*"],
                    max_age=3000,
                )
            ],
            lifecycle_rules=[s3.LifecycleRule(noncurrent_version_expiration=cdk.Duration.days(30))],
            removal_policy=removal,
        )
        retention = cdk.Duration.days(365 * config.records.retention_years)  # R-CB-5, from the city file
        self.archive = self._private_bucket(
            "Archive",
            "archive/",
            object_lock_enabled=True,
            object_lock_default_retention=s3.ObjectLockRetention.compliance(retention)
            if prod
            else s3.ObjectLockRetention.governance(retention),
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _table(self, id: str, model: Any, removal: cdk.RemovalPolicy, prod: bool, **extra: Any) -> ddb.Table:
        """A table whose keys and indexes are read from its pynamodb model: template and code agree."""
        schema = model._get_schema()
        keys = {k["AttributeName"]: k["KeyType"] for k in schema["key_schema"]}
        table = ddb.Table(
            self,
            id,
            partition_key=_key(next(k for k, t in keys.items() if t == "HASH")),
            sort_key=_key(next(k for k, t in keys.items() if t == "RANGE")),
            billing_mode=ddb.BillingMode.PAY_PER_REQUEST,
            encryption=ddb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            point_in_time_recovery_specification=ddb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=prod,
            time_to_live_attribute="expires_at",
            removal_policy=removal,
            **extra,
        )
        for gsi in schema.get("global_secondary_indexes", []):
            gkeys = {k["KeyType"]: k["AttributeName"] for k in gsi["key_schema"]}
            table.add_global_secondary_index(
                index_name=gsi["index_name"],
                partition_key=_key(gkeys["HASH"]),
                sort_key=_key(gkeys["RANGE"]),
                projection_type=ddb.ProjectionType.ALL,
            )
        return table

    def _private_bucket(self, id: str, log_prefix: str, **extra: Any) -> s3.Bucket:
        """Citizens' records: the city's KMS key, no public access, TLS only, versioned, access-logged."""
        return s3.Bucket(
            self,
            id,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=log_prefix,
            **extra,
        )
