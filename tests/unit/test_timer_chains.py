"""Only the next timer of each deadline is armed; a fire arms the one after it (issue 24, R-TMR-1..4)."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

from hotline.app import follow, timers
from hotline.domain.timers import chain_of, chains, following, plan, timers_for
from tests.conftest import cst
from tests.unit.factories import Desk, unit


def _dispatched() -> Desk:
    desk = Desk("tianjin")
    desk.file(cst(2026, 11, 2, 10), category="water")
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    return desk


def test_a_new_order_arms_the_first_timer_of_each_deadline_and_nothing_more():
    desk = _dispatched()
    every = chains(desk.lc.policy, desk.t)
    armed = plan(desk.lc.policy, None, desk.t)
    assert {chain_of(t.name) for t in armed.arm} == set(every) and not armed.disarm
    assert [t.name for t in armed.arm] == [timers[0].name for timers in every.values()]
    assert len(armed.arm) < len(timers_for(desk.lc.policy, desk.t)) / 3  # a dozen rungs stay unarmed


def test_each_timer_of_a_chain_arms_the_next_and_the_last_rung_arms_nothing():
    desk = _dispatched()
    for timers_of_one in chains(desk.lc.policy, desk.t).values():
        walked = [timers_of_one[0]]
        while (nxt := following(desk.lc.policy, desk.t, walked[-1].name)) is not None:
            walked.append(nxt)
        assert walked == timers_of_one  # every rung once, in time order
        assert all(a.at <= b.at for a, b in pairwise(walked))


def test_signing_disarms_the_armed_sign_timer_and_leaves_the_reply_chain_as_it_is():
    desk = _dispatched()
    before = desk.t
    sign_chain = next(v for k, v in chains(desk.lc.policy, before).items() if ".sign." in k)
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    change = plan(desk.lc.policy, before, desk.t)
    assert change.disarm == (next(t for t in sign_chain if t.at > desk.t.updated_at).name,)
    assert change.arm == ()  # the reply and assist chains did not change: their armed timers stay
    assert plan(desk.lc.policy, before, desk.t) == change  # a replayed stream record plans the same


def test_a_fire_of_a_chain_the_order_left_arms_nothing():
    """R-TMR-4: after signing, a late sign reminder is stale and its chain ends there."""
    desk = _dispatched()
    [first] = [v[0] for k, v in chains(desk.lc.policy, desk.t).items() if ".sign." in k]
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    assert following(desk.lc.policy, desk.t, first.name) is None


def test_an_extension_disarms_the_old_reply_timer_and_arms_the_new_versions_first():
    """R-TMR-4: the moved deadline's chain has new names; the old armed one is deleted."""
    from tests.unit.factories import REVIEWER

    desk = _dispatched()
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    desk.do("request_extension", desk.lead, at=cst(2026, 11, 3, 10), reason="需要更换主管道，工期较长")
    before = desk.t
    desk.do("decide_extension", REVIEWER, at=cst(2026, 11, 3, 11), approve=True, reason="同意延期")
    change = plan(desk.lc.policy, before, desk.t)
    v = desk.t.deadline_version
    assert {chain_of(t.name).split(".", 1)[1] for t in change.arm} >= {f"reply.v{v}"}
    assert all(f".v{v}." in t.name for t in change.arm) and all(f".v{v - 1}." in n for n in change.disarm)
    assert {n.split(".")[1] for n in change.disarm} == {t.name.split(".")[1] for t in change.arm}


def test_a_chain_opened_after_its_reminders_passed_arms_the_overdue_mark_not_a_late_reminder():
    desk = _dispatched()
    late = desk.t.model_copy(update={"updated_at": desk.t.deadlines.sign_by - timedelta(minutes=1)})
    [sign] = [t for t in plan(desk.lc.policy, None, late).arm if ".sign." in t.name]
    assert sign.fire["action"] == "mark_overdue"
    past = desk.t.model_copy(update={"updated_at": desk.t.deadlines.sign_by + timedelta(days=30)})
    [sign] = [t for t in plan(desk.lc.policy, None, past).arm if ".sign." in t.name]
    assert sign.fire["action"] == "mark_overdue"  # however late: the overdue mark is the record


def test_a_signed_order_never_replied_climbs_every_rung_exactly_once_one_schedule_at_a_time(order):
    """R-TMR-1/2/4 end to end on the use cases: the Scheduler (a fake that fires the earliest
    armed schedule and deletes it) never holds more than one schedule per deadline, and every
    timer the order needs fires once, in order; a duplicate delivery arms nothing new."""
    from hotline.app import actions

    deps, tid = order
    follow.follow(deps, None, deps.tickets.get(tid))
    signed = deps.tickets.get(tid)
    actions.act(deps, unit(str(signed.lead_unit)), tid, {"action": "sign"})
    follow.follow(deps, signed, deps.tickets.get(tid))
    ticket = deps.tickets.get(tid)
    wanted = {t.name for t in timers_for(deps.lifecycle.policy, ticket)}
    fired: list[str] = []
    while armed := deps.schedules.of(tid):
        assert len({chain_of(t.name) for t in armed}) == len(armed)  # one per deadline
        nxt = min(armed, key=lambda t: (t.at, t.name))
        del deps.schedules.armed[nxt.name]  # ActionAfterCompletion: DELETE
        deps.clock.at = max(deps.clock.at, nxt.at)
        before = deps.tickets.get(tid)
        answer = timers.fire(deps, timers.Fire.model_validate(nxt.fire))
        assert answer["applied"] is True, (nxt.name, answer)
        follow.follow(deps, before, deps.tickets.get(tid))  # the stream's follow-up of the fire
        fired.append(nxt.name)
        if nxt.fire["action"] == "remind":  # delivered twice
            assert timers.fire(deps, timers.Fire.model_validate(nxt.fire))["applied"] is True
            assert nxt.name not in {t.name for t in deps.schedules.of(tid)}
    assert len(fired) == len(set(fired)) and set(fired) == wanted
    ladder = deps.config.supervision.ladder
    assert deps.tickets.get(tid).supervision_level == len(ladder)


def test_a_fire_refused_while_its_chain_goes_on_still_arms_the_next_rung(order):
    """A rung whose level the order is not at (the ladder was climbed by hand, or the overdue
    mark has not come) is refused, and the ladder is not broken: the next rung is armed."""
    deps, tid = order
    ticket = deps.tickets.get(tid)
    [first] = [t for t in plan(deps.lifecycle.policy, None, ticket).arm if ".sign." in t.name]
    walk = chains(deps.lifecycle.policy, ticket)[chain_of(first.name)]
    rung = next(t for t in walk if t.fire["action"] == "escalate")
    deps.clock.at = rung.at
    refused = timers.fire(deps, timers.Fire.model_validate(rung.fire))  # level 2 without level 1
    assert refused["applied"] is False
    nxt = following(deps.lifecycle.policy, ticket, rung.name)
    assert nxt is not None and nxt.name in deps.schedules.armed
