"""What a channel, a unit and the center do, over the API of a deployed city (SPEC §11)."""

from __future__ import annotations

from itertools import count
from typing import Any

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
