"""Which transitions tell whom (R-DSP-13, R-TMR-1/2): one table from event to notices.

Pure: given an event and the ticket it belongs to, name the units to notify and the text.
Delivery (SNS topic per unit, or a city's own SMS provider) is the notifier's business.
Texts carry the ticket id, the unit's deadline and the reason, never citizen data (R-SEC-1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from hotline.config.knowledge import KnowledgeEntry
from hotline.config.schema import CityConfig
from hotline.domain.models import Event, Ticket
from hotline.domain.sms import ASK


@dataclass(frozen=True)
class Notice:
    unit_id: str
    kind: str  # message attribute `kind`, for subscription filter policies
    subject: str
    text: str
    ticket_id: str  # empty for a notice about no order (a knowledge entry to update)


@dataclass(frozen=True)
class DeskNotice:
    """An emergency handed to the 110/119/120/122 desk's integration (R-INT-4)."""

    desk: str
    ticket_id: str
    text: str


@dataclass(frozen=True)
class CitizenNotice:
    """An SMS to the citizen (R-DSP-13). `{query_code}` is filled in only where the contact is opened."""

    ticket_id: str
    request_id: str
    kind: str
    text: str


Recipients = Callable[[CityConfig, Ticket, Event], list[str]]


def _lead(_c: CityConfig, t: Ticket, _e: Event) -> list[str]:
    return [t.lead_unit] if t.lead_unit else []


def _lead_and_assist(c: CityConfig, t: Ticket, e: Event) -> list[str]:
    return _lead(c, t, e) + list(t.assist_units)


def _late_parts(_c: CityConfig, t: Ticket, _e: Event) -> list[str]:
    return t.missing_parts


def _late_parts_and_lead(c: CityConfig, t: Ticket, e: Event) -> list[str]:
    return _late_parts(c, t, e) + _lead(c, t, e)


def _ladder(c: CityConfig, t: Ticket, e: Event) -> list[str]:
    """R-TMR-2: the ladder names a role; the unit tree says who holds it for this order."""
    rung = str(e.detail.get("notify") or "unit_head")
    units = {u.id: u for u in c.units}
    lead = units.get(t.lead_unit or "")
    if lead is None:
        return []
    if rung == "unit_head":
        return [lead.id]
    if rung == "parent_unit":
        return [lead.parent or lead.id]
    if rung == "district_leadership":
        district = t.location.district or lead.district
        found = [u.id for u in c.units if u.kind == "district" and u.district == district]
        return found[:1] or [lead.parent or lead.id]
    return [u.id for u in c.units if u.kind == "government"][:1] or [lead.id]


def _deadline(c: CityConfig, t: Ticket, which: object = None) -> str:
    """The unit's next deadline in the city's own time, as staff read it."""
    d, tz = t.deadlines, ZoneInfo(c.timezone)
    if which == "assist" and d.assist_by:
        return f"协办时限 {d.assist_by.astimezone(tz):%Y-%m-%d %H:%M}"
    if t.signed_at is None and d.sign_by:
        return f"签收时限 {d.sign_by.astimezone(tz):%Y-%m-%d %H:%M}"
    return f"办结时限 {d.reply_by.astimezone(tz):%Y-%m-%d %H:%M}" if d.reply_by else ""


# (action, outcome or None for any) -> kind, recipients, subject, text template
_TABLE: dict[tuple[str, str | None], tuple[str, Recipients, str, str]] = {
    ("dispatch", None): ("dispatched", _lead_and_assist, "新工单 {id}", "新派工单 {id}（{category}），请按时签收。"),
    ("decide_return", "approved_redispatch"): (
        "dispatched",
        _lead_and_assist,
        "新工单 {id}",
        "退回后改派工单 {id}（{category}），请按时签收。",
    ),
    ("decide_return", "rejected_signed"): (
        "return_rejected",
        _lead,
        "退单未通过 {id}",
        "{id} 退回申请未通过：{reason}",
    ),
    ("decide_return", "rejected_unsigned"): (
        "return_rejected",
        _lead,
        "退单未通过 {id}",
        "{id} 退回申请未通过：{reason}。",
    ),
    ("decide_extension", "approved"): ("extension_approved", _lead, "延期已批准 {id}", "{id} 延期已批准。"),
    ("decide_extension", "rejected"): ("extension_rejected", _lead, "延期未批准 {id}", "{id} 延期未批准：{reason}"),
    ("decide_termination", "approved"): ("terminated", _lead, "终止已批准 {id}", "{id} 终止办理已批准。"),
    ("decide_termination", "rejected"): ("termination_rejected", _lead, "终止未批准 {id}", "{id} 终止未批准：{reason}"),
    ("record_callback", "rehandle"): ("rehandle", _lead, "重办工单 {id}", "{id} 回访不满意，经审核需重新办理。"),
    ("decide_exemption", None): ("exemption_decided", _lead, "免责申请结果 {id}", "{id} 免责申请已处理：{reason}"),
    ("remind", "assist"): (
        "reminder",
        _late_parts,
        "协办即将到期 {id}",
        "{id} 的协办意见即将到期，请尽快提交主办单位。",
    ),
    ("mark_overdue", "assist"): (
        "overdue",
        _late_parts_and_lead,
        "协办已超期 {id}",
        "{id} 的协办意见已超期未提交：{late}。",
    ),
    ("remind", None): ("reminder", _lead, "即将到期 {id}", "{id} 即将到期，请抓紧办理。"),
    ("mark_overdue", None): ("overdue", _lead, "已超期 {id}", "{id} 已超过办理时限，已列入督办。"),
    ("escalate", None): ("escalated", _ladder, "督办升级 {id}", "{id} 超期未办结，督办升级至第 {level} 级。"),
    ("supervise", None): ("supervised", _lead, "督办 {id}", "{id} 被列入第 {level} 级督办：{note}"),
    ("note_hotspot", None): (
        "hotspot",
        _lead,
        "多人反映 {id}",
        "{id}（{category}）今日同一地点已有 {citizens} 位市民反映，已列入督办，请统筹处理。",
    ),
    ("note_repeat", None): (
        "repeat_report",
        _lead,
        "市民再次反映 {id}",
        "{id} 市民再次反映未解决（第 {repeats} 次），督办级别 {level}，请加快办理。",
    ),
}


