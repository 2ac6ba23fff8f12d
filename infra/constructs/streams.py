"""The one way a function reads the ticket table's stream: filtered, bisected, retried, then parked."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_dynamodb as ddb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.functions import invoked
from infra.constructs.nag import ack

# The tickets table holds more than tickets (dal/models.py): caller records are `CALLER#…` / `META`
# too, so a filter on the sort key alone let every strike through (issue 15). Name the key shape.
# Both readers take the ticket's writes: orchestrate follows its state, notify the events each
# write added (they ride on the item, `recent`: dal/repository.py).
TICKET_ITEMS: dict[str, Any] = {
    "dynamodb": {
        "Keys": {
            "pk": {"S": lambda_.FilterRule.begins_with("TICKET#")},
            "sk": {"S": lambda_.FilterRule.is_equal("META")},
        }
    }
}


def dead_letter_queue(scope: Construct, id: str, key: kms.IKey) -> sqs.Queue:
    queue = sqs.Queue(
        scope,
        id,
        encryption=sqs.QueueEncryption.KMS,
        encryption_master_key=key,
        enforce_ssl=True,
        retention_period=cdk.Duration.days(14),
    )
    ack(queue, "AwsSolutions-SQS3", "This queue is itself a dead-letter queue (redrive: docs/runbook.md)")
    return queue


def feed(
    scope: Construct, id: str, table: ddb.ITable, fn: lambda_.Function, key: kms.IKey, pattern: dict[str, Any]
) -> sqs.Queue:
    """`fn` reads the stream records matching `pattern`; failed batches are split and retried five
    times, then their coordinates are parked in a dead-letter queue, so no change is ever lost."""
    parked = dead_letter_queue(scope, f"{id}Dlq", key)
    invoked(fn).add_event_source(
        sources.DynamoEventSource(
            table,
            starting_position=lambda_.StartingPosition.TRIM_HORIZON,
            batch_size=50,
            bisect_batch_on_error=True,
            retry_attempts=5,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(parked),
            filters=[lambda_.FilterCriteria.filter(pattern)],
        )
    )
    return parked
