"""Tickets + events on DynamoDB (moto): one transaction per transition, optimistic locks, GSIs."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from hotline.dal.repository import TicketRepository
from hotline.domain.errors import Conflict, NotFound
from hotline.domain.models import SYSTEM, Status
from tests.conftest import cst
from tests.unit.factories import Desk


def filed(desk: Desk, repo: TicketRepository, ticket_id: str = "T-1", district: str | None = None):
    desk.file(cst(2026, 11, 2, 10), district=district)
    desk.t.ticket_id = ticket_id
    for e in range(len(desk.events)):
        desk.events[e] = desk.events[e].model_copy(update={"ticket_id": ticket_id})
    step = desk.lc.apply(desk.t.model_copy(update={"status": Status.received, "version": 0}), "accept",
                         desk.events[-1].actor, {}, cst(2026, 11, 2, 10))  # fmt: skip
    desk.t = repo.save(step)
    return desk.t


def test_a_transition_writes_ticket_and_event_together(table):
    repo, desk = TicketRepository(), Desk("tianjin")
    filed(desk, repo)
    lead = desk.some_units(1)[0]
    step = desk.lc.apply(desk.t, "dispatch", desk.events[0].actor, {"lead_unit": lead}, cst(2026, 11, 2, 10, 1))
    repo.save(step)
    got = repo.get("T-1")
    assert got.status is Status.dispatched
    assert got.version == 2
    assert [e.action for e in repo.events("T-1")] == ["accept", "dispatch"]


def test_concurrent_writers_exactly_one_wins(table):
    repo, desk = TicketRepository(), Desk("tianjin")
    filed(desk, repo)
    units = desk.some_units(4)
    steps = [
        desk.lc.apply(desk.t, "dispatch", desk.events[0].actor, {"lead_unit": u}, cst(2026, 11, 2, 10, 1))
        for u in units
    ]

    def attempt(step):
        try:
            repo.save(step)
            return "won"
        except Conflict:
            return "lost"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(attempt, steps))
    assert sorted(outcomes) == ["lost", "lost", "lost", "won"]
    assert len(repo.events("T-1")) == 2  # the losers wrote no event either


def test_a_stale_version_is_refused_and_nothing_is_written(table):
    repo, desk = TicketRepository(), Desk("heze")
    filed(desk, repo)
    lead = desk.some_units(1)[0]
    stale = desk.t
    repo.save(desk.lc.apply(stale, "dispatch", desk.events[0].actor, {"lead_unit": lead}, cst(2026, 11, 2, 11)))
    with pytest.raises(Conflict, match="changed it first"):
        repo.save(desk.lc.apply(stale, "dispatch", desk.events[0].actor, {"lead_unit": lead}, cst(2026, 11, 2, 12)))
    assert repo.get("T-1").deadlines.reply_by is not None
    assert len(repo.events("T-1")) == 2


def test_unknown_ticket_is_not_found(table):
    with pytest.raises(NotFound):
        TicketRepository().get("nope")


def test_unit_inbox_is_sorted_by_the_units_own_deadline_and_paginated(table):
    """R-DSP-3, R-UNIT-1: signed orders by their reply deadline; the page is one Query of entries."""
    from tests.unit.factories import unit

    repo = TicketRepository()
    lead = None
    for i, type_ in enumerate(["complaint", "consultation", "help"]):
        desk = Desk("weixi")
        desk.file(cst(2026, 11, 2, 10), type_=type_)
        desk.t.ticket_id = f"T-{i}"
        desk.t.version = 0
        desk.t.status = Status.pending_dispatch
        lead = lead or desk.some_units(1)[0]
        step = desk.lc.apply(desk.t, "dispatch", desk.events[0].actor, {"lead_unit": lead}, cst(2026, 11, 2, 10))
        signed = desk.lc.apply(repo.save(step), "sign", unit(lead), {}, cst(2026, 11, 2, 10, 30))
        repo.save(signed)
    page, cursor = repo.inbox(lead, limit=2)
    rest, end = repo.inbox(lead, limit=2, cursor=cursor)
    types = [t["type"] for t in page + rest]
    assert types == ["consultation", "help", "complaint"]  # 1 wd, 3 wd, 15 wd (Weixi Art.8)
    assert end is None and {t["part"] for t in page + rest} == {"lead"}
    assert [t["type"] for t in repo.inbox(lead, status=Status.in_progress, part="lead")[0]] == types
    assert repo.inbox(lead, part="assist") == ([], None)


def test_citizen_history_is_keyed_by_hash_never_by_phone(table):
    repo, desk = TicketRepository(), Desk("baoding")
    desk.file(cst(2026, 11, 2, 10))
    desk.t.citizen_key = "k" * 64
    desk.t.version, desk.t.status = 0, Status.received
    repo.save(desk.lc.apply(desk.t, "accept", desk.events[0].actor, {}, cst(2026, 11, 2, 10)))
    assert [t.ticket_id for t in repo.recent_for_citizen("k" * 64, "2026-10-01")] == ["T-1"]
    raw = boto3.client("dynamodb").scan(TableName=table)["Items"]  # test-only look at the raw items
    assert "CITIZEN#" + "k" * 64 in str(raw)


def test_queue_entries_follow_the_order_in_its_own_transaction_and_page_by_cursor(table):
    """R-DESK-1: an order waiting for the dispatcher is one entry of `QUEUE#dispatch`, written with
    the order and deleted with the dispatch; a page is one Query, its cursor opaque."""
    from hotline.domain.errors import DomainError

    repo, desk = TicketRepository(), Desk("tianjin")
    for i in range(3):
        filed(Desk("tianjin"), repo, ticket_id=f"T-{i}")
    assert repo.queue_count("dispatch") == 3
    first, cursor = repo.queue("dispatch", limit=2)
    assert [r["ticket_id"] for r in first] == ["T-0", "T-1"] and cursor
    rest, end = repo.queue("dispatch", limit=2, cursor=cursor)
    assert [r["ticket_id"] for r in rest] == ["T-2"] and end is None
    with pytest.raises(DomainError) as bad:
        repo.queue("triage", cursor=cursor)  # a cursor of another queue
    assert bad.value.code == "bad_cursor"
    t = repo.get("T-1")
    lead = desk.some_units(1)[0]
    repo.save(desk.lc.apply(t, "dispatch", SYSTEM, {"lead_unit": lead}, cst(2026, 11, 2, 10, 5)))
    assert repo.queue_count("dispatch") == 2
    assert [r["ticket_id"] for r in repo.queue("dispatch")[0]] == ["T-0", "T-2"]


def test_an_upgrade_rebuilds_the_queue_entries_of_orders_filed_before_queues_and_twice_is_harmless(table):
    """docs/runbook.md: orders stored by a release without queues get their entries from the
    operator's `requeue` routine, a page at a time; a second run writes the same entries again."""
    repo = TicketRepository()
    for i in range(5):
        filed(Desk("tianjin"), repo, ticket_id=f"T-{i}")
    dynamo = boto3.resource("dynamodb").Table(table)
    for entry in dynamo.scan()["Items"]:  # the old release wrote none
        if entry["pk"].startswith("QUEUE#"):
            dynamo.delete_item(Key={"pk": entry["pk"], "sk": entry["sk"]})
    assert repo.queue_count("dispatch") == 0
    written, cursor = repo.requeue(limit=4)
    while cursor:
        more, cursor = repo.requeue(limit=4, cursor=cursor)
        written += more
    assert written == 5 and [r["ticket_id"] for r in repo.queue("dispatch")[0]] == [f"T-{i}" for i in range(5)]
    assert repo.requeue()[0] == 5 and repo.queue_count("dispatch") == 5
