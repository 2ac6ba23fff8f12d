"""Archive (R-CB-5): a final record now lies in the archive; the live item lingers, then
expires (TTL). A closed order that changes later is archived again under the same key."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import Field

from hotline.domain import records
from hotline.domain.actions.declaration import Action, Ctx, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload
from hotline.domain.errors import IllegalTransition
from hotline.domain.models import FINAL, Role, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

# An archived record stays live this long: beyond the 90-day duplicate window (R-INT-4), the
# callback and exemption windows (R-CB-4), so nothing the live system reads has gone.
LIVE_AFTER_ARCHIVE = timedelta(days=180)


class Archive(Payload):
    key: str = Field(min_length=3)
    checksum: str = Field(min_length=8)
    at: datetime | None = None


def _archive(lc: Lifecycle, t: Ticket, c: Ctx[Archive]) -> dict[str, Any]:
    if not records.due(c.ticket):
        raise IllegalTransition("already_archived", f"already archived at {t.archive_key}, unchanged since")
    t.archive_key = c.payload.key
    t.archived_version = c.ticket.version
    t.expires_at = c.now + LIVE_AFTER_ARCHIVE
    return {"key": c.payload.key, "checksum": c.payload.checksum, "expires_at": t.expires_at.isoformat()}


ACTIONS = (Action(A.archive, Archive, (row(FINAL, None, {Role.system}),), _archive),)
