"""Which timers an order needs (R-TMR-1/2/4), from its state and the city's rules."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest

from hotline.config.schema import Duration
from hotline.domain.errors import IllegalTransition
from hotline.domain.models import SYSTEM
from hotline.domain.timers import timers_for
from tests.conftest import cst
from tests.unit.factories import DISPATCHER, REVIEWER, Desk


def _dispatched(city: str = "tianjin") -> Desk:
    desk = Desk(city)
    desk.file(cst(2026, 11, 2, 10), category="water")
    desk.dispatch(cst(2026, 11, 2, 10, 5))
    return desk


def _by_name(desk: Desk) -> dict[str, object]:
    return {t.name.split(".", 1)[1]: t for t in timers_for(desk.lc.policy, desk.t)}


def test_a_dispatched_order_gets_reminders_overdue_and_every_ladder_rung_for_sign_and_reply():
    """R-TMR-1/2 (Tianjin Art.24): reminders before, overdue at, then one escalation per rung."""
    desk = _dispatched()
    timers = _by_name(desk)
    v = desk.t.deadline_version
    ladder = desk.config.supervision.ladder
    for deadline in ("sign", "reply"):
        due = getattr(desk.t.deadlines, f"{deadline}_by")
        overdue = timers[f"{deadline}.v{v}.overdue"]
        assert overdue.at == due and overdue.fire["action"] == "mark_overdue"
        reminders = [t for k, t in timers.items() if k.startswith(f"{deadline}.v{v}.r")]
        assert reminders and all(desk.t.dispatched_at < r.at < due for r in reminders)
        rungs = [timers[f"{deadline}.v{v}.l{level}"] for level in range(2, len(ladder) + 1)]
        assert [r.fire["level"] for r in rungs] == list(range(2, len(ladder) + 1))
        assert rungs[0].at == desk.lc.policy.add(due, ladder[0].deadline)
        assert all(a.at < b.at for a, b in pairwise(rungs))
    assert all(len(t.name) <= 64 and t.fire["deadline_version"] == v for t in timers.values())


def test_signing_cancels_the_sign_timers_and_a_reply_cancels_the_rest():
    desk = _dispatched()
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    assert not [k for k in _by_name(desk) if k.startswith("sign.")]
    assert [k for k in _by_name(desk) if k.startswith("reply.")]
    for assist in desk.t.assist_units:
        from tests.unit.factories import unit

        desk.do("submit_assist", unit(assist), at=cst(2026, 11, 2, 12), text="已配合")
    desk.do("reply", desk.lead, at=cst(2026, 11, 3, 10), handled_at=cst(2026, 11, 3, 9).isoformat(),
            process="现场检修更换阀门", result="已恢复供水", citizen_contacted=True)  # fmt: skip
    assert timers_for(desk.lc.policy, desk.t) == []


def test_an_approved_extension_renames_every_reply_timer_to_the_new_deadline_version():
    """R-TMR-4: the old schedules are deleted by name; their late fires would be stale anyway."""
    desk = _dispatched()
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    before = set(_by_name(desk))
    desk.do("request_extension", desk.lead, at=cst(2026, 11, 3, 10), reason="需要更换主管道，工期较长")
    desk.do("decide_extension", REVIEWER, at=cst(2026, 11, 3, 11), approve=True, reason="同意延期")
    after = _by_name(desk)
    assert before.isdisjoint(after)
    assert after[f"reply.v{desk.t.deadline_version}.overdue"].at == desk.t.deadlines.reply_by


def test_a_sign_timer_firing_after_the_unit_signed_changes_nothing():
    """R-TMR-4: signing does not move the version, but a met deadline is no longer pending."""
    desk = _dispatched()
    v = desk.t.deadline_version
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    with pytest.raises(IllegalTransition, match="no longer pending"):
        desk.do("mark_overdue", SYSTEM, at=cst(2026, 11, 4, 9), deadline="sign", deadline_version=v)
    assert desk.t.overdue is False


def _replied(city: str) -> Desk:
    from tests.unit.factories import replied

    return replied(city)


def test_weixi_callback_window_gets_its_closing_timer_and_tianjin_keeps_the_order_open():
    """R-CB-2: Weixi deems silence basically satisfied at the window's end; Tianjin leaves
    unrated orders to its callback agents, so it sets no such timer."""
    weixi = _replied("weixi")
    [close] = timers_for(weixi.lc.policy, weixi.t)
    assert (close.at, close.fire["action"]) == (weixi.t.deadlines.callback_by, "auto_close")
    assert timers_for(_replied("tianjin").lc.policy, _replied("tianjin").t) == []


def test_a_closing_fire_from_a_superseded_window_changes_nothing():
    """R-TMR-4: after a rehandle and a second reply the first window's fire is stale."""
    from tests.unit.factories import CALLBACK

    desk = _replied("weixi")
    [first] = timers_for(desk.lc.policy, desk.t)
    desk.do("record_callback", CALLBACK, at=cst(2026, 11, 3, 11), resolved=False, satisfaction="unsatisfied",
            reasonable=True, comment="没有修好")  # fmt: skip
    desk.do("reply", desk.lead, at=cst(2026, 11, 4, 10), handled_at=cst(2026, 11, 4, 9).isoformat(),
            process="再次检修更换管段", result="已恢复", citizen_contacted=True)  # fmt: skip
    body = {k: v for k, v in first.fire.items() if k in {"deadline", "deadline_version"}}
    with pytest.raises(IllegalTransition, match="superseded"):
        desk.do("auto_close", SYSTEM, at=desk.t.deadlines.callback_by, **body)


