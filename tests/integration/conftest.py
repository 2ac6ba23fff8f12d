from __future__ import annotations

from datetime import datetime

import pytest
from moto import mock_aws

from hotline.adapters import runtime
from hotline.dal.models import TicketItem, bind
from hotline.dal.stats import KpiItem
from tests.conftest import cst
from tests.integration.apigw import CHANNEL_KEYS


@pytest.fixture
def table():
    with mock_aws():
        bind("hotline-test-tickets", region="ap-southeast-1")
        TicketItem.create_table(wait=True)
        yield TicketItem.Meta.table_name


def provision(city: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What the stack gives the functions besides the table: channel keys, the KMS key, the
    hash-key secret, the idempotency table and the attachments bucket (inside an active mock_aws)."""
    import json
    import secrets

    import boto3

    from hotline.config.loader import city_config

    apigw = boto3.client("apigateway")
    keys = {
        ch.value: apigw.create_api_key(name=f"hotline-{city}-{ch.value}", enabled=True)["id"]
        for ch in city_config(city).channels
    }
    if "open311" in keys:
        monkeypatch.setenv("OPEN311_KEY_ID", keys["open311"])  # as the stack passes it (R-O311-1)
    key = boto3.client("kms").create_key(Description=f"hotline-{city}")["KeyMetadata"]["Arn"]
    monkeypatch.setenv("CITY_KEY_ARN", key)
    hash_key = boto3.client("secretsmanager").create_secret(
        Name=f"hotline-{city}-hash-key", SecretString=json.dumps({"current": secrets.token_urlsafe(32)})
    )["ARN"]
    monkeypatch.setenv("HASH_KEY_SECRET_ARN", hash_key)  # R-SEC-1: as the stack passes it
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


@pytest.fixture
def city(monkeypatch):
    def start(name: str, at: datetime | None = None):
        monkeypatch.setenv("HOTLINE_CITY", name)
        monkeypatch.setenv("TABLE_NAME", f"hotline-{name}-tickets")
        monkeypatch.setenv("STATS_TABLE", f"hotline-{name}-stats")
        monkeypatch.delenv("HOTLINE_CITY_CONFIG", raising=False)
        CHANNEL_KEYS.clear()
        CHANNEL_KEYS.update(provision(name, monkeypatch))
        runtime.services.cache_clear()  # wired from the environment the stack gives (hotline.wiring)
        from hotline.app import governance

        governance._REPORTS.clear()  # a container's public reports belong to its own tables
        svc = runtime.services()
        TicketItem.create_table(wait=True)
        KpiItem.create_table(wait=True)
        runtime.set_clock(at or cst(2026, 11, 2, 10))
        return svc

    with mock_aws():
        yield start
    runtime.set_clock(None)
    runtime.services.cache_clear()
