"""The emulator's mends of moto behave like DynamoDB: a cancelled transaction leaves no trace."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from hotline_local.emulator import mend_moto


@pytest.fixture
def ddb():
    with mock_aws():
        mend_moto()
        client = boto3.client("dynamodb", region_name="ap-southeast-1")
        client.create_table(
            TableName="pair", BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "S"}],
        )  # fmt: skip
        client.create_table(
            TableName="single",
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        )
        yield client


def _scan(ddb, table):
    return sorted(ddb.scan(TableName=table)["Items"], key=str)


def test_a_cancelled_transaction_puts_back_every_item_it_touched(ddb):
    ddb.put_item(TableName="pair", Item={"pk": {"S": "B"}, "sk": {"S": "1"}, "v": {"N": "1"}})
    ddb.put_item(TableName="single", Item={"id": {"S": "C"}, "v": {"N": "1"}})
    before = (_scan(ddb, "pair"), _scan(ddb, "single"))
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "pair", "Item": {"pk": {"S": "A"}, "sk": {"S": "1"}}}},
            {"Delete": {"TableName": "single", "Key": {"id": {"S": "C"}}}},
            {"Put": {"TableName": "pair", "Item": {"pk": {"S": "B"}, "sk": {"S": "1"}, "v": {"N": "9"}},
                     "ConditionExpression": "v = :two", "ExpressionAttributeValues": {":two": {"N": "2"}}}},
        ])  # fmt: skip
    assert (_scan(ddb, "pair"), _scan(ddb, "single")) == before


def test_a_transaction_that_holds_commits_every_item(ddb):
    ddb.put_item(TableName="pair", Item={"pk": {"S": "B"}, "sk": {"S": "1"}, "v": {"N": "1"}})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "single", "Item": {"id": {"S": "C"}}}},
        {"Update": {"TableName": "pair", "Key": {"pk": {"S": "B"}, "sk": {"S": "1"}},
                    "UpdateExpression": "SET v = :n", "ConditionExpression": "v = :one",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":n": {"N": "2"}}}},
    ])  # fmt: skip
    assert _scan(ddb, "single") == [{"id": {"S": "C"}}]
    assert _scan(ddb, "pair")[0]["v"] == {"N": "2"}
