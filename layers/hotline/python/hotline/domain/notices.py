"""Which transitions tell whom (R-DSP-13, R-TMR-1/2): each action declares its notices
(`domain/actions/`, issue 16); this module reads them into one table and renders them.

Pure: given an event and the ticket it belongs to, name the units to notify and the text.
Delivery (SNS topic per unit, or a city's own SMS provider) is the notifier's business.
Texts carry what a unit head needs to act without opening the system: the unit's name, the
order's category, place and first words, the unit's part and the deadline in city time; never
the citizen's name or phone (R-SEC-1; long digit runs in the text are blanked). Only the
emergency desk hears the caller's number (R-INT-4), filled in where the contact is opened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from hotline.config.knowledge import KnowledgeEntry
from hotline.config.schema import CityConfig
from hotline.domain import queues
from hotline.domain.actions import ALL
from hotline.domain.actions.declaration import ToCenter, ToCitizen, ToUnits
from hotline.domain.actions.names import ActionName
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


@dataclass(frozen=True)
class CenterNotice:
    """A notice to a center role's topic (`center-<role>`, R-DESK-2): work that waits for the center."""

    role: str  # dispatcher | reviewer | callback | supervisor
    kind: str
    subject: str
    text: str
    ticket_id: str


EXCERPT = 60  # characters of the citizen's text a notice quotes (issue 15.5)
_LONG_NUMBER = re.compile(r"\d{7,}")  # a phone or id number written into the text stays out of notices


DEADLINE_NAMES = {
    "queue": "派单时限",
    "sign": "签收时限",
    "assist": "协办时限",
    "reply": "办结时限",
    "callback": "回访时限",
    "review": "挂账复核日期",
}


def _when(c: CityConfig, at: datetime) -> str:
    return f"{at.astimezone(ZoneInfo(c.timezone)):%Y-%m-%d %H:%M}"


def _next_deadline(t: Ticket, which: object = None) -> tuple[str, datetime] | None:
    """The deadline a notice is about: the one the event names, else the unit's next one."""
    d = t.deadlines
    if which in DEADLINE_NAMES:
        due = getattr(d, f"{which}_by")
        return (str(which), due) if due else None
    if t.signed_at is None and d.sign_by:
        return "sign", d.sign_by
    return ("reply", d.reply_by) if d.reply_by else None


def unit_name(c: CityConfig, unit_id: str | None) -> str:
    return next((u.name for u in c.units if u.id == unit_id), unit_id or "")


def place(c: CityConfig, t: Ticket) -> str:
    """Where, as staff say it: district, street and address by name."""
    loc = t.location
    district = next((d for d in c.districts if d.code == loc.district), None)
    street = next((s.name for s in district.streets if s.code == loc.street), None) if district else None
    parts = [district.name if district else loc.district, street or loc.street, loc.address]
    return "".join(p for p in parts if p) or "地点未填"


def excerpt(text: str, n: int = EXCERPT) -> str:
    clean = _LONG_NUMBER.sub("***", " ".join(text.split()))
    return clean if len(clean) <= n else clean[:n] + "…"


def summary_line(c: CityConfig, t: Ticket) -> str:
    """What the order is about in one line: category, place and the start of the citizen's words."""
    category = next((x.name for x in c.categories if x.code == t.category), "未分类")
    return f"{category}｜{place(c, t)}｜“{excerpt(t.content)}”"


# (action, outcome or deadline or None for any) -> the notice to units, as each action declares it
_TABLE: dict[tuple[str, str | None], tuple[ToUnits, ...]] = {
    (a.name.value, k): v if isinstance(v, tuple) else (v,) for a in ALL for k, v in a.units.items()
}

# Notices that name the unit's next deadline; a reminder or overdue notice names its own.
_WITH_DEADLINE = {
    "dispatched",
    "return_rejected",
    "extension_approved",
    "rehandle",
    "reminder",
    "overdue",
    "reply_returned",
}


def _part(t: Ticket, unit: str, event: Event) -> str:
    if unit in event.detail.get("left", ()):
        return "已改派"
    if unit == t.handling_unit:
        return "经办"
    if unit != t.lead_unit and unit not in t.assist_units and t.referred_to(unit):
        return "协调"
    if unit == t.lead_unit:
        return "主办"
    if unit in t.assist_units:
        return "协办"
    return "督办" if t.lead_unit else ""


