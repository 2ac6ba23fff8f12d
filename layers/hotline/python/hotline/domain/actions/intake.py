"""What intake makes of a filed request (R-INT-3/4/6, R-TRI-1..6): an order, one of four answers,
or a hold for the dispatcher, who then accepts, refuses or transfers it; an answer the citizen
refuses becomes an order."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import Field

from hotline.config.schema import Desk, Refusal
from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import deadlines_moved
from hotline.domain.actions.declaration import Action, Ctx, ToCitizen, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload, Text
from hotline.domain.errors import BadInput
from hotline.domain.models import Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role


class Accept(Payload):
    note: str | None = Field(default=None, max_length=2000)
    # the KB entry nearest a consultation below the answer bar, for whoever handles it (R-KB-4)
    suggestion: dict[str, Any] | None = None


class Hold(Payload):
    """The machine's view of a request it was not sure of (R-TRI-2), for the dispatcher."""

    suggested: dict[str, Any]
    evidence: list[dict[str, Any]] = []  # noqa: RUF012 (a pydantic field: copied per instance)


class Answer(Payload):
    answer: str = Text
    kb_entry: str | None = None
    score: float | None = None


class Transfer(Payload):
    desk: Desk
    reason: str | None = Field(default=None, max_length=2000)


class Refuse(Payload):
    reason: Refusal
    guidance: str | None = Field(default=None, min_length=2, max_length=4000)  # the city's, when not given
    rule: str | None = None  # which evidence decided, for the record (R-INT-4)


class MarkDuplicate(Payload):
    duplicate_of: str = Field(min_length=4)
    guidance: str = Text


class HandOff(Payload):
    body: str = Field(min_length=2, max_length=40)
    consent: bool
    note: str | None = Field(default=None, max_length=2000)


def body_of_city(lc: Lifecycle, c: Ctx[HandOff]) -> None:
    """R-DESK-5: one of the bodies the city names, and only with the citizen's consent."""
    bodies = {b.id: b.name for b in lc.config.intake.handoffs}
    among(lc, c.payload.body, bodies, "unknown_body", "未配置这一转交机构")
    if not c.payload.consent:
        raise BadInput("no_consent", "转交须征得诉求人同意（consent: true）", "a hand-off needs the citizen's consent")


def _hand_off(lc: Lifecycle, t: Ticket, c: Ctx[HandOff]) -> dict[str, Any]:
    """Not the government's matter: handed to the body that takes it, the citizen told where."""
    body = next(b for b in lc.config.intake.handoffs if b.id == c.payload.body)
    _decider(t, c)
    t.reason, t.transferred_to = "not_government", body.name
    t.guidance = f"您的诉求已转交{body.name}办理" + (f"，联系方式：{body.contact}" if body.contact else "")
    t.deadlines.queue_by = None
    deadlines_moved(t)
    return {"body": body.id, "name": body.name, "consent": True, "article": body.article, "note": c.payload.note}


class Escalate(Payload):
    reason: str | None = Field(default=None, max_length=2000)


def by_person(t: Ticket, _payload: Payload) -> str:
    """Which row: at filing, intake's; on anything filed, the dispatcher's review of a held
    request (and the refusal of any other state names triage as where it is allowed)."""
    return "done" if t.status is S.received else "reviewed"


def _open(lc: Lifecycle, t: Ticket, now: datetime) -> None:
    """An order: by when it may go out (Weixi Art.6) and by when the dispatcher must have sent
    it if no rule does (R-DSP-2); routing clears both when it dispatches."""
    t.deadlines.dispatch_by = lc.policy.dispatch_at(now, t.type, t.category)
    t.deadlines.queue_by = lc.policy.queue_by(now, t.deadlines.dispatch_by, t.category, t.urgency)
    deadlines_moved(t)


def _decider(t: Ticket, c: Ctx[Any]) -> None:
    """R-TRI-3/6: a call-taker's or a dispatcher's decision is theirs on the record."""
    if c.actor.role is R.channel:
        t.decided_by = "call_taker"
    elif c.actor.role is R.dispatcher:
        t.decided_by = "dispatcher"


