"""Tianjin's synthesized state machine on the emulator, through every path of an order (SPEC §3).

Each test files a real request over the API, acts as units and the center would, and checks
the order's one execution: which states it entered, where it waits, how it ended.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.workflow import scenario
from tests.workflow.conftest import Deployed, eventually
from tests.workflow.scenario import rate, reply

CITY = "tianjin"
pytestmark = pytest.mark.xdist_group("workflow")


def file(d: Deployed, category: str = "roads", district: str = "heping", **extra: Any) -> dict[str, Any]:
    return scenario.file(d, category, district, **extra)


def replied_order(d: Deployed) -> tuple[dict[str, Any], str]:
    """A power order (no assisting unit) signed and replied, its execution waiting for the callback."""
    filed = file(d, category="power")
    tid = filed["tickets"][0]["ticket_id"]
    d.settle(tid, "AwaitUnit")
    d.act(tid, "tj-power", "sign")
    reply(d, tid, "tj-power")
    d.settle(tid, "AwaitCallback")
    return filed, tid


def test_routed_order_runs_from_dispatch_through_callback_to_the_archive(deployed: Deployed) -> None:
    filed = file(deployed)
    tid = filed["tickets"][0]["ticket_id"]
    assert deployed.settle(tid, "AwaitUnit") == ["Where", "AwaitUnit"]
    deployed.act(tid, "tj-jiaotong", "sign")
    deployed.settle(tid, "AwaitUnit")  # signing is a moment inside the unit phase (DESIGN §1)
    deployed.act(tid, "tj-gongan", "submit_assist", text="已配合交警设置警示")
    reply(deployed, tid, "tj-jiaotong")
    deployed.settle(tid, "AwaitCallback")
    rate(deployed, filed, tid)
    path = deployed.settle(tid, "Done", status="SUCCEEDED")
    assert path == [
        "Where",
        "AwaitUnit",
        "Where",
        "AwaitCallback",
        "Where",
        "Archive",
        "Done",
    ]  # fmt: skip  (a resume carries the status: issue 24)
    record = deployed.archived(tid)
    assert record["ticket"]["status"] == "closed"
    assert [e["action"] for e in record["events"]] == [
        "accept", "dispatch", "sign", "submit_assist", "reply", "rate"
    ]  # fmt: skip
    assert "13" not in str(record["ticket"].get("citizen_masked", {}).get("phone", ""))[3:7]
    view = deployed.ticket(tid)
    assert view["events"][-1]["action"] == "archive" and view["expires_at"]


def test_order_no_rule_settles_waits_in_the_dispatcher_queue_until_dispatched(deployed: Deployed) -> None:
    tid = file(deployed, category="other")["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitDispatch")
    assert deployed.ticket(tid)["status"] == "pending_dispatch"
    deployed.act(tid, "dispatcher", "dispatch", lead_unit="tj-heping", assist_units=[])
    assert deployed.settle(tid, "AwaitUnit")[-3:] == ["AwaitDispatch", "Where", "AwaitUnit"]
    dispatch = deployed.ticket(tid)["events"][-1]
    assert dispatch["actor"].startswith("dispatcher") and dispatch["detail"]["lead_unit"] == "tj-heping"


def test_an_order_left_in_the_dispatcher_queue_reminds_the_dispatcher_then_goes_overdue(deployed: Deployed) -> None:
    """R-DSP-2, R-DESK-2 (issue 15.4): the queue has its own deadline; the dispatcher's topic hears
    before and at it, the order is flagged overdue, and the dispatch clears the flag."""
    from datetime import datetime, timedelta

    tid = file(deployed, category="other")["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitDispatch")
    queue_by = datetime.fromisoformat(deployed.ticket(tid)["deadlines"]["queue_by"])
    r = deployed.api.post("/_local/clock", {"to": (queue_by + timedelta(seconds=1)).isoformat()})
    assert r.status_code == 200, r.text
    heard = [m for m in deployed.api.outbox("hotline-tianjin-center-dispatcher") if tid in m["message"]]
    kinds = [m["attributes"].get("kind") for m in heard]  # an order filed before opening is also reminded then
    # R-DESK-2: told when it entered the queue, reminded before its deadline, told at it
    assert kinds[0] == "queue_dispatch" and kinds[-1] == "overdue" and set(kinds[1:-1]) == {"reminder"}, heard
    assert "派单时限" in heard[-1]["message"]
    assert deployed.ticket(tid)["overdue"] is True
    deployed.act(tid, "dispatcher", "dispatch", lead_unit="tj-heping", assist_units=[])
    deployed.settle(tid, "AwaitUnit")
    assert deployed.ticket(tid)["overdue"] is False


def test_approved_return_goes_back_to_route_and_the_rule_never_sends_it_back(deployed: Deployed) -> None:
    tid = file(deployed, category="public_transport")["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "tj-jiaotong", "request_return", reason="该线路属于滨海新区公交集团管理，不属本单位职责")
    deployed.act(tid, "reviewer", "decide_return", approve=True, reason="职责不符，退回重派")
    deployed.settle(tid, "AwaitDispatch")  # Locate found the rule's unit is the one that returned it
    ticket = deployed.ticket(tid)
    assert ticket["status"] == "pending_dispatch" and ticket["returned_by"] == ["tj-jiaotong"]
    deployed.act(tid, "dispatcher", "dispatch", lead_unit="tj-binhai", assist_units=[])
    deployed.settle(tid, "AwaitUnit")
    actions = [e["action"] for e in deployed.ticket(tid)["events"]]
    assert actions == ["accept", "dispatch", "request_return", "decide_return", "dispatch"]  # history kept
    deployed.act(tid, "tj-jiaotong", "sign", expect=403)  # the returning unit no longer acts on it


def test_approved_return_with_a_new_unit_stays_in_the_unit_phase(deployed: Deployed) -> None:
    tid = file(deployed, category="public_transport")["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "tj-jiaotong", "request_return", reason="属于区级道路管理，应由区政府办理")
    deployed.act(tid, "dispatcher", "decide_return", approve=True, reason="改派和平区", redispatch_to="tj-heping")
    assert deployed.settle(tid, "AwaitUnit") == ["Where", "AwaitUnit"]
    deployed.act(tid, "tj-heping", "sign")


def test_rejected_return_leaves_the_unit_at_work(deployed: Deployed) -> None:
    tid = file(deployed)["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "tj-jiaotong", "sign")
    deployed.act(tid, "tj-jiaotong", "request_return", reason="认为应由公安交管部门处理此事项")
    after = deployed.act(tid, "reviewer", "decide_return", approve=False, reason="道路设施属本单位职责")
    assert after["status"] == "in_progress"
    assert deployed.settle(tid, "AwaitUnit") == ["Where", "AwaitUnit"]


def test_extension_approved_moves_the_deadline_and_refused_keeps_it_without_leaving_the_phase(
    deployed: Deployed,
) -> None:
    tid = file(deployed)["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "tj-jiaotong", "sign")
    before = deployed.ticket(tid)["deadlines"]["reply_by"]
    deployed.act(tid, "tj-jiaotong", "request_extension", days=5, reason="需协调供电部门迁移线杆后施工")
    approved = deployed.act(tid, "reviewer", "decide_extension", approve=True, reason="情况属实")
    assert approved["deadlines"]["reply_by"] > before
    deployed.act(tid, "tj-jiaotong", "request_extension", days=5, reason="施工队伍尚未进场需再延期")
    refused = deployed.act(tid, "reviewer", "decide_extension", approve=False, reason="不予再次延期")
    assert refused["deadlines"]["reply_by"] == approved["deadlines"]["reply_by"]
    assert deployed.settle(tid, "AwaitUnit") == ["Where", "AwaitUnit"]


def test_lead_reply_waits_for_the_assisting_units_part(deployed: Deployed) -> None:
    tid = file(deployed)["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "tj-jiaotong", "sign")
    refused = reply(deployed, tid, "tj-jiaotong", expect=409)
    assert refused["error"]["code"] == "assist_parts_missing"
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "tj-gongan", "submit_assist", text="已安排警力现场维护秩序")
    reply(deployed, tid, "tj-jiaotong")
    deployed.settle(tid, "AwaitCallback")


def test_answered_and_refused_requests_go_straight_to_the_archive(deployed: Deployed) -> None:
    refused = deployed.api.file(
        type="complaint", content="我要起诉邻居，法院立案后请你们帮我催促法院尽快审理判决", category="other",
        citizen={"name": "李四", "phone": "13912345678"}, location={"district": "heping"},
    )  # fmt: skip
    assert refused["outcome"] == "not_accepted"
    tid = refused["tickets"][0]["ticket_id"]
    assert deployed.settle(tid, "Done", status="SUCCEEDED") == ["Where", "Archive", "Done"]
    assert deployed.archived(tid)["ticket"]["reason"] == refused["reason"]


def test_a_replayed_start_makes_no_second_execution(deployed: Deployed) -> None:
    from hotline.adapters.executions import Executions

    tid = file(deployed)["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    from hotline.dal.repository import TicketRepository

    filed = TicketRepository().get(tid)  # the filing's image, as the redelivered record carries it
    assert Executions(deployed.machine).start(filed, tid)  # the stream redelivered the filing
    assert len(deployed.executions(tid)) == 1
    deployed.settle(tid, "AwaitUnit")


def test_a_failing_step_alarms_keeps_the_ticket_and_a_restart_finishes_it(
    deployed: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    import boto3

    from hotline.adapters.archive import ArchiveBucket

    def broken(self: ArchiveBucket, key: str, body: bytes, checksum: str) -> None:
        raise RuntimeError("archive bucket unreachable")

    filed, tid = replied_order(deployed)
    monkeypatch.setattr(ArchiveBucket, "put", broken)
    rate(deployed, filed, tid)
    assert deployed.settle(tid, "Failed", status="FAILED")[-3:] == ["Archive", "Alert", "Failed"]
    alert = eventually(lambda: [m for m in deployed.api.outbox("hotline-tianjin-ops") if tid in m["message"]],
                       "the ops topic hears of the failure")  # fmt: skip
    assert "archive bucket unreachable" in alert[0]["message"]
    assert deployed.ticket(tid)["status"] == "closed"  # the ticket is intact

    monkeypatch.undo()
    restart = {
        "stateMachineArn": deployed.machine,
        "name": f"{tid}-v{deployed.ticket(tid)['version']}",
        "input": json.dumps({"ticket_id": tid}),
    }  # the runbook's restart: no status, so it begins at Locate
    boto3.client("stepfunctions").start_execution(**restart)
    deployed.settle(tid, "Done", status="SUCCEEDED")
    assert deployed.archived(tid)["ticket"]["status"] == "closed"


def test_tianjin_third_extension_is_refused(deployed: Deployed) -> None:
    """Tianjin Art.20: at most two extensions, each no longer than the original limit."""
    tid = file(deployed)["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "tj-jiaotong", "sign")
    for _ in range(2):
        deployed.act(tid, "tj-jiaotong", "request_extension", reason="需协调多个部门联合施工，时间不足")
        deployed.act(tid, "reviewer", "decide_extension", approve=True, reason="情况属实，同意延期")
    third = deployed.act(tid, "tj-jiaotong", "request_extension", 409, reason="施工仍未完成，需第三次延期")
    assert third["error"]["code"] == "extension_refused" and "Tianjin Art.20" in third["error"]["message"]
    assert deployed.ticket(tid)["extensions_used"] == 2
    deployed.settle(tid, "AwaitUnit")


def _schedules(ticket_id: str) -> set[str]:
    import boto3

    found = boto3.client("scheduler").list_schedules(GroupName="hotline-tianjin", NamePrefix=f"{ticket_id}.")
    return {s["Name"].split(".", 1)[1] for s in found["Schedules"]}


def test_an_extension_moves_every_reply_timer_on_the_scheduler_and_leaves_the_others(deployed: Deployed) -> None:
    """R-TMR-4: the approved extension bumps the deadline version; every reply schedule is
    replaced by one for the new deadline, none of the old ones remains to fire."""
    tid = file(deployed)["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    deployed.act(tid, "tj-jiaotong", "sign")
    deployed.act(tid, "tj-gongan", "submit_assist", text="已配合设置警示")
    before = _schedules(tid)
    v = deployed.ticket(tid)["deadline_version"]
    assert before and all(name.startswith(f"reply.v{v}.") for name in before)
    deployed.act(tid, "tj-jiaotong", "request_extension", reason="需协调供电部门迁移线杆后施工")
    deployed.act(tid, "reviewer", "decide_extension", approve=True, reason="情况属实")
    after = _schedules(tid)
    assert after and all(name.startswith(f"reply.v{v + 1}.") for name in after)
    assert {n.split(".", 2)[2] for n in after} == {n.split(".", 2)[2] for n in before}  # same steps, new times


def test_a_duplicate_fire_and_a_stale_fire_change_nothing(deployed: Deployed) -> None:
    """R-TMR-4: the Scheduler may deliver twice, or late after the deadline moved."""
    import json

    import boto3

    tid = file(deployed)["tickets"][0]["ticket_id"]
    deployed.settle(tid, "AwaitUnit")
    v = deployed.ticket(tid)["deadline_version"]
    fire = {"ticket_id": tid, "action": "remind", "deadline": "sign", "deadline_version": v}
    fn = boto3.client("lambda")

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        out = fn.invoke(FunctionName="hotline-tianjin-timers", Payload=json.dumps(event).encode())
        return json.loads(out["Payload"].read())  # type: ignore[no-any-return]

    assert invoke(fire)["applied"] is True
    events = deployed.ticket(tid)["events"]
    assert invoke(fire)["applied"] is True  # a reminder may be repeated; it changes no deadline
    stale = {**fire, "action": "mark_overdue", "deadline_version": v - 1}
    assert invoke(stale)["applied"] is False
    deployed.act(tid, "tj-jiaotong", "sign")
    late = {**fire, "action": "mark_overdue"}
    assert invoke(late)["applied"] is False  # the sign deadline was met
    after = deployed.ticket(tid)
    assert not after["overdue"] and len(after["events"]) == len(events) + 2  # the second reminder, the sign


def test_unsatisfied_and_reasonable_goes_back_to_the_unit_once_and_the_second_rehandle_is_refused(
    deployed: Deployed,
) -> None:
    """R-CB-3 (Tianjin Art.22): a reasonable unsatisfied rating sends the order back to the unit —
    once, with the same limit and no extension; after the second reply an unsatisfied callback can
    only record the unit's explanation, which closes and archives the order."""
    filed, tid = replied_order(deployed)
    rate(deployed, filed, tid, "unsatisfied")
    assert deployed.ticket(tid)["status"] == "replied"  # a reviewer judges it first
    back = deployed.act(tid, "reviewer", "record_callback", resolved=False, satisfaction="unsatisfied",
                        reasonable=True, comment="仍然经常停电")  # fmt: skip
    assert (back["status"], back["rehandles_used"]) == ("rehandling", 1)
    deployed.settle(tid, "AwaitUnit")
    refused = deployed.act(tid, "tj-power", "request_extension", 409, reason="需更换变压器，时间不够")
    assert refused["error"]["code"] == "extension_refused"
    reply(deployed, tid, "tj-power")
    deployed.settle(tid, "AwaitCallback")
    again = deployed.act(tid, "reviewer", "record_callback", 409, resolved=False, satisfaction="unsatisfied",
                         reasonable=True, comment="还是不满意")  # fmt: skip
    assert again["error"]["code"] == "rehandle_limit"
    deployed.act(tid, "reviewer", "record_callback", resolved=False, satisfaction="unsatisfied", reasonable=False,
                 comment="单位已说明：需列入电网改造计划")  # fmt: skip
    path = deployed.settle(tid, "Done", status="SUCCEEDED")
    assert path.count("AwaitUnit") == 2 and path.count("AwaitCallback") == 2
    record = deployed.archived(tid)["ticket"]
    assert record["status"] == "closed" and record["rehandles_used"] == 1


