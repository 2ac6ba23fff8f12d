"""Hohhot on its synthesized state machine: lead and assisting units (Hohhot Art.16) and the
jurisdiction rule that a city department leads over a district (Art.19)."""

from __future__ import annotations

import pytest

from tests.workflow.conftest import Deployed
from tests.workflow.scenario import order, reply

CITY = "hohhot"
pytestmark = pytest.mark.xdist_group("workflow")


def test_hohhot_lead_replies_for_all_once_the_assisting_unit_has_submitted(deployed: Deployed) -> None:
    """Art.16 (and Art.20 for utilities): the sector authority assists, the lead replies for all."""
    tid = order(deployed, "water", "xincheng")
    deployed.settle(tid, "AwaitUnit")
    t = deployed.ticket(tid)
    assert (t["lead_unit"], t["assist_units"]) == ("hh-water", ["hh-zhujian"])
    deployed.act(tid, "hh-water", "sign")
    deployed.act(tid, "hh-zhujian", "reply", 403, handled_at=t["updated_at"], process="现场查看管网", result="已修复",
                 citizen_contacted=True)  # fmt: skip
    assert reply(deployed, tid, "hh-water", expect=409)["error"]["code"] == "assist_parts_missing"
    deployed.act(tid, "hh-zhujian", "submit_assist", text="已督促供水企业抢修管道")
    reply(deployed, tid, "hh-water")
    deployed.settle(tid, "AwaitCallback")


def test_hohhot_jurisdiction_dispute_goes_to_the_center_which_gives_it_to_the_city_department(
    deployed: Deployed,
) -> None:
    """Art.19: a matter within a department's duties is not led by a district or street; the center
    decides the dispute and re-dispatches, the order keeps its history and stays with a unit."""
    tid = order(deployed, "urban_management", "xincheng")
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "hh-xincheng", "request_return", reason="占道经营执法属市城管执法局职责，区政府不应主办")
    decided = deployed.act(tid, "dispatcher", "decide_return", approve=True, reason="按第十九条由市级部门主办",
                           redispatch_to="hh-chengguan", assist_units=["hh-xincheng"])  # fmt: skip
    assert (decided["lead_unit"], decided["assist_units"]) == ("hh-chengguan", ["hh-xincheng"])
    assert decided["returned_by"] == ["hh-xincheng"]
    assert deployed.settle(tid, "AwaitUnit") == ["Where", "AwaitUnit"]
    deployed.act(tid, "hh-chengguan", "sign")


def test_hohhot_a_day_at_the_desk_runs_from_the_queues_alone(deployed: Deployed) -> None:
    """R-DESK-1/2 (issue 18): triage → dispatch → the reviewer's extension queue (Hohhot Art.18(3)) →
    the callback queue → closed, each queue telling its role and letting the order go."""
    from tests.workflow.scenario import day_at_the_desk

    day_at_the_desk(deployed, "urban_management", "xincheng", {"days": 2})


def test_hohhot_a_district_hands_the_work_down_to_its_street_and_stays_answerable(deployed: Deployed) -> None:
    """R-UNIT-2, Art.5: 乡镇(街道)……负责辖区内接诉即办工作的具体处办."""
    from tests.workflow.scenario import hand_down_to_the_street

    hand_down_to_the_street(deployed, "property", "xincheng", "hh-xincheng", "hh-xincheng-hailaer-donglu")


def test_hohhot_a_referral_reaches_the_city_government_which_coordinates(deployed: Deployed) -> None:
    """R-UNIT-3, Art.19: 承办单位对于自身难以协调解决的诉求,可以报请市、区(旗、县)人民政府……协调解决."""
    from tests.workflow.scenario import refer_and_coordinate

    refer_and_coordinate(deployed, "urban_management", "xincheng", "hh-xincheng", "hh-gov", "hh-zhujian")


def test_hohhot_a_districts_approved_return_is_routed_to_the_city_department_by_rule(deployed: Deployed) -> None:
    """Art.19 (dispatch.department_leads_disputes): the dispatcher approves the district's return
    without naming a unit; the workflow's routing gives it to the city department."""
    tid = order(deployed, "urban_management", "xincheng")
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "hh-xincheng", "request_return", reason="占道经营执法属市城管执法局职责")
    deployed.act(tid, "dispatcher", "decide_return", approve=True, reason="职责争议，按第十九条由市级部门主办")
    deployed.settle(tid, "AwaitUnit")
    routed = deployed.ticket(tid)
    assert routed["lead_unit"] == "hh-chengguan" and "hh-xincheng" not in routed["assist_units"]
    assert "Hohhot Art.19" in routed["events"][-1]["detail"]["note"]


def test_hohhot_five_requests_on_one_street_raise_one_warning_told_to_units_and_supervisors(
    deployed: Deployed,
) -> None:
    """R-GOV-2, Art.29: the stream reader on the deployed stack raises the cluster's warning once,
    tells the units and the supervisors' topic, and links every order; the public report counts
    them without a credential (R-GOV-4)."""
    from tests.workflow.conftest import eventually
    from tests.workflow.scenario import file

    street = {"district": "huimin", "street": "tongdaojie"}
    orders = [file(deployed, "urban_management", "huimin", content=f"通道街第{i}处占道经营，行人无法通行",
                   location=street)["tickets"][0]["ticket_id"] for i in range(6)]  # fmt: skip

    def warned() -> list[dict]:
        r = deployed.api.get("/warnings", deployed.api.staff("supervisor"))
        return [w for w in r.json()["warnings"] if set(w["tickets"]) <= set(orders)] if r.status_code == 200 else []

    [warning] = eventually(warned, "a warning of the cluster")
    assert len(warning["tickets"]) == 5 and warning["article"] == "Hohhot Art.29"
    assert any(warning["warning_id"] in m["message"] for m in deployed.api.outbox("hotline-hohhot-center-supervisor"))
    assert any(m["attributes"].get("kind") == "early_warning" for m in deployed.api.outbox(warning["units"][0]))
    assert deployed.ticket(warning["tickets"][0])["links"]["warnings"] == [warning["warning_id"]]
    report = deployed.api.get("/public/report")
    assert report.status_code == 200 and report.json()["requests"] >= 6
