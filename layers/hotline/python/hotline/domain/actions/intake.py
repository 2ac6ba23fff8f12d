"""What intake makes of a filed request (R-INT-3/4/6): an order, or one of four answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from hotline.config.schema import Desk, Refusal
from hotline.domain.actions import recipients as to
from hotline.domain.actions.declaration import Action, Ctx, ToCitizen, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Empty, Payload, Reason, Text
from hotline.domain.models import Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role


class Answer(Payload):
    answer: str = Text
    kb_entry: str | None = None


class Transfer(Payload):
    desk: Desk
    reason: str = Reason


class Refuse(Payload):
    reason: Refusal
    guidance: str = Text
    rule: str | None = None  # which rule and term decided, for the record (R-INT-4)


class MarkDuplicate(Payload):
    duplicate_of: str = Field(min_length=4)
    guidance: str = Text


def _accept(lc: Lifecycle, t: Ticket, c: Ctx[Empty]) -> dict[str, Any] | None:
    """An order: by when it may go out (Weixi Art.6) and by when the dispatcher must have sent
    it if no rule does (R-DSP-2); routing clears both when it dispatches."""
    t.deadlines.dispatch_by = lc.policy.dispatch_at(c.now, t.type, t.category)
    t.deadlines.queue_by = lc.policy.queue_by(c.now, t.deadlines.dispatch_by, t.category, t.urgency)
    return None


def _answer(lc: Lifecycle, t: Ticket, c: Ctx[Answer]) -> dict[str, Any]:
    t.answer = c.payload.answer
    return {"kb_entry": c.payload.kb_entry}


def _transfer(lc: Lifecycle, t: Ticket, c: Ctx[Transfer]) -> dict[str, Any]:
    """R-INT-4: the desk gets the caller's number to call back (an emergency service may); the
    event says so, and why (R-SEC-3). A utility the city names for the matter is told too."""
    t.reason, t.transferred_to = "emergency", c.payload.desk
    t.guidance = lc.config.guidance.emergency
    linkage = lc.config.features.emergency_linkage
    detail: dict[str, Any] = {"desk": c.payload.desk, "reason": c.payload.reason, "linkage": linkage}
    if linkage != "guide" and t.citizen_sealed:
        detail["disclosed"] = {"to": c.payload.desk, "what": "phone", "why": "紧急事项转办，供处置单位回拨（R-INT-4）"}
    utility = lc.utility_for(t.content)
    if utility is not None:
        detail["utility"], detail["utility_rule"] = utility.unit, utility.article
    return detail


def _refuse(lc: Lifecycle, t: Ticket, c: Ctx[Refuse]) -> dict[str, Any]:
    t.reason, t.guidance = c.payload.reason, c.payload.guidance
    return {"reason": c.payload.reason, "rule": c.payload.rule}


def _duplicate(lc: Lifecycle, t: Ticket, c: Ctx[MarkDuplicate]) -> dict[str, Any]:
    t.reason, t.duplicate_of, t.guidance = "duplicate", c.payload.duplicate_of, c.payload.guidance
    return {"duplicate_of": c.payload.duplicate_of}


ACTIONS = (
    Action(
        A.accept,
        Empty,
        (row({S.received}, S.pending_dispatch, {R.system}),),
        _accept,
        citizen={
            None: ToCitizen(
                "filed", "【12345】您的诉求已受理，编号 {request_id}，查询码 {query_code}，可凭此查询办理进度。", True
            )
        },
    ),
    Action(
        A.answer,
        Answer,
        (row({S.received}, S.answered, {R.system}),),
        _answer,
        citizen={None: ToCitizen("answered", "【12345】您咨询的问题答复如下：{answer}（编号 {request_id}）", True)},
    ),
    Action(
        A.transfer,
        Transfer,
        (row({S.received}, S.transferred, {R.system}),),
        _transfer,
        units={
            None: ToUnits(
                "emergency_utility",
                to.utility,
                "紧急事项 {id}",
                "市民反映的紧急情况已转 {desk} 处置，涉及贵单位设施，请立即派员到场配合",
            )
        },
    ),
    Action(A.refuse, Refuse, (row({S.received}, S.not_accepted, {R.system}),), _refuse),
    Action(A.mark_duplicate, MarkDuplicate, (row({S.received}, S.duplicate, {R.system}),), _duplicate),
)
