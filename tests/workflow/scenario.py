"""What a channel, a unit and the center do, over the API of a deployed city (SPEC §11)."""

from __future__ import annotations

from itertools import count
from typing import Any

from hotline.config.loader import city_config
from tests.workflow.conftest import Deployed

_phones = count(13900000000, 7919)


def file(d: Deployed, category: str, district: str, type: str = "complaint", **extra: Any) -> dict[str, Any]:
    body = {
        "type": type,
        "content": f"小区门口问题反映多次仍未解决，影响居民正常生活，请尽快处理（{category}）",
        "category": category,
        "citizen": {"name": "张三", "phone": str(next(_phones))},
        "location": {"district": district},
        **extra,
    }
    return d.api.file(**body)


def order(d: Deployed, category: str, district: str, **extra: Any) -> str:
    filed = file(d, category, district, **extra)
    assert filed["outcome"] == "accepted", filed
    return str(filed["tickets"][0]["ticket_id"])


def reply(d: Deployed, ticket_id: str, unit: str, expect: int = 200) -> dict[str, Any]:
    return d.act(
        ticket_id, unit, "reply", expect,
        handled_at=d.ticket(ticket_id)["updated_at"], process="到现场核查并组织处理", result="问题已解决",
        citizen_contacted=True,
    )  # fmt: skip


def rate(d: Deployed, filed: dict[str, Any], ticket_id: str, satisfaction: str = "satisfied") -> None:
    r = d.api.post(
        f"/requests/{filed['request_id']}/rating",
        {"ticket_id": ticket_id, "resolved": True, "satisfaction": satisfaction, "comment": "谢谢"},
        d.api.channel("phone"),
        query_code=filed["query_code"],
    )
    assert r.status_code == 200, r.text


def queue(d: Deployed, role: str, name: str) -> list[str]:
    """The ids on the first page of a center queue, as the role reads it (R-DESK-1)."""
    r = d.api.get(f"/queues/{name}", d.api.staff(role))
    assert r.status_code == 200, r.text
    return [t["ticket_id"] for t in r.json()["tickets"]]


def counts(d: Deployed, role: str) -> dict[str, int]:
    r = d.api.get("/queues", d.api.staff(role))
    assert r.status_code == 200, r.text
    return {q["name"]: q["count"] for q in r.json()["queues"]}


def heard(d: Deployed, role: str, ticket_id: str) -> bool:
    """The center role's topic carried a notice of the order (R-DESK-2)."""
    return any(ticket_id in m["message"] for m in d.api.outbox(f"hotline-{d.city}-center-{role}"))


def day_at_the_desk(d: Deployed, category: str, district: str, extension: dict[str, int]) -> str:
    """Issue 18: a request the machine is not sure of is filed, and the center works it from its
    queues alone — triage, (dispatch), the unit's extension request, callback — to closed; each
    queue tells its role once and lets the order go when it is decided."""
    held = file(d, category, district, content="我要告他们，这事必须有个说法，小区门口的问题一直没人管")
    tid = str(held["tickets"][0]["ticket_id"])
    assert held["tickets"][0]["status"] == "triage", held
    assert tid in queue(d, "dispatcher", "triage") and counts(d, "dispatcher")["triage"] >= 1
    assert heard(d, "dispatcher", tid)
    d.settle(tid, "AwaitDispatch")
    accepted = d.act(tid, "dispatcher", "accept", note="属本市政务服务事项，受理")
    assert tid not in queue(d, "dispatcher", "triage")
    if accepted["status"] == "pending_dispatch":  # no rule routed it: it waits in the dispatch queue
        assert tid in queue(d, "dispatcher", "dispatch")
        lead = next(u.id for u in city_config(d.city).units if u.kind == "department")
        accepted = d.act(tid, "dispatcher", "dispatch", lead_unit=lead, assist_units=[])
        assert tid not in queue(d, "dispatcher", "dispatch")
    d.settle(tid, "AwaitUnit")
    lead = accepted["lead_unit"]
    d.act(tid, lead, "sign")
    d.act(tid, lead, "request_extension", reason="需协调相关部门现场核实，时间不足", **extension)
    assert tid in queue(d, "reviewer", "extensions") and heard(d, "reviewer", tid)
    assert d.api.get("/queues/extensions", d.api.staff("callback")).status_code == 403  # not the agent's
    d.act(tid, "reviewer", "decide_extension", approve=True, reason="情况属实，同意延期")
    assert tid not in queue(d, "reviewer", "extensions")
    for part in accepted["assist_units"]:
        d.act(tid, part, "submit_assist", text="已配合主办单位现场核查")
    reply(d, tid, lead)
    d.settle(tid, "AwaitCallback")
    assert tid in queue(d, "callback", "callbacks") and heard(d, "callback", tid)
    d.act(tid, "callback", "record_callback", resolved=True, satisfaction="satisfied", comment="回访满意")
    d.settle(tid, "Done", status="SUCCEEDED")
    everywhere = counts(d, "supervisor")
    assert not any(tid in queue(d, "supervisor", name) for name, n in everywhere.items() if n)  # nowhere waits
    assert d.ticket(tid)["status"] == "closed"
    return tid


