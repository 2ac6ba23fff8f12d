"""The paged Query of the local cloud (hotline_local/moto_query.py) answers what moto answers.

Every Query is sent twice through boto3 on the same table: as the local cloud answers it (the
sorted partition, under the emulator's other mends) and with moto's own, unmended Table.query put
back; Items, Count, ScannedCount and LastEvaluatedKey must be equal, page after page. The cases
are the product's: a queue or inbox page and the next by cursor, newest first, an order's events
(`begins_with`), Open311's months (`between`, newest first), an inbox narrowed by status, a
queue's count, and the citizen index (moto's own path).
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.table import Table

from hotline_local import moto_query
from hotline_local.emulator import mend_moto

TABLE = "tickets"


def _put(ddb: Any, pk: str, sk: str, **attrs: Any) -> None:
    ddb.put_item(TableName=TABLE, Item={"pk": {"S": pk}, "sk": {"S": sk}, **attrs})


@pytest.fixture
def ddb():
    with mock_aws():
        mend_moto()
        client = boto3.client("dynamodb", region_name="ap-southeast-1")
        s = {"AttributeType": "S"}
        client.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": n, **s} for n in ("pk", "sk", "gsi2pk", "gsi2sk")],
            GlobalSecondaryIndexes=[{"IndexName": "citizen", "Projection": {"ProjectionType": "ALL"},
                                     "KeySchema": [{"AttributeName": "gsi2pk", "KeyType": "HASH"},
                                                   {"AttributeName": "gsi2sk", "KeyType": "RANGE"}]}],
        )  # fmt: skip
        for i in range(23):  # written out of order: the partition keeps its keys sorted anyway
            j = (i * 7) % 23
            due = f"2026-11-{2 + j % 5:02d}T0{j % 10}:00:00+00:00#T-{j:03d}-1"
            _put(client, "QUEUE#dispatch", due, data={"S": f'{{"n": {j}}}'})
            status = ("in_progress", "signed", "dispatched")[j % 3]
            _put(client, "INBOX#tj-water", due, data={"S": "{}"}, status={"S": status})
        _put(client, "QUEUE#triage", "2026-11-03T00:00:00+00:00#T-900-1", data={"S": "{}"})
        for sk in ("META", "EVENT#000002", "EVENT#000001", "WAIT", "EVENT#000010", "EVENT", "EVENT$", "EVENTS"):
            _put(client, "TICKET#T-001-1", sk, data={"S": sk})
        for i in range(9):
            at = f"2026-11-{1 + i:02d}T08:00:00+00:00"
            _put(
                client, f"TICKET#T-1{i:02d}-1", "META", gsi2pk={"S": "CITIZEN#abc"}, gsi2sk={"S": f"{at}#T-1{i:02d}-1"}
            )
            _put(client, "O311#2026-11", f"{at}#T-1{i:02d}-1", status={"S": "open" if i % 2 else "closed"})
        yield client


@pytest.fixture
def answered(monkeypatch):
    """How many Queries the sorted partition answered itself (not handed to moto)."""
    count = [0]
    page = moto_query.page

    def counted(table: Any, a: dict[str, Any]) -> Any:
        answer = page(table, a)
        count[0] += answer is not None
        return answer

    monkeypatch.setattr(moto_query, "page", counted)
    return count


def _walk(ddb: Any, **kw: Any) -> list[dict[str, Any]]:
    """Every page of a Query, following LastEvaluatedKey, as the client sees them."""
    pages, start = [], None
    for _ in range(60):
        ask = {**kw, "ExclusiveStartKey": start} if start else kw
        answer = {k: v for k, v in ddb.query(TableName=TABLE, **ask).items() if k != "ResponseMetadata"}
        pages.append(answer)
        start = answer.get("LastEvaluatedKey")
        if not start:
            return pages
    raise AssertionError("a Query that never ends")


def _both(ddb: Any, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> tuple[list[Any], list[Any]]:
    mended = _walk(ddb, **kw)
    with monkeypatch.context() as m:
        assert moto_query.PRISTINE is not None
        m.setattr(Table, "query", moto_query.PRISTINE)
        unmended = _walk(ddb, **kw)
    return mended, unmended


def _key(pk: str, condition: str = "", **values: str) -> dict[str, Any]:
    expr = "pk = :pk" + (f" AND {condition}" if condition else "")
    bound = {":pk": {"S": pk}, **{f":{k}": {"S": v} for k, v in values.items()}}
    return {"KeyConditionExpression": expr, "ExpressionAttributeValues": bound}


CASES = {
    "queue, whole": _key("QUEUE#dispatch"),
    "queue, pages of 5 and the cursor": {**_key("QUEUE#dispatch"), "Limit": 5},
    "queue, a page that ends with the partition": {**_key("QUEUE#dispatch"), "Limit": 23},
    "queue, one a page, newest first": {**_key("QUEUE#dispatch"), "Limit": 1, "ScanIndexForward": False},
    "queue, pages of 4, newest first": {**_key("QUEUE#dispatch"), "Limit": 4, "ScanIndexForward": False},
    "queue, due before": {**_key("QUEUE#dispatch", "sk < :t", t="2026-11-04"), "Limit": 3},
    "queue, due by": {**_key("QUEUE#dispatch", "sk <= :t", t="2026-11-04T00:00:00+00:00#T-015-1"), "Limit": 4},
    "queue, due after, newest first": {
        **_key("QUEUE#dispatch", "sk > :t", t="2026-11-04"),
        "Limit": 3,
        "ScanIndexForward": False,
    },
    "queue, due from": {**_key("QUEUE#dispatch", "sk >= :t", t="2026-11-04T00:00:00+00:00#T-015-1"), "Limit": 2},
    "queue, one entry": _key("QUEUE#dispatch", "sk = :t", t="2026-11-04T00:00:00+00:00#T-015-1"),
    "queue, no such entry": _key("QUEUE#dispatch", "sk = :t", t="2026-11-04"),
    "queue, count": {**_key("QUEUE#dispatch"), "Select": "COUNT"},
    "queue, keys only": {**_key("QUEUE#dispatch"), "ProjectionExpression": "pk, sk", "Limit": 7},
    "inbox, a status, pages of 4": {
        **_key("INBOX#tj-water"),
        "Limit": 4,
        "FilterExpression": "#s = :st",
        "ExpressionAttributeNames": {"#s": "status"},
        "ExpressionAttributeValues": {":pk": {"S": "INBOX#tj-water"}, ":st": {"S": "signed"}},
    },
    "an order's events": _key("TICKET#T-001-1", "begins_with(sk, :e)", e="EVENT#"),
    "an order's events, pages of 1": {**_key("TICKET#T-001-1", "begins_with(sk, :e)", e="EVENT#"), "Limit": 1},
    "an order's events, newest first, pages of 2": {
        **_key("TICKET#T-001-1", "begins_with(sk, :e)", e="EVENT#"),
        "Limit": 2,
        "ScanIndexForward": False,
    },
    "a prefix that is a whole key": {**_key("TICKET#T-001-1", "begins_with(sk, :e)", e="EVENT"), "Limit": 3},
    "a prefix no key has": {**_key("TICKET#T-001-1", "begins_with(sk, :e)", e="EVENT#9"), "Limit": 3},
    "Open311's month, newest first": {
        **_key("O311#2026-11", "sk BETWEEN :a AND :b", a="2026-11-03", b="2026-11-07~"),
        "Limit": 2,
        "ScanIndexForward": False,
    },
    "a range the wrong way round": _key("O311#2026-11", "sk BETWEEN :a AND :b", a="2026-11-07", b="2026-11-03"),
    "a partition with nothing in it": {**_key("QUEUE#nothing"), "Limit": 5},
    "the citizen index (moto's own path)": {
        "IndexName": "citizen",
        "KeyConditionExpression": "gsi2pk = :c AND gsi2sk >= :t",
        "ExpressionAttributeValues": {":c": {"S": "CITIZEN#abc"}, ":t": {"S": "2026-11-03"}},
        "ScanIndexForward": False,
        "Limit": 2,
    },
}


@pytest.mark.parametrize("ask", CASES.values(), ids=CASES.keys())
def test_every_page_is_moto_s_own(ddb, monkeypatch, answered, ask):
    mended, unmended = _both(ddb, monkeypatch, **ask)
    assert mended == unmended
    assert answered[0] == (0 if "IndexName" in ask else len(mended))  # the sorted partition answered each page


@pytest.mark.parametrize("forward", [True, False])
def test_a_cursor_whose_entry_has_left_the_queue(ddb, monkeypatch, answered, forward):
    """Between two pages the order at the cursor moved on (its entry deleted): the next page starts
    after where it was, in either direction."""
    first = ddb.query(TableName=TABLE, Limit=5, ScanIndexForward=forward, **_key("QUEUE#dispatch"))
    cursor = first["LastEvaluatedKey"]
    ddb.delete_item(TableName=TABLE, Key=cursor)
    ask = {**_key("QUEUE#dispatch"), "Limit": 5, "ScanIndexForward": forward, "ExclusiveStartKey": cursor}
    mended = ddb.query(TableName=TABLE, **ask)
    with monkeypatch.context() as m:
        m.setattr(Table, "query", moto_query.PRISTINE)
        unmended = ddb.query(TableName=TABLE, **ask)
    assert mended["Items"] == unmended["Items"] and mended.get("LastEvaluatedKey") == unmended.get("LastEvaluatedKey")
    assert answered[0] == 2


@pytest.mark.parametrize("cursor_pk", ["QUEUE#a", "QUEUE#zzz"])
@pytest.mark.parametrize("forward", [True, False])
def test_a_cursor_of_another_partition(ddb, monkeypatch, answered, cursor_pk, forward):
    """moto skips the whole partition or none of it; the API refuses such a cursor before it gets here."""
    cursor = {"pk": {"S": cursor_pk}, "sk": {"S": "2026-11-04"}}
    mended, unmended = _both(ddb, monkeypatch, **_key("QUEUE#dispatch"), Limit=6, ScanIndexForward=forward,
                             ExclusiveStartKey=cursor)  # fmt: skip
    assert mended == unmended


def test_writes_overwrites_deletes_and_a_cancelled_transaction_keep_the_order(ddb, monkeypatch, answered):
    queue = _key("QUEUE#dispatch")
    for i in range(0, 23, 3):
        ddb.delete_item(
            TableName=TABLE,
            Key={
                "pk": {"S": "QUEUE#dispatch"},
                "sk": {"S": ddb.query(TableName=TABLE, **queue)["Items"][0]["sk"]["S"]},
            },
        )
        _put(ddb, "QUEUE#dispatch", f"2026-11-0{1 + i % 9}T12:00:00+00:00#N-{i:03d}-1", data={"S": "{}"})
    _put(ddb, "QUEUE#dispatch", "2026-11-05T12:00:00+00:00#N-000-1", data={"S": '{"again": true}'})  # overwrite
    with pytest.raises(ddb.exceptions.TransactionCanceledException):
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"pk": {"S": "QUEUE#dispatch"}, "sk": {"S": "2026-11-01#X"}}}},
            {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": "QUEUE#dispatch"},
                                                   "sk": {"S": "2026-11-05T12:00:00+00:00#N-000-1"}}}},
            {"ConditionCheck": {"TableName": TABLE, "Key": {"pk": {"S": "QUEUE#triage"}, "sk": {"S": "nothing"}},
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])  # fmt: skip
    for ask in ({**queue, "Limit": 4}, {**queue, "Limit": 3, "ScanIndexForward": False}):
        mended, unmended = _both(ddb, monkeypatch, **ask)
        assert mended == unmended
    partition = dynamodb_backends["123456789012"]["ap-southeast-1"].tables[TABLE].items
    for bucket in partition.values():
        assert bucket.order == sorted(bucket, key=lambda k: k.cast_value)


@pytest.mark.parametrize("forward", [True, False])
def test_the_1_mb_cut_counts_the_next_item_even_when_it_does_not_match(ddb, monkeypatch, answered, forward):
    """moto's page cut looks at the size of the next item whatever it is: three 300 KB events fill
    a page that a fourth item, outside the prefix, then cuts — a quirk kept as it is."""
    blob = "x" * 300_000
    for sk in ("EVENT#1", "EVENT#2", "EVENT#3", "EVENTZ", "A-FIRST"):
        _put(ddb, "TICKET#BIG", sk, data={"S": blob})
    walks = {}
    for prefix in ("EVENT#", "EVENT", "A"):
        walks[prefix], unmended = _both(ddb, monkeypatch, **_key("TICKET#BIG", "begins_with(sk, :e)", e=prefix),
                                        ScanIndexForward=forward)  # fmt: skip
        assert walks[prefix] == unmended
    assert [p["Count"] for p in walks["EVENT#"]] == [3, 0]  # cut by the item after the three, then nothing


def test_numbers_sort_as_numbers(monkeypatch, answered):
    """A number range key (no table of the product has one) is ordered by value, as moto orders it."""
    with mock_aws():
        mend_moto()
        ddb = boto3.client("dynamodb", region_name="ap-southeast-1")
        ddb.create_table(
            TableName=TABLE, BillingMode="PAY_PER_REQUEST",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"}],
        )  # fmt: skip
        for n in ("10", "9", "-1.5", "100", "0", "2.25"):
            ddb.put_item(TableName=TABLE, Item={"pk": {"S": "P"}, "sk": {"N": n}})
        key = {"KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
               "ExpressionAttributeValues": {":p": {"S": "P"}, ":a": {"N": "0"}, ":b": {"N": "10"}}}  # fmt: skip
        for forward in (True, False):
            mended, unmended = _both(ddb, monkeypatch, **key, Limit=2, ScanIndexForward=forward)
            assert mended == unmended
        assert [i["sk"]["N"] for p in mended for i in p["Items"]] == ["10", "9", "2.25", "0"]
    assert answered[0] == 6  # three pages each way (the last one empty), all from the sorted partition


def test_a_query_moto_answers_still_reads_only_its_partition(ddb, monkeypatch, answered):
    """What the sorted partition declines goes to moto behind the emulator's partition mend, which
    binds the call by moto's own signature: it must still see the partition, not the whole table."""
    seen, all_items = [], Table.all_items

    def counted(table: Any) -> Any:
        items = all_items(table)
        seen.append(len(items))
        return items

    monkeypatch.setattr(Table, "all_items", counted)
    with moto_query.declined():
        answer = ddb.query(TableName=TABLE, Limit=5, **_key("QUEUE#dispatch"))
    assert len(answer["Items"]) == 5 and answered[0] == 0
    assert seen == [23]
