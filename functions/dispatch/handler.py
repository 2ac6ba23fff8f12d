"""Units and the center act on work orders (SPEC §3, §11): read, act, inbox."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.http import install_error_handlers, json_body, staff_actor
from hotline.adapters.runtime import now, services
from hotline.adapters.views import staff_view
from hotline.domain.callers import CallerRecord, reinstate
from hotline.domain.errors import BadInput, Conflict, Forbidden, NotFound
from hotline.domain.models import Actor, Role, Status, Ticket
from hotline.domain.transitions import CENTER_ACTIONS, UNIT_ACTIONS

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
app = APIGatewayRestResolver()
install_error_handlers(app)
API_ACTIONS = UNIT_ACTIONS | CENTER_ACTIONS


@app.get("/tickets/<ticket_id>")
def read(ticket_id: str) -> dict[str, Any]:
    actor, svc = staff_actor(app), services()
    ticket = svc.tickets.get(ticket_id)
    if actor.role is Role.unit and not ticket.involves(actor.id):
        raise Forbidden(None, "承办单位只能查看本单位的工单", "a unit sees only its own orders (R-SEC-2)")
    view = staff_view(ticket, svc.tickets.events(ticket_id))
    view["citizen"] = _contact(actor.role, ticket)
    if actor.role is not Role.unit:
        view["caller_id"] = ticket.citizen_key  # the center may look up or lift a suspension (R-INT-8)
    return view


def _contact(role: Role, ticket: Ticket) -> dict[str, str]:
    """Units see a confidential citizen masked; everyone else who may read the order, in full (R-SEC-1)."""
    if not ticket.citizen_sealed or (role is Role.unit and ticket.confidential):
        return dict(ticket.citizen_masked)
    contact = services().vault.open(ticket.request_id, ticket.citizen_sealed)
    return {k: v for k, v in contact.items() if k in {"name", "phone"}}


def _center(roles: set[Role]) -> Actor:
    actor = staff_actor(app)
    if actor.role not in roles:
        needs = " or ".join(sorted(r.value for r in roles))
        raise Forbidden(None, f"此操作需要以下角色：{needs}", f"this needs the {needs} role (R-SEC-2)")
    return actor


@app.get("/callers/<caller_id>")
def caller(caller_id: str) -> dict[str, Any]:
    _center({Role.dispatcher, Role.reviewer, Role.supervisor})
    record = services().callers.get(caller_id)
    if record is None:
        raise NotFound(
            None, "没有该来电人的记录（未被警告或暂停）", "no record of this caller: never warned or suspended"
        )
    return _caller_view(record)


@app.post("/callers/<caller_id>/reinstate")
def lift(caller_id: str) -> dict[str, Any]:
    """A supervisor lifts a suspension (R-INT-8: reversible), with a note for the record."""
    actor, svc = _center({Role.supervisor}), services()
    note = str(json_body(app).get("note") or "").strip()
    if len(note) < 2:
        raise BadInput("note_required", "请填写恢复受理的理由（note）", "say why the suspension is lifted (`note`)")
    record = svc.callers.get(caller_id)
    if record is None:
        raise NotFound(None, "没有该来电人的记录", "no record of this caller")
    saved = svc.callers.save(reinstate(record, actor.id, note, now()))
    logger.info("caller reinstated", extra={"by": actor.id})
    return _caller_view(saved)


def _caller_view(record: CallerRecord) -> dict[str, Any]:
    return record.model_dump(mode="json", exclude={"version"}) | {"suspended": record.suspended(now())}


@app.post("/tickets/<ticket_id>/actions")
def act(ticket_id: str) -> dict[str, Any]:
    actor, svc = staff_actor(app), services()
    body = json_body(app)
    action = body.pop("action", None)
    if action not in API_ACTIONS:
        raise BadInput(
            "unknown_action", f"未知的操作：{action!r}", f"`action` must be one of: {', '.join(sorted(API_ACTIONS))}"
        )
    ticket = svc.tickets.get(ticket_id)
    for _ in range(SYSTEM_RETRIES):
        try:
            step = svc.lifecycle.apply(ticket, action, actor, body, now())
        except BadInput as exc:
            if exc.code == "incomplete_reply":  # R-TMR-3 (Tianjin Art.24(3)): counted per unit, nothing written
                with single_metric(
                    name="IncompleteReplies", unit=MetricUnit.Count, value=1, namespace="Hotline12345"
                ) as per_unit:
                    per_unit.add_dimension(name="unit", value=actor.id)
            raise
        try:
            saved = svc.tickets.save(step)
            break
        except Conflict:
            ticket = _after_system_writes(ticket)  # a person's write in between: the 409 stands
    else:
        raise Conflict(None, "工单正在被系统更新，请稍后重试", "the system kept changing the ticket; retry")
    metrics.add_metric(name=f"Action_{action}", unit=MetricUnit.Count, value=1)
    logger.info("ticket action", extra={"ticket_id": ticket_id, "action": action, "status": saved.status})
    return staff_view(saved, svc.tickets.events(ticket_id))


SYSTEM_RETRIES = 4


def _after_system_writes(read: Ticket) -> Ticket:
    """Issue 15.15: when only the system's bookkeeping (archive, timers, counters) wrote the
    ticket since the person read it, the action is applied again to the fresh ticket, and the
    rules decide anew; a person's write in between keeps its 409 (someone changed it first)."""
    svc = services()
    fresh = svc.tickets.get(read.ticket_id)
    between = [e for e in svc.tickets.events(read.ticket_id) if e.seq > read.version]
    if any(e.actor.role is not Role.system for e in between):
        raise Conflict(
            None,
            "工单已被他人修改，请刷新后重试",
            "someone changed the ticket first; read it again and retry",
        )
    return fresh


@app.get("/units/<unit_id>/tickets")
def inbox(unit_id: str) -> dict[str, Any]:
    actor, svc = staff_actor(app), services()
    if actor.role is Role.unit and actor.id != unit_id:
        raise Forbidden(None, "承办单位只能查看本单位的工单", "a unit reads only its own inbox (R-SEC-2)")
    if unit_id not in {u.id for u in svc.config.units}:
        raise NotFound("unknown_unit", f"没有编号为 {unit_id} 的单位", f"no unit {unit_id} in {svc.config.city}")
    raw = app.current_event.get_query_string_value("status")
    try:
        status = Status(raw) if raw else None
    except ValueError:
        raise BadInput("unknown_status", f"未知的状态：{raw!r}", f"unknown status {raw!r}") from None
    cursor = app.current_event.get_query_string_value("cursor")
    tickets, nxt = svc.tickets.inbox(unit_id, status=status, cursor=cursor)
    return {"unit_id": unit_id, "tickets": [staff_view(t) for t in tickets], "next": nxt}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
