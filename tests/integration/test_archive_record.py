"""The archived record (R-CB-5): the citizen's uploads are copied beside it, verified, once."""

from __future__ import annotations

import json

import boto3
import pytest
import requests

from hotline.domain import records
from tests.conftest import cst
from tests.integration.apigw import call, staff

ARCHIVE = "hotline-heze-archive"
PHOTO = b"\xff\xd8" + b"photo" * 200


@pytest.fixture
def closed_with_photo(city, monkeypatch):
    """A Heze order filed with one photo, replied and rated: final, not yet archived."""
    from hotline.adapters import runtime

    monkeypatch.setenv("ARCHIVE_BUCKET", ARCHIVE)  # before the ports are wired (hotline.wiring)
    svc = city("heze")
    boto3.client("s3").create_bucket(
        Bucket=ARCHIVE,
        CreateBucketConfiguration={"LocationConstraint": "ap-southeast-1"},
        ObjectLockEnabledForBucket=True,
    )
    _, slot = call("POST", "/attachments", {"content_type": "image/jpeg", "size": 2048})
    assert requests.post(slot["upload"]["url"], data=slot["upload"]["fields"], files={"file": PHOTO}).ok
    body = {"type": "complaint", "content": "路边垃圾堆了一周没人清,气味很大", "category": "urban_management",
            "citizen": {"name": "张三", "phone": "13800138000"}, "attachments": [slot["attachment_id"]],
            "location": {"district": svc.config.districts[0].code}}  # fmt: skip
    status, filed = call("POST", "/requests", body)
    assert status == 201, filed
    (t,) = filed["tickets"]
    tid, lead = t["ticket_id"], t["lead_unit"]
    if lead is None:
        lead = next(u.id for u in svc.config.units if u.kind == "department")
        call("POST", f"/tickets/{tid}/actions", {"action": "dispatch", "lead_unit": lead, "assist_units": []},
             claims=staff("dispatcher"))  # fmt: skip
    ticket = call("GET", f"/tickets/{tid}", claims=staff("dispatcher"))[1]
    call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", lead))
    for part in ticket["assist_units"]:
        call(
            "POST", f"/tickets/{tid}/actions", {"action": "submit_assist", "text": "已配合"}, claims=staff("unit", part)
        )
    runtime.set_clock(cst(2026, 11, 3, 10))
    reply = {"action": "reply", "handled_at": "2026-11-03T09:00:00+08:00", "process": "组织清运",
             "result": "已清运", "citizen_contacted": True}  # fmt: skip
    assert call("POST", f"/tickets/{tid}/actions", reply, claims=staff("unit", lead))[0] == 200
    rating = {"ticket_id": tid, "resolved": True, "satisfaction": "satisfied"}
    status, out = call("POST", f"/requests/{filed['request_id']}/rating", rating,
                       query={"query_code": filed["query_code"]})  # fmt: skip
    assert (status, out["status"]) == (200, "closed"), out
    return tid, slot["attachment_id"]


def archive(tid: str) -> dict:
    from functions.workflow.handler import Task
    from functions.workflow.handler import archive as step

    step(Task(step="archive", ticket_id=tid))
    key = call("GET", f"/tickets/{tid}", claims=staff("reviewer"))[1]["archive_key"]
    return json.loads(boto3.client("s3").get_object(Bucket=ARCHIVE, Key=key)["Body"].read()) | {"_key": key}


def versions(prefix: str) -> int:
    return len(boto3.client("s3").list_object_versions(Bucket=ARCHIVE, Prefix=prefix).get("Versions", []))


def test_uploads_are_copied_beside_the_record_with_their_checksum_and_a_retry_copies_nothing(closed_with_photo):
    tid, att = closed_with_photo
    record = archive(tid)
    copy_key = records.attachment_key(record["_key"], att)
    assert copy_key.startswith("attachments/city=heze/") and copy_key.endswith(f"/{tid}/{att}")
    stored = boto3.client("s3").get_object(Bucket=ARCHIVE, Key=copy_key, ChecksumMode="ENABLED")
    assert stored["Body"].read() == PHOTO
    assert record["attachments"] == [{"id": att, "checksum": stored["ChecksumSHA256"], "archived": True}]
    from functions.workflow.handler import Task
    from functions.workflow.handler import archive as step

    step(Task(step="archive", ticket_id=tid))  # the state machine retried the step
    assert versions(copy_key) == 1 and versions(record["_key"]) == 1


def test_an_upload_gone_before_archiving_is_recorded_as_not_archived_and_the_record_is_still_written(
    closed_with_photo,
):
    tid, att = closed_with_photo
    import os

    boto3.client("s3").delete_object(Bucket=os.environ["ATTACHMENTS_BUCKET"], Key=f"incoming/{att}")
    record = archive(tid)
    assert record["attachments"] == [{"id": att, "checksum": None, "archived": False}]
    assert record["ticket"]["status"] == "closed"
