"""Baoding on its synthesized state machine: the backlog ledger (Baoding Art.19(4)) and referral
up (Art.23)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.workflow.conftest import Deployed
from tests.workflow.scenario import order, reply

CITY = "baoding"
pytestmark = pytest.mark.xdist_group("workflow")


def test_baoding_backlog_ends_the_execution_and_the_reply_from_the_ledger_starts_the_callback(
    deployed: Deployed,
) -> None:
    """Art.19(4): an order that cannot be solved soon goes on the ledger with scope, plan and
    review date; it is off the clock until the unit replies, which opens the callback."""
    tid = order(deployed, "urban_management", "jingxiu")
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "bd-jingxiu", "sign")
    review = (date.today() + timedelta(days=90)).isoformat()
    asked = deployed.act(
        tid, "bd-jingxiu", "request_backlog", plan="纳入明年老旧小区改造计划统一实施", review_on=review
    )
    assert asked["status"] == "in_progress" and asked["pending"]["kind"] == "backlog"  # R-DESK-4
    ledger = deployed.act(tid, "reviewer", "decide_backlog", approve=True, reason="计划可行，按期复核")
    assert ledger["status"] == "backlogged" and ledger["deadlines"]["reply_by"] is None
    assert deployed.settle(tid, "OnLedger", status="SUCCEEDED")[-3:] == ["AwaitUnit", "Where", "OnLedger"]

    deployed.act(tid, "bd-chengguan", "submit_assist", text="已将该小区列入改造清单")
    reply(deployed, tid, "bd-jingxiu")
    runs = deployed.executions(tid)
    assert runs[0]["name"] == tid and runs[-1]["name"].startswith(f"{tid}-v")
    assert deployed.settle(tid, "AwaitCallback") == ["Where", "AwaitCallback"]


def test_baoding_referral_up_is_recorded_and_the_unit_keeps_the_order(deployed: Deployed) -> None:
    """Art.23: a unit that cannot solve it alone refers it up for coordination; the order stays."""
    tid = order(deployed, "urban_management", "jingxiu")
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "bd-jingxiu", "sign")
    after = deployed.act(tid, "bd-jingxiu", "refer_up", reason="涉及多个部门职责，需市政府协调")
    assert after["referrals"][-1]["to"] == "bd-gov" and after["status"] == "in_progress"
    assert deployed.settle(tid, "AwaitUnit") == ["Where", "AwaitUnit"]


def test_baoding_sign_limit_is_one_hour(deployed: Deployed) -> None:
    """Art.20: the unit signs within one hour of dispatch."""
    from datetime import datetime

    t = deployed.ticket(order(deployed, "urban_management", "jingxiu"))
    dispatched, sign_by = datetime.fromisoformat(t["dispatched_at"]), datetime.fromisoformat(t["deadlines"]["sign_by"])
    assert sign_by - dispatched == timedelta(hours=1)


def test_baoding_a_day_at_the_desk_runs_from_the_queues_alone(deployed: Deployed) -> None:
    """R-DESK-1/2 (issue 18): triage → dispatch → the reviewer's extension queue (Baoding
    Art.19(3): at most 5 working days in total) →
    the callback queue → closed, each queue telling its role and letting the order go."""
    from tests.workflow.scenario import day_at_the_desk

    day_at_the_desk(deployed, "urban_management", "jingxiu", {"days": 2})


def test_baoding_a_referral_reaches_the_city_government_which_coordinates(deployed: Deployed) -> None:
    """R-UNIT-3, Art.23: the referral reaches the unit above, which reads it and adds a department."""
    from tests.workflow.scenario import refer_and_coordinate

    refer_and_coordinate(deployed, "urban_management", "jingxiu", "bd-jingxiu", "bd-gov", "bd-zhujian")
