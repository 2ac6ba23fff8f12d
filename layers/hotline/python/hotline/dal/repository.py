"""Tickets and their events: one transaction per transition, optimistic locking, GSI reads only."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import Any, TypeVar

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from hotline.app.retry import reread_on_conflict
from hotline.dal.errors import store_errors
from hotline.dal.models import EventItem, HistoryItem, QueueItem, TicketItem
from hotline.domain import inbox, open311, queues
from hotline.domain.errors import NotFound
from hotline.domain.lifecycle import Step
from hotline.domain.models import Event, Status, Ticket

T = TypeVar("T")
__all__ = ["reread_on_conflict"]  # lives in hotline.app.retry: the use cases retry without the store
META = "META"
OPEN311 = "open311"
UPDATES_KEPT = timedelta(days=open311.MAX_DAYS + 10)  # FixMyStreet asks for the last hours


def ticket_pk(ticket_id: str) -> str:
    return f"TICKET#{ticket_id}"


def _event_sk(seq: int) -> str:
    return f"EVENT#{seq:06d}"


def table_connection(model: type[Model] = TicketItem) -> Connection:
    """The connection transactions use: the same region and endpoint the items are bound to.

    One per endpoint for the life of the container: a pynamodb Connection builds its own botocore
    client, which costs more than the transaction it carries."""
    return _connection(getattr(model.Meta, "region", None), getattr(model.Meta, "host", None))


@cache
def _connection(region: str | None, host: str | None) -> Connection:
    return Connection(region=region, host=host)


def to_item(t: Ticket) -> TicketItem:
    item = TicketItem(
        pk=ticket_pk(t.ticket_id),
        sk=META,
        status=t.status.value,
        data=t.model_dump(mode="json", exclude={"version"}),
        version=t.version,
    )
    if t.expires_at is not None:
        item.expires_at = int(t.expires_at.timestamp())  # TTL: the archive holds the record (R-CB-5)
    if t.citizen_key:
        item.gsi2pk, item.gsi2sk = f"CITIZEN#{t.citizen_key}", f"{t.created_at.isoformat()}#{t.ticket_id}"
    return item


def _listing_keys(t: Ticket) -> dict[tuple[str, str], Any]:
    """(pk, sk) of every list the order is on — the center's queues (R-DESK-1), the inbox of
    every unit with a part in it (R-UNIT-1) and Open311's month of filing (R-O311-1) — with what
    makes its entry."""
    out: dict[tuple[str, str], Any] = {}
    listed = open311.listing_key(t)
    if listed is not None:
        out[listed] = (OPEN311, None)
    for name, due in queues.memberships(t).items():
        out[(f"QUEUE#{name}", queues.sort_key(due, t.ticket_id))] = (name, due)
    for unit, inv in inbox.involvements(t).items():
        sk = queues.sort_key(inv.due, t.ticket_id)
        out[(f"INBOX#{unit}", sk)] = (unit, inv)  # every part: the inbox as it opens
        for part in inv.parts:  # one part: so that `?role=` pages are full, never a filtered few
            out[(f"INBOX#{unit}#{part}", sk)] = (unit, inv)
    return out


def _listings(tx: TransactWrite, before: Ticket | None, after: Ticket) -> None:
    """Keep the order's list entries in step with it, in its own transaction: the stored ticket
    is `before` (the write is conditioned on its version), so its entries are exactly the keys
    `before` gives; those that moved or ended are deleted, the rest rewritten with the new row."""
    old = _listing_keys(before) if before is not None else {}
    new = _listing_keys(after)
    for pk, sk in old.keys() - new.keys():
        tx.delete(QueueItem(pk=pk, sk=sk))
    for (pk, sk), (name, how) in new.items():
        if name == OPEN311:
            facts = open311.row(after)
            entry = QueueItem(pk=pk, sk=sk, data=facts, status=facts["extended"], code=after.category or "")
        elif pk.startswith("QUEUE#"):
            entry = QueueItem(pk=pk, sk=sk, data=queues.row(after, name, how))
        else:
            entry = QueueItem(pk=pk, sk=sk, data=inbox.row(after, name, how), status=after.status.value)
        if after.expires_at is not None:
            entry.expires_at = int(after.expires_at.timestamp())
        tx.save(entry)


def _open311_update(tx: TransactWrite, step: Step) -> None:
    """A change of the order's state as Open311 sees it, for FixMyStreet's polling (R-O311-1);
    kept a little longer than the longest window it may ask for."""
    before = step.before if step.before.version else None
    update = open311.update(before, step.after, step.event)
    if update is None:
        return
    pk, sk = open311.update_key(step.after, step.event)
    tx.save(QueueItem(pk=pk, sk=sk, data=update, expires_at=int((step.event.at + UPDATES_KEPT).timestamp())))


def from_item(item: TicketItem | HistoryItem) -> Ticket:
    return Ticket.model_validate({**item.data, "version": item.version})


class TicketRepository:
    def save(self, step: Step) -> Ticket:
        """Write the new ticket and its event atomically; lose to a concurrent writer with Conflict."""
        return self.save_all([step])[0]

    def save_all(self, steps: Iterable[Step]) -> list[Ticket]:
        """Transitions of one or more tickets in one transaction: all or none.

        Consecutive steps of one ticket (accept, then dispatch) collapse into one item write,
        conditioned on the first step's version, plus one event each.
        """
        chains: dict[str, list[Step]] = {}
        for step in steps:
            chains.setdefault(step.after.ticket_id, []).append(step)
        with (
            store_errors("ticket"),
            TransactWrite(connection=table_connection()) as tx,
        ):
            for chain in chains.values():
                first, last = chain[0], chain[-1]
                item = to_item(last.after)
                item.recent = [step.event.model_dump(mode="json") for step in chain]
                read = first.before.version
                tx.save(item, condition=TicketItem.version == read if read else TicketItem.pk.does_not_exist())
                _listings(tx, first.before if read else None, last.after)
                for step in chain:
                    event = step.event
                    tx.save(
                        EventItem(
                            pk=ticket_pk(event.ticket_id), sk=_event_sk(event.seq), data=event.model_dump(mode="json")
                        ),
                        condition=EventItem.pk.does_not_exist(),
                    )
                    _open311_update(tx, step)
        return [chain[-1].after for chain in chains.values()]

    def get(self, ticket_id: str) -> Ticket:
        with store_errors("ticket"):
            try:
                return from_item(TicketItem.get(ticket_pk(ticket_id), META, consistent_read=True))
            except TicketItem.DoesNotExist:
                raise NotFound(None, f"没有编号为 {ticket_id} 的工单", f"no ticket {ticket_id}") from None

    def history(self, ticket_id: str) -> tuple[Ticket, list[Event]]:
        """The ticket and its events in one consistent Query (issue 24): they share a partition,
        and `EVENT#…` sorts before `META` (the parked `WAIT` after it, so it is not read)."""
        with store_errors("ticket"):
            span = HistoryItem.sk.between("EVENT#", META)
            items = list(HistoryItem.query(ticket_pk(ticket_id), span, consistent_read=True))
        if not items or items[-1].sk != META:
            raise NotFound(None, f"没有编号为 {ticket_id} 的工单", f"no ticket {ticket_id}")
        ticket = from_item(items.pop())
        return ticket, [Event.model_validate(i.data) for i in items]

    def events(self, ticket_id: str) -> list[Event]:
        with store_errors("events"):
            items = EventItem.query(ticket_pk(ticket_id), EventItem.sk.startswith("EVENT#"), consistent_read=True)
            return [Event.model_validate(i.data) for i in items]

    def inbox(
        self, unit_id: str, part: str | None = None, status: Status | None = None, limit: int = 50,
        cursor: str | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
        """A unit's open orders, every part or one, its own deadline first (R-DSP-3, R-UNIT-1):
        one Query of its entries (of one part's, for `part`); a status narrows the page."""
        pk = f"INBOX#{unit_id}#{part}" if part else f"INBOX#{unit_id}"
        condition = QueueItem.status == status.value if status else None
        with store_errors("inbox"):
            start = _decode(cursor, pk)
            result = QueueItem.query(pk, filter_condition=condition, limit=limit, last_evaluated_key=start)
            return [dict(i.data) for i in result], _encode(result.last_evaluated_key)

    def queue(self, name: str, limit: int = 50, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """One page of a center queue, nearest deadline first: one Query (R-DESK-1)."""
        pk = f"QUEUE#{name}"
        with store_errors("queue"):
            result = QueueItem.query(pk, limit=limit, last_evaluated_key=_decode(cursor, pk))
            rows = [dict(i.data) for i in result]
            return rows, _encode(result.last_evaluated_key)

    def queue_count(self, name: str) -> int:
        """How many orders wait in a queue: a key-only Query that counts (entries are small)."""
        with store_errors("queue"):
            return int(QueueItem.count(f"QUEUE#{name}"))

    def requeue(self, limit: int = 200, cursor: str | None = None) -> tuple[int, str | None]:
        """Write the queue entries of stored orders that have none: an upgrade from a release
        without queues (docs/runbook.md). The product's one Scan, run by an operator, a page at a
        time; each order's entries are written on the condition that it has not changed since
        it was read (a concurrent transition writes its own), so running it twice is harmless."""
        start = json.loads(base64.urlsafe_b64decode(cursor.encode())) if cursor else None
        written = 0
        with store_errors("requeue"):
            page = TicketItem.scan(TicketItem.sk == META, limit=limit, last_evaluated_key=start, consistent_read=True)
            for item in page:
                ticket = from_item(item)
                if not item.pk.startswith("TICKET#") or not _listing_keys(ticket):
                    continue
                try:
                    with TransactWrite(connection=table_connection()) as tx:
                        tx.condition_check(TicketItem, item.pk, META, condition=TicketItem.version == item.version)
                        _listings(tx, None, ticket)
                except TransactWriteError:
                    continue  # it moved meanwhile: its own write kept its entries
                written += 1
            return written, _encode(page.last_evaluated_key)

    def open311_listing(
        self, prefix: str, months: list[str], start: str, end: str, *, statuses: list[str] | None = None,
        codes: list[str] | None = None, skip: int = 0, limit: int = 1000,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Open311's orders (`O311`) or their changes (`O311UPD`) between two UTC moments, newest
        first: one Query per month the window touches, stopped as soon as the page is full. A
        page beyond the first reads past the ones before it (the `page` extension)."""
        condition = None
        if statuses:
            condition = QueueItem.status.is_in(*statuses)
        if codes:
            by_code = QueueItem.code.is_in(*codes)
            condition = by_code if condition is None else condition & by_code
        out: list[dict[str, Any]] = []
        wanted = skip + limit
        with store_errors("open311"):
            for month in months:
                result = QueueItem.query(
                    f"{prefix}#{month}", QueueItem.sk.between(start, end + "~"), filter_condition=condition,
                    scan_index_forward=False, page_size=min(wanted - len(out), 1000) + 1,
                )  # fmt: skip
                for item in result:
                    out.append(dict(item.data))
                    if len(out) >= wanted:
                        return out[skip:]
        return out[skip:]

    def get_many(self, ticket_ids: list[str]) -> list[Ticket]:
        """Orders by id, in the order asked, the unknown left out: one BatchGetItem per 100."""
        with store_errors("ticket"):
            found = {i.pk: from_item(i) for i in TicketItem.batch_get([(ticket_pk(t), META) for t in ticket_ids])}
        return [found[ticket_pk(t)] for t in ticket_ids if ticket_pk(t) in found]

    def recent_for_citizen(self, citizen_key: str, since_iso: str) -> list[Ticket]:
        with store_errors("citizen history"):
            items = TicketItem.citizen.query(
                f"CITIZEN#{citizen_key}", TicketItem.gsi2sk >= since_iso, scan_index_forward=False
            )
            return [from_item(i) for i in items]


def ticket_from_stream(image: dict[str, Any]) -> Ticket | None:
    """The ticket a stream record's image holds, or None for an event item (DynamoDB JSON in)."""
    if image.get("sk", {}).get("S") != META:
        return None
    return from_item(TicketItem.from_raw_data(image))


def events_from_stream(new: dict[str, Any], old: dict[str, Any] | None) -> list[Event]:
    """The events a ticket write added, from its stream record's images: those the META item
    carries (`recent`) that are newer than the version it replaced (DynamoDB JSON in)."""
    if new.get("sk", {}).get("S") != META or not str(new.get("pk", {}).get("S", "")).startswith("TICKET#"):
        return []
    before = int((old or {}).get("version", {}).get("N", 0))
    recent = TicketItem.from_raw_data(new).recent or []
    return [e for e in (Event.model_validate(x) for x in recent) if e.seq > before]


def _encode(key: dict[str, Any] | None) -> str | None:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode() if key else None


def _decode(cursor: str | None, partition: str) -> dict[str, Any] | None:
    """A cursor is opaque: only a key this API gave out for this very list is taken (issue 15.11);
    anything else, even valid base64 of another key shape or of another list, is a 400, never a
    store error. Every page ends on an entry of its own partition (`QUEUE#…`, `INBOX#<unit>`)."""
    if not cursor:
        return None
    from hotline.domain.errors import DomainError

    refused = DomainError(
        "bad_cursor", "翻页参数无效，请从第一页重新查询", "the page cursor is not one this API gave out"
    )
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        raise refused from None
    if not isinstance(value, dict) or set(value) != {"pk", "sk"}:
        raise refused
    if not all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in value.values()):
        raise refused
    if value["pk"]["S"] != partition:
        raise refused
    return value