def told(d: Deployed, unit: str, ticket_id: str, kind: str) -> bool:
    """The unit's notices carried one of this kind about the order (R-DSP-13)."""
    return any(m["attributes"].get("ticket_id") == ticket_id and m["attributes"].get("kind") == kind
               for m in d.api.outbox(unit))  # fmt: skip


def inbox(d: Deployed, unit: str, role: str | None = None) -> list[str]:
    r = d.api.get(f"/units/{unit}/tickets", d.api.unit(unit), **({"role": role} if role else {}))
    assert r.status_code == 200, r.text
    return [t["ticket_id"] for t in r.json()["tickets"]]


def signed_by(d: Deployed, category: str, district: str, lead: str) -> tuple[dict[str, Any], str]:
    """An order the dispatcher makes sure `lead` has (re-routing it before it is signed), signed."""
    filed = file(d, category, district)
    tid = str(filed["tickets"][0]["ticket_id"])
    d.settle(tid, "AwaitUnit")
    if d.ticket(tid)["lead_unit"] != lead:
        d.act(tid, "dispatcher", "redispatch", lead_unit=lead, assist_units=[], reason="按属地由区里主办")
    d.act(tid, lead, "sign")
    return filed, tid


def citizen_reads(d: Deployed, filed: dict[str, Any]) -> dict[str, Any]:
    r = d.api.get(f"/requests/{filed['request_id']}", d.api.channel("phone"), query_code=filed["query_code"])
    assert r.status_code == 200, r.text
    return r.json()["tickets"][0]  # type: ignore[no-any-return]


def hand_down_to_the_street(d: Deployed, category: str, district: str, lead: str, street: str) -> str:
    """R-UNIT-2 on a deployed stack: the district hands the work to its street, which hears of it,
    finds it in its inbox, reports in public and replies; the callback closes it; the citizen reads
    both units by name and never an id."""
    filed, tid = signed_by(d, category, district, lead)
    d.act(tid, lead, "hand_down", to_unit=street, note="请街道具体办理")
    assert tid in inbox(d, street, "handling") and told(d, street, tid, "handed_down")
    d.act(tid, street, "report_progress", text="已到现场核查，正在协调物业维修", public=True)
    assert told(d, lead, tid, "progress")
    for part in d.ticket(tid)["assist_units"]:
        d.act(tid, part, "submit_assist", text="已配合街道现场处置")
    reply(d, tid, street)
    assert d.settle(tid, "AwaitCallback")[-1] == "AwaitCallback" and told(d, lead, tid, "replied")
    seen = citizen_reads(d, filed)
    names = {u.id: u.name for u in city_config(d.city).units}
    said = " ".join(line["what"] for line in seen["timeline"])
    assert f"交由{names[street]}具体办理" in said and f"{names[street]}：已到现场核查" in said
    assert lead not in str(seen) and street not in str(seen)
    rate(d, filed, tid)
    d.settle(tid, "Done", status="SUCCEEDED")
    assert tid not in inbox(d, street) and d.ticket(tid)["lead_unit"] == lead  # the lead stays answerable
    return tid


def refer_and_coordinate(d: Deployed, category: str, district: str, lead: str, above: str, helper: str) -> str:
    """R-UNIT-3 on a deployed stack: the lead refers up; the unit above hears of it, reads it,
    finds it in its inbox and coordinates (an assisting unit added); the lead hears the answer."""
    _filed, tid = signed_by(d, category, district, lead)
    other = next(u for u in d.api.info["units"] if u not in {lead, above, helper})
    assert d.api.get(f"/tickets/{tid}", d.api.unit(above)).status_code == 403  # not yet its order
    d.act(tid, lead, "refer_up", reason="涉及多个部门职责，需上级协调")
    assert told(d, above, tid, "referred") and tid in inbox(d, above, "referred")
    assert d.api.get(f"/tickets/{tid}", d.api.unit(above)).status_code == 200
    assert d.api.get(f"/tickets/{tid}", d.api.unit(other)).status_code == 403
    after = d.act(tid, above, "coordinate", assist_units=[helper], note="请相关部门协办，区里牵头办理")
    assert helper in after["assist_units"] and after["referrals"][-1]["answered_at"]
    assert told(d, lead, tid, "coordinated") and told(d, helper, tid, "coordinated")
    assert tid in inbox(d, helper, "assist") and tid not in inbox(d, above)
    assert d.settle(tid, "AwaitUnit")[-1] == "AwaitUnit"  # the order stays with the lead's phase
    return tid