def _fields(hive_type: str) -> dict[str, str]:
    """The top-level fields of a Hive `struct<…>` (or the struct inside `array<…>`)."""
    inner = hive_type.removeprefix("array<").removesuffix(">") if hive_type.startswith("array<") else hive_type
    body, fields, depth, name, start = inner[len("struct<") : -1], {}, 0, "", 0
    for i, ch in enumerate(body + ","):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == ":" and depth == 0 and not name:
            name, start = body[start:i], i + 1
        elif ch == "," and depth == 0:
            fields[name], name, start = body[start:i], "", i + 1
    return fields


def test_the_athena_table_reads_the_archived_document(deployed: Deployed) -> None:
    """R-CB-5: every column of the Glue table names a field the archived record really has."""
    from infra.constructs.records import EVENT_COLUMNS, TICKET_COLUMNS

    filed, tid = replied_order(deployed)
    rate(deployed, filed, tid)
    deployed.settle(tid, "Done", status="SUCCEEDED")
    record = deployed.archived(tid)
    assert record["schema"] == 1
    for column, hive in TICKET_COLUMNS.items():
        assert column in record["ticket"], column
        value = record["ticket"][column]
        if hive.startswith("struct<") and value is not None:
            assert set(_fields(hive)) <= set(value), column
    for event in record["events"]:
        assert set(_fields(EVENT_COLUMNS)) <= set(event)