def notices_for(config: CityConfig, ticket: Ticket, event: Event) -> list[Notice]:
    """Every notice names the unit, the order's summary, its part in it (lead or assisting) and
    which deadline and when (R-DSP-13); a reminder of a deadline already past is not sent: only
    the overdue notice speaks of a missed deadline (issue 15.5)."""
    variant = event.detail.get("outcome") or event.detail.get("deadline")
    entries = _TABLE.get((event.action, str(variant))) or _TABLE.get((event.action, None)) or ()
    return [n for entry in entries for n in _render(config, ticket, event, entry)]


def _render(config: CityConfig, ticket: Ticket, event: Event, entry: ToUnits) -> list[Notice]:
    kind, recipients, subject, text = entry.kind, entry.recipients, entry.subject, entry.text
    which = event.detail.get("deadline")
    if entry.ahead:
        due = _next_deadline(ticket, which)
        if due is None or due[1] <= event.at:
            return []
    fields = {
        "id": ticket.ticket_id,
        "reason": event.detail.get("reason") or "",
        "level": event.detail.get("level") or ticket.supervision_level,
        "note": event.detail.get("note") or event.detail.get("text") or "",
        "late": "、".join(unit_name(config, u) for u in event.detail.get("late_units") or []),
        "repeats": event.detail.get("repeat_reports") or ticket.repeat_reports,
        "citizens": event.detail.get("citizens") or "",
        "lead": unit_name(config, ticket.lead_unit),
        "handling": unit_name(config, ticket.handling_unit),
        "actor": unit_name(config, event.actor.id) if event.actor.role.value == "unit" else "",
        "coordinator": unit_name(config, event.actor.id),
        "desk": event.detail.get("desk") or "",
        "assist_change": (
            f"豁免{unit_name(config, event.detail.get('unit'))}的协办意见"
            if event.detail.get("waive")
            else f"移除协办单位{unit_name(config, event.detail.get('unit'))}"
        ),
    }
    deadline = ""
    if kind in _WITH_DEADLINE:
        due = _next_deadline(ticket, which)
        if due is not None:
            name, at = due
            deadline = f"{DEADLINE_NAMES[name]} {_when(config, at)}" + ("（已过）" if at <= event.at else "")
    seen: list[str] = []
    for unit in recipients(config, ticket, event):
        if unit and unit not in seen:
            seen.append(unit)
    out = []
    for unit in seen:
        part = _part(ticket, unit, event)
        head = f"【12345】{unit_name(config, unit)}：工单 {ticket.ticket_id}" + (f"（{part}）" if part else "")
        body = "。".join(filter(None, [text.format(**fields), deadline]))
        line = f"{head} {body}。{summary_line(config, ticket)}"
        out.append(Notice(unit, kind, subject.format(**fields), line, ticket.ticket_id))
    return out


# (action, deadline) -> the notice to a center role, as each action declares it
_CENTER: dict[tuple[str, str | None], ToCenter] = {(a.name.value, k): v for a in ALL for k, v in a.center.items()}


def center_notices(config: CityConfig, ticket: Ticket, event: Event) -> list[CenterNotice]:
    """What the center's own roles must hear (R-DSP-2, R-DSP-6): its queue's clock, and an
    assisting unit that holds up an order."""
    deadline = event.detail.get("deadline")
    entry = _CENTER.get((event.action, str(deadline))) if deadline else _CENTER.get((event.action, None))
    if entry is None:
        return queue_notices(config, ticket, event)
    kind, role, subject, text = entry.kind, entry.role, entry.subject, entry.text
    late = "、".join(unit_name(config, u) for u in event.detail.get("late_units") or [])
    due = _next_deadline(ticket, deadline or ("queue" if ticket.deadlines.queue_by else None))
    if event.action == "remind" and deadline != "review" and (due is None or due[1] <= event.at):
        return []  # as for units: only the overdue notice speaks of a missed deadline
    when = f"{DEADLINE_NAMES[due[0]]} {_when(config, due[1])}" if due else ""
    lead = f"主办：{unit_name(config, ticket.lead_unit)}" if ticket.lead_unit else ""
    said = {"late": late, "text": excerpt(str(event.detail.get("text") or ""), 120),
            "actor": unit_name(config, event.actor.id)}  # fmt: skip
    body = "。".join(filter(None, [text.format(**said), when, lead]))
    line = f"【12345】工单 {ticket.ticket_id} {body}。{summary_line(config, ticket)}"
    return [CenterNotice(role, kind, subject.format(id=ticket.ticket_id), line, ticket.ticket_id)]


