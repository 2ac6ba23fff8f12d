"""Heze on its synthesized state machine: termination ends an order (Heze Art.15(5)(6))."""

from __future__ import annotations

import pytest

from tests.workflow.conftest import Deployed
from tests.workflow.scenario import order

CITY = "heze"
pytestmark = pytest.mark.xdist_group("workflow")


def test_heze_approved_termination_ends_the_order_and_archives_it(deployed: Deployed) -> None:
    """Art.15(5): the citizen withholds what handling needs; with evidence and the center's approval
    the order ends as `terminated` and its record goes to the archive."""
    tid = order(deployed, "property", "mudan")
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "hz-mudan", "sign")
    deployed.act(tid, "hz-mudan", "request_termination", reason="诉求人拒绝提供具体地址，多次联系无果，无法办理")
    deployed.settle(tid, "AwaitUnit")  # a request is a moment; only the decision ends the phase
    ended = deployed.act(tid, "reviewer", "decide_termination", approve=True, reason="证据充分，同意终止")
    assert ended["status"] == "terminated"
    path = deployed.settle(tid, "Done", status="SUCCEEDED")
    assert path[-4:] == ["AwaitUnit", "Where", "Archive", "Done"]
    assert deployed.archived(tid)["events"][-1]["action"] == "decide_termination"


def test_heze_rejected_termination_leaves_the_unit_at_work(deployed: Deployed) -> None:
    tid = order(deployed, "property", "mudan")
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "hz-mudan", "sign")
    deployed.act(tid, "hz-mudan", "request_termination", reason="诉求人诉求不合理，无法满足其要求")
    kept = deployed.act(tid, "reviewer", "decide_termination", approve=False, reason="诉求合理，应继续办理")
    assert kept["status"] == "in_progress"
    assert deployed.settle(tid, "AwaitUnit") == ["Where", "AwaitUnit"]


def test_heze_telecom_limit_counts_natural_hours(deployed: Deployed) -> None:
    """Art.20: network/telecom is served around the clock, so its limit is natural hours and the
    deadline is that many hours after dispatch, whatever nights or holidays lie between."""
    from datetime import datetime, timedelta

    tid = order(deployed, "telecom", "mudan", type="help")
    deployed.settle(tid, "AwaitUnit")
    t = deployed.ticket(tid)
    hours = t["limit"]["hours"]
    assert t["status"] == "dispatched" and hours and t["limit"].get("working_days") is None
    span = datetime.fromisoformat(t["deadlines"]["reply_by"]) - datetime.fromisoformat(t["dispatched_at"])
    assert span == timedelta(hours=hours)


def test_heze_a_day_at_the_desk_runs_from_the_queues_alone(deployed: Deployed) -> None:
    """R-DESK-1/2 (issue 18): triage → dispatch → the reviewer's extension queue (Heze) →
    the callback queue → closed, each queue telling its role and letting the order go."""
    from tests.workflow.scenario import day_at_the_desk

    day_at_the_desk(deployed, "property", "mudan", {"days": 2})
