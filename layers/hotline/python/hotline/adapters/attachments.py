"""Evidence uploads (R-INT-2): pre-signed S3 POSTs with the size and type fixed in the policy.

The channel asks for an upload slot, the citizen's device posts the file straight to S3 (the
API never carries the bytes), and the filing names the slot's id; intake then checks that the
object is there and is what the slot allowed.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from hotline.config.schema import AttachmentPolicy
from hotline.dal.errors import store_errors
from hotline.domain.errors import BadInput, NotFound

UPLOAD_SECONDS = 900
PREFIX = "incoming/"


@dataclass(frozen=True)
class Slot:
    attachment_id: str
    url: str
    fields: dict[str, str]
    expires_in: int


class Attachments:
    def __init__(self, bucket: str, policy: AttachmentPolicy, client: Any | None = None) -> None:
        self.bucket, self.policy = bucket, policy
        self._client = client

    @property
    def s3(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("s3")
        return self._client

    def slot(self, content_type: str, size: int, channel: str) -> Slot:
        limit = self.policy.max_bytes.get(content_type)
        if limit is None:
            allowed = ", ".join(sorted(self.policy.max_bytes))
            raise BadInput("unsupported_type", f"attachments may be {allowed}; not {content_type!r}")
        if not 0 < size <= limit:
            raise BadInput("too_large", f"a {content_type} attachment may be at most {limit // 2**20} MB")
        attachment_id = f"att-{secrets.token_hex(16)}"
        with store_errors("attachment slot"):
            post = self.s3.generate_presigned_post(
                Bucket=self.bucket,
                Key=f"{PREFIX}{attachment_id}",
                Fields={"Content-Type": content_type, "x-amz-meta-channel": channel},
                Conditions=[
                    {"Content-Type": content_type},
                    {"x-amz-meta-channel": channel},
                    ["content-length-range", 1, size],
                ],
                ExpiresIn=UPLOAD_SECONDS,
            )
        return Slot(attachment_id, post["url"], post["fields"], UPLOAD_SECONDS)

    def verify(self, attachment_id: str, channel: str) -> None:
        """The upload exists, came through this channel's slot, and is within the type's limit."""
        try:
            with store_errors("attachment"):
                head = self.s3.head_object(Bucket=self.bucket, Key=f"{PREFIX}{attachment_id}")
        except NotFound:
            raise BadInput("unknown_attachment", f"{attachment_id} was not uploaded (or its slot expired)") from None
        kind = str(head.get("ContentType", ""))
        if head.get("Metadata", {}).get("channel") != channel:
            raise BadInput("unknown_attachment", f"{attachment_id} was not uploaded through this channel")
        if int(head.get("ContentLength", 0)) > self.policy.max_bytes.get(kind, 0):
            raise BadInput("too_large", f"{attachment_id} is larger than a {kind or 'file'} attachment may be")
