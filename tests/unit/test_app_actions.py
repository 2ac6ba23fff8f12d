"""Staff actions, timer fires and the stream's follow-up as use cases on in-memory ports (issue 16)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.app import actions, follow, notices, timers
from hotline.domain.errors import Conflict, Forbidden
from hotline.domain.models import Actor, Role
from tests.unit.factories import unit

DISPATCHER = Actor(role=Role.dispatcher, id="d-01")


def test_the_lead_unit_signs_and_another_unit_may_not_read_it(order):
    deps, tid = order
    lead = deps.tickets.get(tid).lead_unit
    assert lead
    view = actions.act(deps, unit(lead), tid, {"action": "sign"})
    assert view["status"] == "in_progress" and view["events"][-1]["action"] == "sign"
    other = next(u.id for u in deps.config.units if u.id != lead and u.id not in deps.tickets.get(tid).assist_units)
    with pytest.raises(Forbidden) as refused:
        actions.read(deps, unit(other), tid)
    assert refused.value.status == 403


def test_a_persons_write_in_between_is_a_409_and_a_system_write_is_not(order, monkeypatch):
    deps, tid = order
    lead = str(deps.tickets.get(tid).lead_unit)
    stale, seen = deps.tickets.history(tid)
    real_history = deps.tickets.history
    # someone signs after this unit read the order: its sign must not overwrite it
    deps.tickets.save(deps.lifecycle.apply(stale, "sign", unit(lead), {}, deps.now()))
    reads = iter([(stale, seen)])
    monkeypatch.setattr(deps.tickets, "history", lambda t: next(reads, None) or real_history(t))
    with pytest.raises(Conflict) as conflict:
        actions.act(deps, unit(lead), tid, {"action": "sign"})
    assert conflict.value.status == 409 and "他人" in conflict.value.message


def test_only_a_supervisor_lifts_a_suspension(order):
    deps, _ = order
    with pytest.raises(Forbidden):
        actions.lift(deps, DISPATCHER, "nobody", {"note": "误拨"})
    with pytest.raises(Forbidden):
        actions.caller(deps, unit("tj-water"), "nobody")


def test_a_timer_fire_the_order_outgrew_is_a_no_op(order):
    deps, tid = order
    lead = str(deps.tickets.get(tid).lead_unit)
    actions.act(deps, unit(lead), tid, {"action": "sign"})
    version = deps.tickets.get(tid).version
    fire = timers.Fire(ticket_id=tid, action="mark_overdue", deadline="sign", deadline_version=0)
    deps.clock.at += timedelta(days=3)
    answer = timers.fire(deps, fire)
    assert answer["applied"] is False and answer["ticket_id"] == tid
    assert deps.tickets.get(tid).version == version  # nothing written


def test_the_stream_follow_up_reconciles_timers_starts_the_execution_once_and_counts_once(order):
    deps, tid = order
    ticket = deps.tickets.get(tid)
    follow.follow(deps, None, ticket)
    follow.follow(deps, None, ticket)  # the stream redelivered
    assert deps.executions.started == [deps.executions.started[0]] and deps.schedules.of(tid)
    assert deps.kpi.counted == {tid: ticket.version}


def test_an_event_tells_the_units_and_queues_the_citizens_sms_sealed(order):
    deps, tid = order
    (dispatch,) = [e for e in deps.tickets.events(tid) if e.action == "dispatch"]
    notices.notify(deps, dispatch)
    assert deps.notifier.units and all(n.ticket_id == tid for n in deps.notifier.units)
    for notice, sealed in deps.notifier.queued:
        assert "13800138000" not in notice.text and sealed == deps.tickets.get(tid).citizen_sealed