def test_assisting_units_are_reminded_and_told_when_late_without_flagging_the_order():
    """R-TMR-1 names the assist part among the reminded deadlines; a late part is the assisting
    unit's, so the order is not flagged overdue and no ladder runs for it (R-DSP-6)."""
    from tests.unit.factories import unit

    desk = _dispatched()  # Tianjin water: tj-water leads, tj-shuiwu assists
    v, assist = desk.t.deadline_version, desk.t.assist_units[0]
    timers = _by_name(desk)
    assert timers[f"assist.v{v}.overdue"].at == desk.t.deadlines.assist_by
    assert [k for k in timers if k.startswith("assist.") and ".r" in k]
    assert not [k for k in timers if k.startswith("assist.") and ".l" in k]
    late = desk.do("mark_overdue", SYSTEM, at=desk.t.deadlines.assist_by, deadline="assist", deadline_version=v)
    assert late.overdue is False and desk.events[-1].detail["late_units"] == [assist]
    desk.do("submit_assist", unit(assist), at=desk.t.deadlines.assist_by, text="已配合排查管网")
    assert not [k for k in _by_name(desk) if k.startswith("assist.")]
    with pytest.raises(IllegalTransition, match="part is in"):
        desk.do("remind", SYSTEM, at=desk.t.deadlines.assist_by, deadline="assist", deadline_version=v)


def test_national_day_between_dispatch_and_deadline_moves_the_deadline_and_its_timers():
    """R-SLA-4 worked example: Wed 2026-09-30 10:00 + 3 working days → Sat 2026-10-10 10:00 (the
    National Day holiday Oct 1–7 does not count, the make-up Saturday does); the overdue mark and
    every reminder and rung follow the deadline."""
    desk = Desk("tianjin")
    desk.file(cst(2026, 9, 30, 10), category="property", district="heping")
    desk.do("dispatch", DISPATCHER, at=cst(2026, 9, 30, 10), lead_unit="tj-heping", assist_units=[])
    three_days = desk.lc.policy.add(cst(2026, 9, 30, 10), Duration(working_days=3))
    assert three_days == cst(2026, 10, 10, 10)
    reply_by = desk.t.deadlines.reply_by
    v = desk.t.deadline_version
    timers = _by_name(desk)
    assert timers[f"reply.v{v}.overdue"].at == reply_by
    assert all(not (cst(2026, 10, 1) <= t.at < cst(2026, 10, 8)) for k, t in timers.items() if k.startswith("reply"))


def test_working_day_orders_are_reminded_while_the_office_is_open_never_at_night_or_on_holidays():
    """R-TMR-1 reminders go to people at work: the sign reminder that fell on Oct 6 (National Day)
    and the reply reminder at 04:00 move to the last open moment before them."""
    desk = Desk("tianjin")
    desk.file(cst(2026, 9, 30, 10), category="property", district="heping")
    desk.do("dispatch", DISPATCHER, at=cst(2026, 9, 30, 10), lead_unit="tj-heping", assist_units=[])
    reminders = [t for t in timers_for(desk.lc.policy, desk.t) if t.fire["action"] == "remind"]
    assert reminders
    for r in reminders:
        assert desk.lc.policy.calendar.in_office_hours(r.at), r


def test_seven_by_twenty_four_orders_keep_their_reminders_on_natural_hours():
    desk = _dispatched("heze")  # water is served around the clock in Heze (Art.20)
    assert desk.lc.policy.is_always_on("water")
    reminders = [t for t in timers_for(desk.lc.policy, desk.t) if t.fire["action"] == "remind"]
    due = desk.t.deadlines.reply_by
    assert due is not None and reminders
    lead = desk.config.reminders.before[0].hours
    assert lead is not None and any(r.at == due - timedelta(hours=lead) for r in reminders)


def test_a_schedule_never_fires_before_its_deadline_though_the_scheduler_counts_whole_seconds():
    """R-TMR-4: `at()` has one-second resolution; a deadline at 09:00:00.4 fires at 09:00:01, since a
    close fired at 09:00:00 would find the window still open and nothing would fire again."""
    from hotline.adapters.schedules import at_expression

    assert at_expression(cst(2026, 12, 1, 9, 0, 0).replace(microsecond=400_000)) == "at(2026-12-01T01:00:01)"
    assert at_expression(cst(2026, 12, 1, 9, 0, 0)) == "at(2026-12-01T01:00:00)"