def _accept(lc: Lifecycle, t: Ticket, c: Ctx[Accept]) -> dict[str, Any] | None:
    _decider(t, c)
    _open(lc, t, c.now)
    detail: dict[str, Any] = {"note": c.payload.note} if c.payload.note else {}
    if c.payload.suggestion:
        detail["suggestion"] = c.payload.suggestion
    return {**detail, "by": t.decided_by} if t.decided_by else detail or None


def _hold(lc: Lifecycle, t: Ticket, c: Ctx[Hold]) -> dict[str, Any]:
    """R-TRI-2: in the dispatcher's triage queue, on the queue's clock."""
    t.triage = {"suggested": c.payload.suggested, "evidence": c.payload.evidence}
    t.deadlines.queue_by = lc.policy.queue_by(c.now, c.now, t.category, t.urgency)
    deadlines_moved(t)
    return {"suggested": c.payload.suggested, "evidence": c.payload.evidence}


def _answer(lc: Lifecycle, t: Ticket, c: Ctx[Answer]) -> dict[str, Any]:
    _decider(t, c)
    t.answer = c.payload.answer
    return {"kb_entry": c.payload.kb_entry, "score": c.payload.score, "by": t.decided_by or "knowledge_base"}


def _transfer(lc: Lifecycle, t: Ticket, c: Ctx[Transfer]) -> dict[str, Any]:
    """R-INT-4: the desk gets the caller's number to call back (an emergency service may); the
    event says so, and why (R-SEC-3). A utility the city names for the matter is told too."""
    _decider(t, c)
    t.reason, t.transferred_to = "emergency", c.payload.desk
    t.guidance = lc.config.guidance.emergency
    t.deadlines.queue_by = None
    linkage = lc.config.features.emergency_linkage
    detail: dict[str, Any] = {"desk": c.payload.desk, "reason": c.payload.reason, "linkage": linkage}
    if t.decided_by:
        detail["by"] = t.decided_by
    if linkage != "guide" and t.citizen_sealed:
        detail["disclosed"] = {"to": c.payload.desk, "what": "phone", "why": "紧急事项转办，供处置单位回拨（R-INT-4）"}
    utility = lc.utility_for(t.content)
    if utility is not None:
        detail["utility"], detail["utility_rule"] = utility.unit, utility.article
    return detail


# What staff call each refusal ground (R-INT-4), for messages they read
GROUND_NAMES = {
    "legal_procedure": "应通过法定途径解决",
    "secret_or_privacy": "涉及国家秘密、商业秘密或个人隐私",
    "unlawful": "违反法律法规或公序良俗",
    "not_government": "不属于政务服务事项",
}


def among(lc: Lifecycle, value: str, allowed: dict[str, str], code: str, missing: str) -> None:
    """A choice from the city's own list (code → what staff call it), or 422 naming the choices."""
    if value not in allowed:
        choices = "、".join(f"{name}（{key}）" for key, name in sorted(allowed.items())) or "无"
        raise BadInput(
            code, f"本市{missing}：“{value}”；可选：{choices}", f"{lc.config.city} allows {sorted(allowed)} only"
        )


def ground_of_city(lc: Lifecycle, c: Ctx[Refuse]) -> None:
    """Only a ground the city's regulation names may refuse a request (R-INT-4)."""
    among(
        lc,
        c.payload.reason,
        {g.reason: GROUND_NAMES[g.reason] for g in lc.config.intake.refusals},
        "unknown_reason",
        "条例没有这一不予受理情形",
    )


def _refuse(lc: Lifecycle, t: Ticket, c: Ctx[Refuse]) -> dict[str, Any]:
    _decider(t, c)
    t.reason = c.payload.reason
    t.guidance = c.payload.guidance or getattr(lc.config.guidance, c.payload.reason)
    t.deadlines.queue_by = None
    article = next((g.article for g in lc.config.intake.refusals if g.reason == c.payload.reason), None)
    detail = {"reason": c.payload.reason, "rule": c.payload.rule, "article": article}
    return {**detail, "by": t.decided_by} if t.decided_by else detail


