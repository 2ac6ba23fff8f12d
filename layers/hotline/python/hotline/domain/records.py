"""The immutable record of a finished ticket (R-CB-5): one JSON document, one partitioned key.

The document holds the ticket as it ended and every event, so the archive alone answers any
later question (the three rates are recomputed from it). The contact stays sealed under the
city's key (R-SEC-1). Keys are Hive-style partitions that Athena reads without a crawler.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import date
from typing import Any

from hotline.domain.models import FINAL, Event, Ticket

SCHEMA = 1


def document(ticket: Ticket, events: list[Event], attachments: dict[str, str | None] | None = None) -> bytes:
    """`attachments`: each uploaded file's id → the SHA-256 of its archived copy (None: it was gone)."""
    body: dict[str, Any] = {
        "schema": SCHEMA,
        "ticket": ticket.model_dump(mode="json", exclude={"archive_key", "expires_at", "archived_version"}),
        "events": [e.model_dump(mode="json") for e in events],
        "attachments": [{"id": a, "checksum": c, "archived": c is not None} for a, c in (attachments or {}).items()],
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def checksum(body: bytes) -> str:
    """SHA-256, base64: the form S3 verifies on upload and reports back (`ChecksumSHA256`)."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def key(ticket: Ticket, ended_on: date) -> str:
    """`records/city=…/year=…/month=…/<ticket>.json`, by the local date the ticket ended."""
    return f"records/city={ticket.city}/year={ended_on:%Y}/month={ended_on:%m}/{ticket.ticket_id}.json"


def attachment_key(record_key: str, attachment_id: str) -> str:
    """Beside the record, under `attachments/` so the records table's JSON reader never meets them:
    `attachments/city=…/year=…/month=…/<ticket>/<attachment id>`."""
    return f"attachments/{record_key.removeprefix('records/').removesuffix('.json')}/{attachment_id}"


def due(ticket: Ticket) -> bool:
    """Whether the archive lacks this final ticket's latest state: never archived, or changed since.

    A closed order still changes when its unit asks for an exemption and the center decides
    (R-CB-4); the record is then written again under the same key, and object lock keeps the
    earlier version beside it. The archive event itself (version + 1) is no change."""
    if ticket.status not in FINAL:
        return False
    if ticket.archive_key is None:
        return True
    return ticket.archived_version is not None and ticket.version > ticket.archived_version + 1
