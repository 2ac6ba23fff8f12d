"""What the citizen reads of an order's history (R-UNIT-4, issue 19.5): filed, dispatched to …,
signed, progress, extended to …, replied, closed — in words, with units by name.

Pure, from the order's events. Never a staff member, an internal id, a unit's private note or a
decision's reasoning: only what was done and by which unit, and what a unit chose to report in
public. The center's bookkeeping (reminders, archive, counters) is not the citizen's story.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from hotline.config.schema import CityConfig
from hotline.domain.models import Event, Status
from hotline.domain.notices import _when as local_time

Line = Callable[[Event, Callable[[str | None], str]], str | None]


def _when(config: CityConfig, at: str | None) -> str:
    """As every notice writes a moment (`notices._when`), from the ISO text an event detail holds."""
    return local_time(config, datetime.fromisoformat(at)) if at else ""


def _lines(config: CityConfig) -> dict[str, Line]:
    def sent(e: Event, name: Callable[[str | None], str]) -> str | None:
        lead = e.detail.get("lead_unit")
        return f"已派至{name(lead)}办理" if lead else None

    def decided_return(e: Event, name: Callable[[str | None], str]) -> str | None:
        if not e.detail.get("approve"):
            return None
        return sent(e, name) or "重新派单中"

    def coordinated(e: Event, name: Callable[[str | None], str]) -> str | None:
        parts = []
        if e.detail.get("added"):
            parts.append(f"{'、'.join(name(u) for u in e.detail['added'])}协同办理")
        if e.detail.get("hand_down_to"):
            parts.append(f"交由{name(e.detail['hand_down_to'])}具体办理")
        return "经协调，" + "，".join(parts) if parts else None

    def extended(e: Event, _name: Callable[[str | None], str]) -> str | None:
        return f"办理时限延长至 {_when(config, e.detail.get('reply_by'))}" if e.detail.get("approve") else None

    def progress(e: Event, name: Callable[[str | None], str]) -> str | None:
        return f"{name(e.actor.id)}：{e.detail.get('text')}" if e.detail.get("public") else None

    def rated(e: Event, _name: Callable[[str | None], str]) -> str | None:
        if e.to_status is Status.closed:
            return "已办结"
        return "重新办理" if e.to_status is Status.rehandling else "已回访"

    return {
        "hold": lambda e, n: "诉求已收到，正在核实",
        "accept": lambda e, n: "诉求已受理",
        "escalate_to_order": lambda e, n: "诉求已转为工单办理",
        "answer": lambda e, n: "已即时解答",
        "refuse": lambda e, n: "不予受理",
        "transfer": lambda e, n: "已转紧急处置部门",
        "hand_off": lambda e, n: "已转交其他机构办理",
        "dispatch": sent,
        "redispatch": sent,
        "decide_return": decided_return,
        "sign": lambda e, n: f"{n(e.actor.id)}已签收",
        "hand_down": lambda e, n: f"交由{n(e.detail.get('to_unit'))}具体办理",
        "coordinate": coordinated,
        "report_progress": progress,
        "decide_extension": extended,
        "reply": lambda e, n: f"{n(e.actor.id)}已答复",
        "return_reply": lambda e, n: "重新办理",
        "rate": rated,
        "record_callback": rated,
        "auto_close": lambda e, n: "已办结",
        "decide_termination": lambda e, n: "已终止办理" if e.detail.get("approve") else None,
        "decide_backlog": lambda e, n: "已列入计划分步解决" if e.detail.get("approve") else None,
    }


def timeline(config: CityConfig, events: list[Event]) -> list[dict[str, Any]]:
    names = {u.id: u.name for u in config.units}
    lines = _lines(config)

    def name(unit: str | None) -> str:
        return names.get(unit or "", "承办单位")  # never an id the citizen cannot read

    out = []
    for e in events:
        line = lines.get(e.action)
        said = line(e, name) if line else None
        if said:
            out.append({"at": _when(config, e.at.isoformat()), "what": said})
    return out