def _figures(d: Deployed, who: str, **query: str) -> dict[str, Any]:
    headers = d.api.staff(who) if who in d.api.info["staff"] else d.api.unit(who)
    r = d.api.get("/stats/kpi", headers, **query)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_a_late_exemption_is_archived_again_and_moves_the_units_rates(deployed: Deployed) -> None:
    """R-KPI-1, R-CB-4, R-CB-5: the stream keeps the unit's rates as the order moves; an exemption
    decided after the order was archived starts `<id>-v<version>`, which archives the record
    again (same key, the decision in it) and takes the rating out of the unit's figures."""
    before = _figures(deployed, "tj-power")["counts"]
    _, tid = replied_order(deployed)
    deployed.act(tid, "callback", "record_callback", resolved=False, satisfaction="unsatisfied", reasonable=False,
                 comment="单位已说明：需列入电网改造计划")  # fmt: skip
    deployed.settle(tid, "Done", status="SUCCEEDED")
    rated = _figures(deployed, "tj-power")
    assert rated["scope"] == "unit" and rated["id"] == "tj-power" and rated["name"]
    moved = {m: rated["counts"][m] - before[m] for m in before}
    assert moved == {**dict.fromkeys(before, 0), "dispatched": 1, "responded": 1, "rated": 1, "asked_resolved": 1}
    first_key = deployed.ticket(tid)["archive_key"]

    deployed.act(tid, "tj-power", "request_exemption", reason="属电网整体改造范围,已向市民说明",
                 evidence="改造计划文件")  # fmt: skip
    # the request is archived too; a decision in that second would meet 409 (the record changed) and retry
    eventually(lambda: [e["action"] for e in deployed.ticket(tid)["events"]][-2:] == ["request_exemption", "archive"],
               "the request archived")  # fmt: skip
    deployed.act(tid, "reviewer", "decide_exemption", approve=True, reason="确已尽责")
    record = eventually(lambda: (r := deployed.archived(tid))["ticket"]["exempted"] and r, "the decision archived")
    assert [e["action"] for e in record["events"]][-1] == "decide_exemption"
    assert deployed.ticket(tid)["archive_key"] == first_key
    runs = deployed.executions(tid)
    assert runs[0]["name"] == tid and all(r["name"].startswith(f"{tid}-v") for r in runs[1:]) and len(runs) >= 2
    assert deployed.settle(tid, "Done", status="SUCCEEDED") == ["Where", "Archive", "Done"]
    exempted = _figures(deployed, "tj-power")["counts"]
    assert {m: exempted[m] - before[m] for m in before} == {
        **dict.fromkeys(before, 0), "dispatched": 1, "responded": 1, "exempted": 1
    }  # fmt: skip


