"""Staff act on work orders (SPEC §3): read one, act on it, a unit's inbox; the center's look at
a caller's record and the lifting of a suspension (R-INT-8)."""

from __future__ import annotations

from typing import Any

from hotline.app.ports import Deps
from hotline.app.strikes import count_strike
from hotline.app.views import staff_view
from hotline.domain.actions import BY_NAME
from hotline.domain.actions.names import label
from hotline.domain.callers import CallerRecord, reinstate
from hotline.domain.errors import BadInput, Conflict, Forbidden, NotFound
from hotline.domain.inbox import PART_NAMES, PARTS
from hotline.domain.models import Actor, Event, Role, Status, Ticket
from hotline.domain.routing import with_routing
from hotline.domain.transitions import CENTER_ACTIONS, UNIT_ACTIONS, allowed
from hotline.observability import count, count_for, logger

API_ACTIONS = UNIT_ACTIONS | CENTER_ACTIONS
SYSTEM_RETRIES = 4
CENTER = frozenset({Role.dispatcher, Role.reviewer, Role.supervisor})


def read(deps: Deps, actor: Actor, ticket_id: str) -> dict[str, Any]:
    ticket, events = deps.tickets.history(ticket_id)
    if actor.role is Role.unit and not ticket.sees(actor.id):  # lead, assisting, handling, referred (R-UNIT-1)
        raise Forbidden(
            None, "承办单位只能查看本单位参与办理的工单", "a unit sees only orders it has a part in (R-SEC-2)"
        )
    view = staff_view(ticket, events)
    view["citizen"] = _contact(deps, actor.role, ticket)
    if actor.role is not Role.unit:
        view["caller_id"] = ticket.citizen_key  # the center may look up or lift a suspension (R-INT-8)
    view["links"] = deps.governance.links(ticket_id)  # its warnings and topics (R-GOV-2/3)
    view["allowed_actions"] = [{"action": a, "label": label(a)} for a in allowed(ticket, actor, API_ACTIONS)]
    return view


def _contact(deps: Deps, role: Role, ticket: Ticket) -> dict[str, str]:
    """Units see a confidential citizen masked; everyone else who may read the order, in full (R-SEC-1)."""
    if not ticket.citizen_sealed or (role is Role.unit and ticket.confidential):
        return dict(ticket.citizen_masked)
    contact = deps.vault.open(ticket.request_id, ticket.citizen_sealed)
    return {k: v for k, v in contact.items() if k in {"name", "phone"}}


def act(deps: Deps, actor: Actor, ticket_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """Apply `body["action"]` for `actor`; a write by the system in between is not a conflict."""
    action = body.pop("action", None)
    if action not in API_ACTIONS:
        raise BadInput(
            "unknown_action", f"未知的操作：{action!r}", f"`action` must be one of: {', '.join(sorted(API_ACTIONS))}"
        )
    ticket, events = deps.tickets.history(ticket_id)  # one read: the answer shows the history (issue 24)
    for _ in range(SYSTEM_RETRIES):
        at = deps.now()
        try:
            step = deps.lifecycle.apply(ticket, action, actor, body, at)
        except BadInput as exc:
            if exc.code == "incomplete_reply":  # R-TMR-3 (Tianjin Art.24(3)): counted per unit, nothing written
                count_for("IncompleteReplies", "unit", actor.id)
            raise
        declaration = BY_NAME[action]
        steps = with_routing(deps.lifecycle, step, at) if declaration.routes else [step]
        try:
            saved = deps.tickets.save_all(steps)[-1]
            break
        except Conflict:
            ticket, events = _after_system_writes(deps, ticket)  # a person's write in between: the 409 stands
    else:
        raise Conflict(None, "工单正在被系统更新，请稍后重试", "the system kept changing the ticket; retry")
    count(f"Action_{action}")
    logger.info("ticket action", extra={"ticket_id": ticket_id, "action": action, "status": saved.status})
    if declaration.strikes and saved.citizen_key and deps.config.features.caller_suspension:
        count_strike(deps, [saved.citizen_key], at)
    return staff_view(saved, [*events, *(s.event for s in steps)])


def _after_system_writes(deps: Deps, read: Ticket) -> tuple[Ticket, list[Event]]:
    """Issue 15.15: when only the system's bookkeeping (archive, timers, counters) wrote the
    ticket since the person read it, the action is applied again to the fresh ticket, and the
    rules decide anew; a person's write in between keeps its 409 (someone changed it first)."""
    fresh, events = deps.tickets.history(read.ticket_id)
    between = [e for e in events if e.seq > read.version]
    if any(e.actor.role is not Role.system for e in between):
        raise Conflict(
            None,
            "工单已被他人修改，请刷新后重试",
            "someone changed the ticket first; read it again and retry",
        )
    return fresh, events


def inbox(
    deps: Deps, actor: Actor, unit_id: str, status: str | None, cursor: str | None, part: str | None = None
) -> dict[str, Any]:
    """`GET /units/{unit}/tickets?role=&status=`: every open order the unit has a part in, or the
    orders of one part, its own deadline first (R-UNIT-1)."""
    if actor.role is Role.unit and actor.id != unit_id:
        raise Forbidden(None, "承办单位只能查看本单位的工单", "a unit reads only its own inbox (R-SEC-2)")
    if unit_id not in {u.id for u in deps.config.units}:
        raise NotFound("unknown_unit", f"没有编号为 {unit_id} 的单位", f"no unit {unit_id} in {deps.config.city}")
    try:
        wanted = Status(status) if status else None
    except ValueError:
        raise BadInput("unknown_status", f"未知的状态：{status!r}", f"unknown status {status!r}") from None
    if part is not None and part not in PARTS:
        names = "、".join(f"{p}（{PART_NAMES[p]}）" for p in PARTS)
        raise BadInput("unknown_role", f"未知的办理角色：{part!r}（可选：{names}）", f"role must be one of {PARTS}")
    rows, nxt = deps.tickets.inbox(unit_id, part=part, status=wanted, cursor=cursor)
    return {"unit_id": unit_id, "role": part, "tickets": rows, "next": nxt}


def require_role(actor: Actor, roles: frozenset[Role]) -> Actor:
    if actor.role not in roles:
        needs = " or ".join(sorted(r.value for r in roles))
        raise Forbidden(None, f"此操作需要以下角色：{needs}", f"this needs the {needs} role (R-SEC-2)")
    return actor


def caller(deps: Deps, actor: Actor, caller_id: str) -> dict[str, Any]:
    require_role(actor, CENTER)
    record = deps.callers.get(caller_id)
    if record is None:
        raise NotFound(
            None, "没有该来电人的记录（未被警告或暂停）", "no record of this caller: never warned or suspended"
        )
    return _caller_view(deps, record)


def lift(deps: Deps, actor: Actor, caller_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """A supervisor lifts a suspension (R-INT-8: reversible), with a note for the record."""
    require_role(actor, frozenset({Role.supervisor}))
    note = str(body.get("note") or "").strip()
    if len(note) < 2:
        raise BadInput("note_required", "请填写恢复受理的理由（note）", "say why the suspension is lifted (`note`)")
    record = deps.callers.get(caller_id)
    if record is None:
        raise NotFound(None, "没有该来电人的记录", "no record of this caller")
    saved = deps.callers.save(reinstate(record, actor.id, note, deps.now()))
    logger.info("caller reinstated", extra={"by": actor.id})
    return _caller_view(deps, saved)


def _caller_view(deps: Deps, record: CallerRecord) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude={"version"}) | {"suspended": record.suspended(deps.now())}
