"""Writes finished records to the city's archive bucket (object lock, KMS): once, verified."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from hotline.dal.errors import store_errors
from hotline.domain.errors import Conflict, NotFound


class ArchiveBucket:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket

    @cached_property
    def s3(self) -> Any:
        import boto3

        return boto3.client("s3")

    def stored_checksum(self, key: str) -> str | None:
        try:
            with store_errors(f"archive {key}"):
                head = self.s3.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except NotFound:
            return None
        return head.get("ChecksumSHA256")

    def put(self, key: str, body: bytes, checksum: str, content_type: str = "application/json; charset=utf-8") -> None:
        """Store the record unless the same bytes are there already (a retried step writes nothing).

        The first archiving is one conditional PUT (`If-None-Match: *`, issue 24); only when a
        record is there already are its bytes compared, and a changed record (an exemption
        decided after the archiving) added as a new version. S3 refuses an upload whose bytes do
        not match `checksum`, and object lock keeps every version for the city's retention
        period, so a record can be added to but never altered.
        """
        try:
            with store_errors(f"archive {key}"):
                done = self._put(key, body, checksum, content_type, IfNoneMatch="*")
        except Conflict:
            if self.stored_checksum(key) == checksum:
                return
            with store_errors(f"archive {key}"):
                done = self._put(key, body, checksum, content_type)
        if done.get("ChecksumSHA256") != checksum:
            raise RuntimeError(f"archive {key}: S3 did not confirm the record's checksum")

    def _put(self, key: str, body: bytes, checksum: str, content_type: str, **condition: str) -> Any:
        return self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=checksum,
            **condition,
        )

    def copy_in(self, source_bucket: str, source_key: str, key: str) -> str | None:
        """Copy an uploaded file beside the record, verified; its SHA-256, or None if it is gone.

        A retried step finds the copy made before and copies nothing (object lock would keep
        every extra version for the retention period)."""
        stored = self.stored_checksum(key)
        if stored is not None:
            return stored
        try:
            with store_errors(f"attachment {source_key}"):
                done = self.s3.copy_object(
                    Bucket=self.bucket,
                    Key=key,
                    CopySource={"Bucket": source_bucket, "Key": source_key},
                    ChecksumAlgorithm="SHA256",
                    MetadataDirective="COPY",
                )
        except NotFound:
            return None
        checksum = done.get("CopyObjectResult", {}).get("ChecksumSHA256")
        if not checksum:
            raise RuntimeError(f"archive {key}: S3 did not confirm the attachment's checksum")
        return str(checksum)