def test_units_read_their_own_rates_and_the_center_reads_any(deployed: Deployed) -> None:
    """R-SEC-2: a unit token reads its own figures only; the center reads the city's and any unit's."""
    assert _figures(deployed, "tj-power")["id"] == "tj-power"
    other = deployed.api.get("/stats/kpi", deployed.api.unit("tj-power"), unit_id="tj-water")
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    city = _figures(deployed, "supervisor", period="2026")
    assert city["scope"] == "city" and city["period"] == "2026"
    bad = deployed.api.get("/stats/kpi", deployed.api.staff("dispatcher"), period="2026-13")
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "bad_period"
    unknown = deployed.api.get("/stats/kpi", deployed.api.staff("dispatcher"), unit_id="tj-nobody")
    assert unknown.status_code == 404
    assert deployed.api.get("/stats/kpi", deployed.api.channel("phone")).status_code == 401


def test_a_held_request_waits_for_the_dispatcher_then_runs_as_an_order_or_goes_to_the_archive(
    deployed: Deployed,
) -> None:
    """R-TRI-2: a triage order waits in the center's phase; accepted, it is routed and the unit's
    phase begins; refused, it is archived like any refusal."""
    held = file(deployed, content="我要告他们，这事必须有个说法", category="roads")
    tid = held["tickets"][0]["ticket_id"]
    assert held["tickets"][0]["status"] == "triage"
    deployed.settle(tid, "AwaitDispatch")
    deployed.act(tid, "dispatcher", "accept", note="属道路管理投诉")
    assert deployed.settle(tid, "AwaitUnit")[-3:] == ["AwaitDispatch", "Where", "AwaitUnit"]
    other = file(deployed, content="我要告他们，你们必须给个说法", category="other")["tickets"][0]["ticket_id"]
    deployed.settle(other, "AwaitDispatch")
    deployed.act(other, "dispatcher", "refuse", reason="legal_procedure")
    assert deployed.settle(other, "Done", status="SUCCEEDED")[-3:] == ["Where", "Archive", "Done"]
    assert deployed.archived(other)["ticket"]["decided_by"] == "dispatcher"