_WITH_DEADLINE = {"dispatched", "return_rejected", "extension_approved", "rehandle", "reminder"}


def notices_for(config: CityConfig, ticket: Ticket, event: Event) -> list[Notice]:
    variant = event.detail.get("outcome") or event.detail.get("deadline")
    entry = _TABLE.get((event.action, str(variant))) or _TABLE.get((event.action, None))
    if entry is None:
        return []
    kind, recipients, subject, text = entry
    fields = {
        "id": ticket.ticket_id,
        "category": next((c.name for c in config.categories if c.code == ticket.category), "未分类"),
        "reason": event.detail.get("reason") or "",
        "level": event.detail.get("level") or ticket.supervision_level,
        "note": event.detail.get("note") or "",
        "late": "、".join(event.detail.get("late_units") or []),
        "repeats": event.detail.get("repeat_reports") or ticket.repeat_reports,
        "citizens": event.detail.get("citizens") or "",
    }
    due = _deadline(config, ticket, event.detail.get("deadline")) if kind in _WITH_DEADLINE else ""
    seen: list[str] = []
    for unit in recipients(config, ticket, event):
        if unit not in seen:
            seen.append(unit)
    return [
        Notice(
            unit, kind, subject.format(**fields), " ".join(filter(None, [text.format(**fields), due])), ticket.ticket_id
        )
        for unit in seen
    ]


# (action, outcome or None) -> kind, text; only the request's first ticket speaks for a split request
_CITIZEN: dict[tuple[str, str | None], tuple[str, str]] = {
    ("accept", None): (
        "filed",
        "【12345】您的诉求已受理，编号 {request_id}，查询码 {query_code}，可凭此查询办理进度。",
    ),
    ("answer", None): ("answered", "【12345】您咨询的问题答复如下：{answer}（编号 {request_id}）"),
    ("decide_extension", "approved"): ("extended", "【12345】您的诉求 {id} 办理时限已延长至 {reply_by}。"),
    ("reply", None): ("replied", "【12345】您的诉求 {id} 已办结：{result}。" + ASK + "。"),
}


def citizen_notices(config: CityConfig, ticket: Ticket, event: Event) -> list[CitizenNotice]:
    """What the citizen is told by SMS; nothing when they left no contact (R-DSP-13)."""
    entry = _CITIZEN.get((event.action, str(event.detail.get("outcome")))) or _CITIZEN.get((event.action, None))
    if entry is None or not ticket.citizen_sealed:
        return []
    if event.action in {"accept", "answer"} and not ticket.ticket_id.endswith("-1"):
        return []
    kind, text = entry
    tz = ZoneInfo(config.timezone)
    reply_by = ticket.deadlines.reply_by
    fields = {
        "id": ticket.ticket_id,
        "request_id": ticket.request_id,
        "query_code": "{query_code}",
        "answer": (ticket.answer or "")[:300],
        "reply_by": f"{reply_by.astimezone(tz):%Y-%m-%d %H:%M}" if reply_by else "",
        "result": (ticket.reply.result if ticket.reply else "")[:200],
    }
    return [CitizenNotice(ticket.ticket_id, ticket.request_id, kind, text.format(**fields))]


def desk_notices(config: CityConfig, ticket: Ticket, event: Event) -> list[DeskNotice]:
    """Emergencies go to their desk unless the city only guides the caller there (Weixi Art.2)."""
    if event.action != "transfer" or config.features.emergency_linkage == "guide" or not ticket.transferred_to:
        return []
    text = f"12345 转来紧急事项 {ticket.ticket_id}：{ticket.content}"
    return [DeskNotice(ticket.transferred_to, ticket.ticket_id, text)]


def knowledge_notices(entries: list[KnowledgeEntry], today: date) -> list[Notice]:
    """R-KB-1, R-TMR-3: the owning unit hears of each entry past or near its `valid_until`."""
    notices = []
    for e in entries:
        when = "已过期" if e.valid_until < today else f"将于 {e.valid_until.isoformat()} 到期"
        notices.append(Notice(
            unit_id=e.unit, kind="kb_stale", subject=f"知识库条目待更新 {e.id}", ticket_id="",
            text=f"知识库条目 {e.id}（{e.question}）{when}，请核实并更新答复口径。过期条目不再用于答复市民。",
        ))  # fmt: skip
    return notices
