from __future__ import annotations

import pytest
from moto import mock_aws

from hotline.dal.models import TicketItem, bind


@pytest.fixture
def table():
    with mock_aws():
        bind("hotline-test-tickets", region="ap-southeast-1")
        TicketItem.create_table(wait=True)
        yield TicketItem.Meta.table_name


def provision(city: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What the stack gives the functions besides the table: channel keys, the KMS key, the
    idempotency table and the attachments bucket (inside an active mock_aws)."""
    import boto3

    from hotline.config.loader import city_config

    apigw = boto3.client("apigateway")
    keys = {
        ch.value: apigw.create_api_key(name=f"hotline-{city}-{ch.value}", enabled=True)["id"]
        for ch in city_config(city).channels
    }
    key = boto3.client("kms").create_key(Description=f"hotline-{city}")["KeyMetadata"]["Arn"]
    monkeypatch.setenv("CITY_KEY_ARN", key)
    monkeypatch.setenv("IDEMPOTENCY_TABLE", f"hotline-{city}-idempotency")
    boto3.client("dynamodb").create_table(
        TableName=f"hotline-{city}-idempotency",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    boto3.client("s3").create_bucket(
        Bucket=f"hotline-{city}-attachments", CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"}
    )
    monkeypatch.setenv("ATTACHMENTS_BUCKET", f"hotline-{city}-attachments")
    return keys