def test_an_answer_the_citizen_escalates_starts_an_order_of_its_own(deployed: Deployed) -> None:
    """R-TRI-5: the archived answer stays; the order runs in a new execution to a unit."""
    answered = deployed.api.file(type="consultation", content="公积金怎么提取", citizen={"phone": "13911112222"})
    assert answered["outcome"] == "answered", answered
    tid = answered["tickets"][0]["ticket_id"]
    deployed.settle(tid, "Done", status="SUCCEEDED")
    r = deployed.api.post(f"/requests/{answered['request_id']}/escalate", {"reason": "没说清楚"},
                          deployed.api.channel("phone"), query_code=answered["query_code"])  # fmt: skip
    assert r.status_code == 200, r.text
    assert len(deployed.executions(tid)) == 2
    deployed.settle(tid, "AwaitDispatch")
    again = deployed.api.post(f"/requests/{answered['request_id']}/escalate", {}, deployed.api.channel("phone"),
                              query_code=answered["query_code"])  # fmt: skip
    assert again.status_code == 409


def test_tianjin_a_day_at_the_desk_runs_from_the_queues_alone(deployed: Deployed) -> None:
    """R-DESK-1/2 (issue 18): triage → dispatch → the reviewer's extension queue (Tianjin
    Art.20: an extension equal to the original limit) →
    the callback queue → closed, each queue telling its role and letting the order go."""
    from tests.workflow.scenario import day_at_the_desk

    day_at_the_desk(deployed, "roads", "heping", {"days": 5})


def test_tianjin_a_district_hands_the_work_down_to_its_street_and_stays_answerable(deployed: Deployed) -> None:
    """R-UNIT-2, Tianjin Art.6: 区人民政府可以指定……街道办事处作为经办单位具体办理诉求事项."""
    scenario.hand_down_to_the_street(deployed, "property", "heping", "tj-heping", "tj-heping-wudadao")