def _duplicate(lc: Lifecycle, t: Ticket, c: Ctx[MarkDuplicate]) -> dict[str, Any]:
    t.reason, t.duplicate_of, t.guidance = "duplicate", c.payload.duplicate_of, c.payload.guidance
    return {"duplicate_of": c.payload.duplicate_of}


def _escalate(lc: Lifecycle, t: Ticket, c: Ctx[Escalate]) -> dict[str, Any]:
    """R-TRI-5: the answer did not help; the request becomes an order, live again (the answered
    version stays in the archive; the order is archived again when it ends)."""
    t.expires_at = None
    _open(lc, t, c.now)
    return {"answered_with": t.answer and t.answer[:60], "reason": c.payload.reason}


FILED = "【12345】您的诉求已受理，编号 {request_id}，查询码 {query_code}，可凭此查询办理进度。"
INTAKE = {R.system, R.channel}  # the machine, or the call-taker on a staffed channel (R-TRI-3)

ACTIONS = (
    Action(
        A.accept,
        Accept,
        (
            row({S.received}, S.pending_dispatch, INTAKE),
            row({S.triage}, S.pending_dispatch, {R.dispatcher}, "reviewed"),
        ),
        _accept,
        choose=by_person,
        citizen={None: ToCitizen("filed", FILED, True), "reviewed": ToCitizen("filed", FILED)},
        routes=True,
    ),
    Action(
        A.hold,
        Hold,
        (row({S.received}, S.triage, {R.system}),),
        _hold,
        citizen={
            None: ToCitizen(
                "held",
                "【12345】您的诉求已收到（编号 {request_id}，查询码 {query_code}），"
                "需工作人员核实后处理，结果将短信告知。",
            )
        },
    ),
    Action(
        A.answer,
        Answer,
        (row({S.received}, S.answered, INTAKE),),
        _answer,
        citizen={
            None: ToCitizen(
                "answered",
                "【12345】您咨询的问题答复如下：{answer}（编号 {request_id}）如未解决，可凭查询码要求转为工单办理。",
                True,
            )
        },
    ),
    Action(
        A.transfer,
        Transfer,
        (
            row({S.received}, S.transferred, INTAKE),
            row({S.triage}, S.transferred, {R.dispatcher}, "reviewed"),
        ),
        _transfer,
        choose=by_person,
        units={
            None: ToUnits(
                "emergency_utility",
                to.utility,
                "紧急事项 {id}",
                "市民反映的紧急情况已转 {desk} 处置，涉及贵单位设施，请立即派员到场配合",
            )
        },
        citizen={
            "reviewed": ToCitizen(
                "transferred",
                "【12345】您反映的情况（编号 {request_id}）属紧急事项，已转 {desk} 处置；如情况紧急请直接拨打 {desk}。",
            )
        },
    ),
    Action(
        A.refuse,
        Refuse,
        (
            row({S.received}, S.not_accepted, INTAKE, guards=(ground_of_city,)),
            row({S.triage}, S.not_accepted, {R.dispatcher}, "reviewed", guards=(ground_of_city,)),
        ),
        _refuse,
        choose=by_person,
        citizen={"reviewed": ToCitizen("refused", "【12345】您的诉求（编号 {request_id}）经核实不予受理：{guidance}")},
        strikes=True,
    ),
    Action(
        A.hand_off,
        HandOff,
        (row({S.triage, S.pending_dispatch}, S.transferred, {R.dispatcher}, guards=(body_of_city,)),),
        _hand_off,
        citizen={None: ToCitizen("handed_off", "【12345】您的诉求（编号 {request_id}）经您同意，{guidance}。")},
    ),
    Action(A.mark_duplicate, MarkDuplicate, (row({S.received}, S.duplicate, {R.system}),), _duplicate),
    Action(
        A.escalate_to_order,
        Escalate,
        (row({S.answered}, S.pending_dispatch, {R.citizen}),),
        _escalate,
        citizen={None: ToCitizen("filed", FILED, True)},
    ),
)