def queue_notices(config: CityConfig, ticket: Ticket, event: Event) -> list[CenterNotice]:
    """R-DESK-2: an order that entered a queue tells the queue's role once, while it still waits
    there (an order routed in the same write never entered the dispatch queue for anyone)."""
    now_in = queues.memberships(ticket)
    out = []
    for name in event.detail.get("queues") or []:
        queue = queues.BY_NAME.get(name)
        if queue is None or not queue.listed or name not in now_in:
            continue  # the ledger is read, not worked: entering it is the reviewer's own decision
        due = f"处理时限 {_when(config, now_in[name])}" if name in {"triage", "dispatch", "callbacks"} else ""
        body = "。".join(filter(None, [f"进入“{queue.label}”队列", due]))
        line = f"【12345】工单 {ticket.ticket_id} {body}。{summary_line(config, ticket)}"
        out.append(
            CenterNotice(queue.told.value, f"queue_{name}", f"{queue.label} {ticket.ticket_id}", line, ticket.ticket_id)
        )
    return out


# (action, outcome or None) -> the SMS to the citizen, as each action declares it
_CITIZEN: dict[tuple[str, str | None], ToCitizen] = {(a.name.value, k): v for a in ALL for k, v in a.citizen.items()}


def _latest_public(t: Ticket) -> str:
    public = [p for p in t.progress if p.public]
    return f"目前进展：{excerpt(public[-1].text, 120)}。" if public else ""


def citizen_notices(config: CityConfig, ticket: Ticket, event: Event) -> list[CitizenNotice]:
    """What the citizen is told by SMS; nothing when they left no contact (R-DSP-13)."""
    entry = _CITIZEN.get((event.action, str(event.detail.get("outcome")))) or _CITIZEN.get((event.action, None))
    if entry is None or not ticket.citizen_sealed:
        return []
    if entry.per_request and not ticket.ticket_id.endswith("-1"):
        return []
    kind, text = entry.kind, entry.text
    tz = ZoneInfo(config.timezone)
    reply_by = ticket.deadlines.reply_by
    fields = {
        "id": ticket.ticket_id,
        "request_id": ticket.request_id,
        "query_code": "{query_code}",
        "answer": (ticket.answer or "")[:300],
        "reply_by": f"{reply_by.astimezone(tz):%Y-%m-%d %H:%M}" if reply_by else "",
        "result": (ticket.reply.result if ticket.reply else "")[:200],
        "ask": ASK,
        "desk": ticket.transferred_to or "",
        "guidance": (ticket.guidance or "")[:200],
        "progress": _latest_public(ticket),
    }
    return [CitizenNotice(ticket.ticket_id, ticket.request_id, kind, text.format(**fields))]


CALLER_PHONE = "{caller_phone}"  # filled in by the notifier that opens the sealed contact (R-INT-4)


def desk_notices(config: CityConfig, ticket: Ticket, event: Event) -> list[DeskNotice]:
    """Emergencies go to their desk unless the city only guides the caller there (Weixi Art.2).

    The desk must be able to act on the message alone (issue 15.3): where (district, street,
    address, coordinates), when, the request number, what was said, and the caller's number to
    call back; the transfer event records that the number was disclosed to the desk and why."""
    if event.action != ActionName.transfer or config.features.emergency_linkage == "guide" or not ticket.transferred_to:
        return []
    loc = ticket.location
    coords = f"（经纬度 {loc.lat:.6f},{loc.lon:.6f}）" if loc.lat is not None and loc.lon is not None else ""
    utility = event.detail.get("utility")
    lines = [
        f"12345 转来紧急事项 {ticket.ticket_id}（诉求编号 {ticket.request_id}）",
        f"时间：{_when(config, event.at)}",
        f"地点：{place(config, ticket)}{coords}",
        f"来电人电话：{CALLER_PHONE}（仅供紧急处置回拨）",
        f"内容：{ticket.content}",
    ]
    if utility:
        lines.append(f"已同时通知：{unit_name(config, str(utility))}")
    return [DeskNotice(ticket.transferred_to, ticket.ticket_id, "\n".join(lines))]


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
