"""Where a parked execution leaves its task token: beside the ticket, never inside it.

The ticket item is rewritten whole by every transition; a token stored there could be lost to a
transition that read the ticket before the token arrived. Its own item avoids that, and parking
is conditioned on the ticket version the execution saw, so a change that slipped in between
makes the execution look again instead of waiting for a change that already happened.
"""

from __future__ import annotations

from typing import cast

from pynamodb.transactions import TransactWrite

from hotline.dal.errors import store_errors
from hotline.dal.models import TicketItem, WaitItem
from hotline.dal.repository import META, table_connection, ticket_pk
from hotline.domain.workflow import Phase, Wait

SK = "WAIT"


class WaitStore:
    def park(self, wait: Wait) -> None:
        """Leave the token, if the ticket is still at the version the execution saw (else Conflict)."""
        with (
            store_errors("parked execution"),
            TransactWrite(connection=table_connection()) as tx,
        ):
            tx.condition_check(
                TicketItem, ticket_pk(wait.ticket_id), META, condition=TicketItem.version == wait.version
            )
            tx.save(WaitItem(ticket_pk(wait.ticket_id), SK, token=wait.token, phase=wait.phase, version=wait.version))

    def get(self, ticket_id: str) -> Wait | None:
        with store_errors("parked execution"):
            try:
                item = WaitItem.get(ticket_pk(ticket_id), SK, consistent_read=True)
            except WaitItem.DoesNotExist:
                return None
        return Wait(ticket_id, item.token, cast(Phase, item.phase), int(item.version))

    def clear(self, ticket_id: str) -> None:
        """Once the execution has ended: no token is left to resume."""
        with store_errors("parked execution"):
            WaitItem(ticket_pk(ticket_id), SK).delete()
