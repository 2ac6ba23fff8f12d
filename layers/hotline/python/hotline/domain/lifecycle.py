"""Applying an action to a ticket: parse → table rule → guards → effect → one event (R-SEC-3).

Pure and deterministic: the caller passes the time and persists the result (ticket + event in
one transaction). Guards implement the city's rules the table names; effects set what the
transition changes. Nothing here decides *whether* a status may change; the table does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError
from pydantic_core import to_json

from hotline.config.schema import CityConfig, Duration, UtilityAlert
from hotline.domain import payloads as p
from hotline.domain import records
from hotline.domain.errors import BadInput, IllegalTransition, RuleViolation
from hotline.domain.models import (
    Actor,
    Event,
    Extension,
    Pending,
    Rating,
    Reply,
    Satisfaction,
    Status,
    Ticket,
)
from hotline.domain.sla import SlaPolicy
from hotline.domain.transitions import Rule, authorize, find_rule

# An archived record stays live this long: beyond the 90-day duplicate window (R-INT-4), the
# callback and exemption windows (R-CB-4), so nothing the live system reads has gone.
LIVE_AFTER_ARCHIVE = timedelta(days=180)
PENDING_NAMES = {"return": "退单", "extension": "延期", "termination": "终止办理", "exemption": "免责"}
FEATURE_NAMES = {"termination": "终止办理", "backlog": "挂账", "kpi_exemption": "考核免责"}
WAIVED = "（中心已豁免）"  # an assisting unit's part the center waived (R-DSP-6)


@dataclass
class Step:
    """What one action does to one ticket; the repository writes both or neither."""

    before: Ticket
    after: Ticket
    event: Event


@dataclass
class _Ctx:
    ticket: Ticket
    payload: Any
    actor: Actor
    now: datetime
    scratch: dict[str, Any] = field(default_factory=dict)


def parse_payload(action: str, body: dict[str, Any]) -> p.Payload:
    """Strict, as JSON reads (R-INT-9): `"3"` is not a number and `"yes"` not a boolean; dates
    and enum values come as their JSON strings."""
    model = p.PAYLOADS.get(action)
    if model is None:
        known = ", ".join(sorted(p.PAYLOADS))
        raise BadInput("unknown_action", f"未知的操作 {action!r}", f"unknown action {action!r}; known: {known}")
    try:
        return model.model_validate_json(to_json(body), strict=True)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(x) for x in e['loc']) or action}: {e['msg']}" for e in exc.errors())
        fields = "、".join(sorted({str(e["loc"][0]) for e in exc.errors() if e["loc"]})) or action
        raise BadInput(None, f"“{action}”的内容不完整或格式不对：{fields}", f"{action}: {problems}") from None


class Lifecycle:
    def __init__(self, config: CityConfig, policy: SlaPolicy | None = None) -> None:
        self.config = config
        self.policy = policy or SlaPolicy(config)
        self._units = {u.id for u in config.units}
        self._names = {u.id: u.name for u in config.units}

    def utility_for(self, text: str) -> UtilityAlert | None:
        """The public utility the city names for an emergency of this kind (a gas leak → the gas company)."""
        return next((u for u in self.config.intake.utilities if any(term in text for term in u.terms)), None)

    def unit_name(self, unit_id: str) -> str:
        """What staff call a unit (the tree's name), never a bare id in a message (R-DSP-13)."""
        return self._names.get(unit_id, unit_id)

    def apply(self, ticket: Ticket, action: str, actor: Actor, body: dict[str, Any], now: datetime) -> Step:
        if now.tzinfo is None:
            raise ValueError("now must carry an offset")
        authorize(ticket, action, actor)  # 403 before any word about state or payload (issue 15.11)
        payload = parse_payload(action, body)
        outcome = self._outcome(action, ticket, payload)
        rule = find_rule(ticket, action, outcome, actor)
        ctx = _Ctx(ticket, payload, actor, now)
        for guard in rule.guards:
            _GUARDS[guard](self, ctx)
        after = ticket.model_copy(deep=True)
        detail = _EFFECTS.get(action, _no_effect)(self, after, ctx) or {}
        after.status = rule.to or ticket.status
        after.updated_at = now
        after.version = ticket.version + 1
        event = Event(
            ticket_id=ticket.ticket_id,
            seq=after.version,
            at=now,
            actor=actor,
            action=action,
            from_status=ticket.status,
            to_status=after.status,
            detail={"outcome": outcome, **detail} if outcome != "done" else detail,
        )
        return Step(ticket, after, event)

    # -- outcomes: which row of the table an action's decision selects --------------------------
    def _outcome(self, action: str, t: Ticket, payload: Any) -> str:
        if action == "decide_return":
            if payload.approve:
                return "approved_redispatch" if payload.redispatch_to else "approved"
            return "rejected_signed" if t.signed_at else "rejected_unsigned"
        if action in {"decide_extension", "decide_termination", "decide_exemption"}:
            return "approved" if payload.approve else "rejected"
        if action == "rate":
            return "needs_review" if payload.satisfaction is Satisfaction.unsatisfied else "settled"
        if action == "record_callback":
            if payload.satisfaction is not Satisfaction.unsatisfied:
                return "settled"
            if payload.reasonable is None:
                raise BadInput(
                    "reasonable_required",
                    "不满意的回访须填写诉求是否合理（reasonable）：合理则退回重办，不合理则记录解释后办结",
                    "an unsatisfied callback needs `reasonable`: true sends the order back "
                    "for rehandling, false records the unit's explanation and closes it",
                )
            return "rehandle" if payload.reasonable else "explained"
        return "done"

    # -- helpers used by effects -----------------------------------------------------------
    def dispatch_to(self, t: Ticket, lead: str, assist: list[str], now: datetime) -> dict[str, Any]:
        t.lead_unit, t.assist_units = lead, [u for u in assist if u != lead]
        t.assist_parts, t.waived_parts, t.signed_at, t.signed_in_time, t.pending = {}, {}, None, None, None
        t.dispatched_at, t.deadlines.dispatch_by, t.deadlines.queue_by = now, None, None
        t.overdue = False  # a late dispatch was the center's; the unit's clock starts now (R-DSP-2)
        t.limit = self.policy.limit_for(t.type, t.urgency, t.category, t.legal_limit)
        d = self.policy.deadlines(now, t.limit, t.category)
        t.deadlines.sign_by, t.deadlines.return_by = d.sign_by, d.return_by
        t.deadlines.reply_by = d.reply_by
        t.deadlines.assist_by = d.assist_by if t.assist_units else None
        t.deadline_version += 1
        return {"lead_unit": lead, "assist_units": t.assist_units, "reply_by": d.reply_by.isoformat()}


# -- guards --------------------------------------------------------------------------------------
Guard = Callable[[Lifecycle, _Ctx], None]


def _units_known(lc: Lifecycle, c: _Ctx) -> None:
    pl = c.payload
    lead = pl.redispatch_to if isinstance(pl, p.DecideReturn) else pl.lead_unit
    unknown = [u for u in [lead, *pl.assist_units] if u not in lc._units]
    if unknown:
        raise BadInput("unknown_unit", f"未知的单位：{'、'.join(unknown)}", f"unknown unit(s): {', '.join(unknown)}")


def _within_return_window(lc: Lifecycle, c: _Ctx) -> None:
    t, window = c.ticket, lc.config.return_window
    if t.deadlines.return_by is None:
        return  # the window opens at signing (Weixi Art.7) and the order is not signed yet
    latest = t.deadlines.return_by
    if c.payload.complex and t.dispatched_at is not None:
        latest = lc.policy.latest_return(t.dispatched_at, latest, t.category)
    if c.now > latest:
        raise RuleViolation(
            "return_window_closed",
            f"退单时限已于 {lc.policy.calendar.local(latest):%Y-%m-%d %H:%M} 截止（{window.article}），请继续办理",
            f"the return window closed at {latest.isoformat()} ({window.article}); handle the order",
        )


def _nothing_pending(lc: Lifecycle, c: _Ctx) -> None:
    if c.ticket.pending is not None:
        kind = c.ticket.pending.kind
        raise IllegalTransition(
            "decision_pending",
            f"该工单的{PENDING_NAMES[kind]}申请正在等待中心审核，审核前不能提出其他申请",
            f"a {kind} request is awaiting the center's decision",
        )


def _before_reply_deadline(lc: Lifecycle, c: _Ctx) -> None:
    reply_by = c.ticket.deadlines.reply_by
    if reply_by is not None and c.now >= reply_by:
        raise RuleViolation(
            "too_late",
            f"延期须在办理时限 {lc.policy.calendar.local(reply_by):%Y-%m-%d %H:%M} 前申请（R-DSP-7）",
            f"an extension must be asked before the deadline {reply_by.isoformat()} (R-DSP-7)",
        )


def _extension_allowed(lc: Lifecycle, c: _Ctx) -> None:
    t = c.ticket
    rule = lc.policy.extension_rule(t.type, t.urgency, t.category)
    assert t.limit is not None
    c.scratch["grant"] = lc.policy.grant_extension(
        rule,
        t.limit,
        [e.duration for e in t.extensions],
        c.payload.duration,
        rehandling=t.status is Status.rehandling,
    )


def _pending(kind: str) -> Guard:
    def guard(lc: Lifecycle, c: _Ctx) -> None:
        if c.ticket.pending is None or c.ticket.pending.kind != kind:
            raise IllegalTransition(
                "nothing_to_decide",
                f"没有待审核的{PENDING_NAMES[kind]}申请",
                f"no {kind} request is awaiting a decision",
            )

    return guard


def _assist_part_open(lc: Lifecycle, c: _Ctx) -> None:
    if c.actor.id in c.ticket.assist_parts:
        raise IllegalTransition("already_submitted", "本单位的协办意见已提交", "this unit's part is already submitted")


def _assist_parts_in(lc: Lifecycle, c: _Ctx) -> None:
    missing = c.ticket.missing_parts
    if missing:
        raise RuleViolation(
            "assist_parts_missing",
            f"主办单位须汇总协办意见后答复，尚缺：{'、'.join(lc.unit_name(u) for u in missing)}"
            "（逾期未交的，可请中心豁免或移除协办单位，R-DSP-6）",
            f"the lead replies for all: waiting for the part of {', '.join(missing)} (R-DSP-6)",
        )


def _reply_complete(lc: Lifecycle, c: _Ctx) -> None:
    pl, t = c.payload, c.ticket
    if pl.handled_at > c.now:
        raise BadInput("incomplete_reply", "办理时间不能晚于现在", "handled_at lies in the future")
    if t.dispatched_at and pl.handled_at < t.dispatched_at:
        raise BadInput(
            "incomplete_reply", "办理时间不能早于派单时间", "handled_at lies before the order was dispatched"
        )
    if not pl.citizen_contacted and not pl.no_contact_reason:
        raise BadInput(
            "incomplete_reply",
            "请说明如何答复诉求人：已联系（citizen_contacted），或诉求人未留有效联系方式的原因（no_contact_reason）",
            "say how the citizen was answered: citizen_contacted, or no_contact_reason "
            "when the citizen left no valid contact (R-DSP-8)",
        )


def _feature(name: str) -> Guard:
    def guard(lc: Lifecycle, c: _Ctx) -> None:
        if getattr(lc.config.features, name) is None:
            raise RuleViolation(
                "not_in_city_rules",
                f"{lc.config.name}的条例没有{FEATURE_NAMES.get(name, name)}的规定",
                f"{lc.config.name}'s regulation has no {name.replace('_', ' ')}",
            )

    return guard


def _rehandle_within_limit(lc: Lifecycle, c: _Ctx) -> None:
    cb = lc.config.callback
    if cb.rehandle_limit is not None and c.ticket.rehandles_used >= cb.rehandle_limit:
        raise RuleViolation(
            "rehandle_limit",
            f"每件工单最多重办 {cb.rehandle_limit} 次（{cb.article}），请记录承办单位的解释（reasonable: false）",
            f"an order is rehandled at most {cb.rehandle_limit} time(s) ({cb.article}); "
            "record the unit's explanation instead (reasonable: false)",
        )


def _silence_counts(lc: Lifecycle, c: _Ctx) -> None:
    cb = lc.config.callback
    if cb.no_rating != "deemed_basically_satisfied":
        raise RuleViolation(
            "keeps_open",
            f"{lc.config.name}未评价的工单由回访员继续回访",
            f"{lc.config.name} keeps unrated orders open for callback agents",
        )
    if c.ticket.rated_since_reply:  # R-DESK-6: only silence is deemed; a recorded rating never is
        raise RuleViolation(
            "already_rated",
            "诉求人已作出评价，不能视为基本满意",
            "the citizen rated the order; only silence is deemed basically satisfied (R-CB-2, R-DESK-6)",
        )
    due = c.ticket.deadlines.callback_by
    if due is None or c.now < due:
        raise RuleViolation("window_open", "回访期限未到", "the callback window is still open")


def _rated_unsatisfied(lc: Lifecycle, c: _Ctx) -> None:
    r = c.ticket.rating
    if r is None or r.satisfaction is not Satisfaction.unsatisfied:
        raise RuleViolation(
            "not_unsatisfied",
            "只有不满意评价可以申请免责（R-CB-4）",
            "only an unsatisfied rating can be exempted (R-CB-4)",
        )


def _assisting_unit(lc: Lifecycle, c: _Ctx) -> None:
    unit = c.payload.unit
    if unit not in c.ticket.assist_units:
        raise BadInput(
            "not_assisting",
            f"{lc.unit_name(unit)}不是该工单的协办单位",
            f"{unit} is not an assisting unit of this order",
        )
    if c.payload.waive and unit in c.ticket.assist_parts:
        raise IllegalTransition(
            "already_submitted", f"{lc.unit_name(unit)}的协办意见已提交，无需豁免", f"{unit}'s part is already in"
        )


_GUARDS: dict[str, Guard] = {
    "units_known": _units_known,
    "within_return_window": _within_return_window,
    "nothing_pending": _nothing_pending,
    "before_reply_deadline": _before_reply_deadline,
    "extension_allowed": _extension_allowed,
    "pending_extension": _pending("extension"),
    "pending_termination": _pending("termination"),
    "pending_exemption": _pending("exemption"),
    "assist_part_open": _assist_part_open,
    "assist_parts_in": _assist_parts_in,
    "reply_complete": _reply_complete,
    "termination_enabled": _feature("termination"),
    "backlog_enabled": _feature("backlog"),
    "exemption_enabled": _feature("kpi_exemption"),
    "rehandle_within_limit": _rehandle_within_limit,
    "silence_counts_as_rating": _silence_counts,
    "rated_unsatisfied": _rated_unsatisfied,
    "assisting_unit": _assisting_unit,
}


# -- effects -------------------------------------------------------------------------------------
Effect = Callable[[Lifecycle, Ticket, _Ctx], "dict[str, Any] | None"]


def _no_effect(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any] | None:
    return c.payload.model_dump(mode="json", exclude_none=True) or None


def _accept(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any] | None:
    """An order: by when it may go out (Weixi Art.6) and by when the dispatcher must have sent
    it if no rule does (R-DSP-2); routing clears both when it dispatches."""
    t.deadlines.dispatch_by = lc.policy.dispatch_at(c.now, t.type, t.category)
    t.deadlines.queue_by = lc.policy.queue_by(c.now, t.deadlines.dispatch_by, t.category, t.urgency)
    return None


def _answer(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.answer = c.payload.answer
    return {"kb_entry": c.payload.kb_entry}


def _transfer(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
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


def _refuse(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.reason, t.guidance = c.payload.reason, c.payload.guidance
    return {"reason": c.payload.reason, "rule": c.payload.rule}


def _duplicate(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.reason, t.duplicate_of, t.guidance = "duplicate", c.payload.duplicate_of, c.payload.guidance
    return {"duplicate_of": c.payload.duplicate_of}


def _dispatch(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    detail = lc.dispatch_to(t, c.payload.lead_unit, c.payload.assist_units, c.now)
    return {**detail, "note": c.payload.note} if c.payload.note else detail


def _sign(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.signed_at = c.now
    late = bool(c.ticket.deadlines.sign_by and c.now > c.ticket.deadlines.sign_by)
    t.signed_in_time = not late
    return_by = lc.policy.return_by_after_sign(c.now, t.category)
    if return_by is not None:
        t.deadlines.return_by = return_by
        t.deadline_version += 1
    t.deadlines.sign_by = None
    return {"late": late}


def _request(kind: str) -> Effect:
    def effect(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
        detail = c.payload.model_dump(mode="json", exclude={"reason"}, exclude_none=True)
        if "grant" in c.scratch:
            detail["granted_if_approved"] = c.scratch["grant"].model_dump(exclude_none=True)
        t.pending = Pending(kind=kind, by=c.actor.id, at=c.now, reason=c.payload.reason, detail=detail)
        return {"reason": c.payload.reason, **detail}

    return effect


def _decide_return(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    pl, before = c.payload, t.lead_unit
    t.pending = None
    detail: dict[str, Any] = {"approve": pl.approve, "reason": pl.reason, "returned_by": before}
    if pl.approve and pl.redispatch_to:
        detail.update(lc.dispatch_to(t, pl.redispatch_to, pl.assist_units, c.now))
    if pl.approve and before:
        t.returned_by.append(before)
    if pl.approve and not pl.redispatch_to:
        t.lead_unit, t.assist_units, t.assist_parts = None, [], {}
        t.signed_at = t.signed_in_time = None
        # back in the dispatcher's queue: dispatch at once, within the city's queue limit (R-DSP-2)
        t.deadlines = type(t.deadlines)(
            dispatch_by=c.now, queue_by=lc.policy.queue_by(c.now, c.now, t.category, t.urgency)
        )
        t.overdue = False
        t.deadline_version += 1  # the old unit's timers are void
    return detail


def _decide_extension(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    assert t.pending is not None
    detail: dict[str, Any] = {"approve": c.payload.approve, "reason": c.payload.reason}
    if c.payload.approve:
        grant = Duration.model_validate(t.pending.detail["granted_if_approved"])
        assert t.deadlines.reply_by is not None
        new_by = lc.policy.add(t.deadlines.reply_by, grant, lc.policy.is_always_on(t.category))
        t.extensions.append(Extension(duration=grant, reason=t.pending.reason, granted_at=c.now, new_reply_by=new_by))
        t.deadlines.reply_by = new_by
        t.overdue = False
        t.deadline_version += 1
        detail.update(extension=str(grant), reply_by=new_by.isoformat())
    t.pending = None
    return detail


def _submit_assist(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.assist_parts[c.actor.id] = c.payload.text
    t.waived_parts.pop(c.actor.id, None)  # a part that comes in after all is the part
    return {"unit": c.actor.id}


def _decide_assist(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    """R-DSP-6: an assisting unit that does not deliver cannot hold the order forever. The center
    waives its part (the unit stays on the order and may still submit) or removes the unit."""
    pl = c.payload
    if pl.waive:
        t.waived_parts[pl.unit] = pl.reason
    else:
        t.assist_units = [u for u in t.assist_units if u != pl.unit]
        t.assist_parts.pop(pl.unit, None)
        t.waived_parts.pop(pl.unit, None)
    if not t.missing_parts and t.deadlines.assist_by is not None:
        t.deadlines.assist_by = None
        t.deadline_version += 1  # the assist timers are void (R-TMR-4)
    return {"unit": pl.unit, "waive": pl.waive, "reason": pl.reason, "removed": not pl.waive}


def _reply(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    pl = c.payload
    t.reply = Reply(
        handled_at=pl.handled_at,
        process=pl.process,
        result=pl.result,
        citizen_contacted=pl.citizen_contacted,
        at=c.now,
        by=c.actor.id,
    )
    late = bool(t.deadlines.reply_by and c.now > t.deadlines.reply_by)
    t.deadlines.reply_by = t.deadlines.assist_by = t.deadlines.return_by = None
    t.deadlines.callback_by = lc.policy.add(c.now, lc.config.callback.window)
    t.deadline_version += 1
    return {"late": late, "citizen_contacted": pl.citizen_contacted}


def _decide_termination(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.pending = None
    if c.payload.approve:
        t.deadlines = type(t.deadlines)()
        t.deadline_version += 1
    return {"approve": c.payload.approve, "reason": c.payload.reason}


def _backlog(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.backlog = c.payload.model_dump(mode="json") | {"since": c.now.isoformat()}
    t.deadlines.reply_by = None  # the ledger's review date governs now (Baoding Art.19(4))
    t.deadline_version += 1
    return t.backlog


def _refer_up(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    unit = next((u for u in lc.config.units if u.id == t.lead_unit), None)
    to = c.payload.to or (unit.parent if unit else None)
    entry = {"reason": c.payload.reason, "to": to, "at": c.now.isoformat()}
    t.referrals.append(entry)
    return entry


def _rating(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    pl = c.payload
    reasonable = getattr(pl, "reasonable", None)
    t.rating = Rating(
        resolved=pl.resolved,
        satisfaction=pl.satisfaction,
        comment=pl.comment,
        at=c.now,
        by=str(c.actor),
        reasonable=reasonable,
    )
    detail: dict[str, Any] = {"resolved": pl.resolved, "satisfaction": pl.satisfaction.value}
    if pl.satisfaction is Satisfaction.unsatisfied:
        t.unsatisfied_ratings += 1
        if t.unsatisfied_ratings >= 2:  # R-TMR-3: repeated unsatisfied ratings → supervision
            t.supervision_level = max(t.supervision_level, 1)
            detail["supervision_level"] = t.supervision_level
    if reasonable is True:  # rehandle (R-CB-3): back to the unit, same limit, fresh clock
        t.rehandles_used += 1
        assert t.limit is not None
        t.deadlines.reply_by = lc.policy.add(c.now, t.limit, lc.policy.is_always_on(t.category))
        t.deadlines.callback_by = None
        t.overdue = False
        t.deadline_version += 1
        detail["reply_by"] = t.deadlines.reply_by.isoformat()
    else:
        # Any recorded rating ends the callback window: an unsatisfied one awaits the center's
        # review and is never replaced by a deemed one (R-CB-2 is for silence only, R-DESK-6).
        if t.deadlines.callback_by is not None:
            t.deadlines.callback_by = None
            t.deadline_version += 1  # the window's close is void (R-TMR-4)
    return detail


def _auto_close(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    if c.payload.deadline_version is not None:
        _timer_current(t, c.payload.deadline_version, "callback")
    t.rating = Rating(
        resolved=None,
        satisfaction=Satisfaction.basically_satisfied,
        at=c.now,
        by=str(c.actor),
        deemed=True,
    )
    t.deadlines.callback_by = None
    return {"deemed": "basically_satisfied", "rule": lc.config.callback.article}


def _decide_exemption(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.pending = None
    t.exempted = c.payload.approve
    return {"approve": c.payload.approve, "reason": c.payload.reason}


def _supervise(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    ladder = len(lc.config.supervision.ladder)
    if c.payload.level > ladder:
        raise BadInput("unknown_level", f"督办共 {ladder} 级", f"the supervision ladder has {ladder} levels")
    t.supervision_level = max(t.supervision_level, c.payload.level)
    return {"level": c.payload.level, "note": c.payload.note}


def _note_repeat(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.repeat_reports += 1
    if t.repeat_reports >= lc.config.supervision.repeat_reports:
        t.supervision_level = max(t.supervision_level, 1)
    return {
        "request_id": c.payload.request_id,
        "repeat_reports": t.repeat_reports,
        "supervision_level": t.supervision_level,
    }


def _note_hotspot(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    t.supervision_level = max(t.supervision_level, 1)
    return {"citizens": c.payload.citizens, "supervision_level": t.supervision_level}


def _timer_current(t: Ticket, version: int, deadline: str | None = None) -> None:
    """R-TMR-4: a fire for a moved deadline, or for one already met, changes nothing."""
    if version != t.deadline_version:
        raise IllegalTransition("stale_timer", f"deadline version {version} was superseded by {t.deadline_version}")
    if deadline is not None and getattr(t.deadlines, f"{deadline}_by") is None:
        raise IllegalTransition("stale_timer", f"the {deadline} deadline is no longer pending")
    if deadline == "assist" and not t.missing_parts:
        raise IllegalTransition("stale_timer", "every assisting unit's part is in")


def _remind(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    _timer_current(t, c.payload.deadline_version, c.payload.deadline)
    return {"deadline": c.payload.deadline}


def _mark_overdue(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    _timer_current(t, c.payload.deadline_version, c.payload.deadline)
    if c.payload.deadline == "assist":  # the assisting units are late, not the order: told, not flagged
        return {"deadline": "assist", "late_units": t.missing_parts}
    if c.payload.deadline == "queue":  # the dispatcher is late: overdue, but no unit is supervised
        t.overdue = True
        return {"deadline": "queue"}
    t.overdue = True
    t.supervision_level = max(t.supervision_level, 1)  # R-TMR-2: supervision opens at level 1
    return {"deadline": c.payload.deadline, "supervision_level": t.supervision_level}


def _escalate(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    _timer_current(t, c.payload.deadline_version, c.payload.deadline)
    ladder = lc.config.supervision.ladder
    if c.payload.level != t.supervision_level + 1 or c.payload.level > len(ladder):
        raise IllegalTransition("stale_timer", f"level {c.payload.level} does not follow level {t.supervision_level}")
    t.supervision_level = c.payload.level
    return {"level": c.payload.level, "notify": ladder[c.payload.level - 1].notify}


def _archive(lc: Lifecycle, t: Ticket, c: _Ctx) -> dict[str, Any]:
    """R-CB-5: the record now lies in the archive; the live item lingers, then expires (TTL)."""
    if not records.due(c.ticket):
        raise IllegalTransition("already_archived", f"already archived at {t.archive_key}, unchanged since")
    t.archive_key = c.payload.key
    t.archived_version = c.ticket.version
    t.expires_at = c.now + LIVE_AFTER_ARCHIVE
    return {"key": c.payload.key, "checksum": c.payload.checksum, "expires_at": t.expires_at.isoformat()}


_EFFECTS: dict[str, Effect] = {
    "accept": _accept,
    "answer": _answer,
    "transfer": _transfer,
    "refuse": _refuse,
    "mark_duplicate": _duplicate,
    "dispatch": _dispatch,
    "sign": _sign,
    "request_return": _request("return"),
    "decide_return": _decide_return,
    "request_extension": _request("extension"),
    "decide_extension": _decide_extension,
    "submit_assist": _submit_assist,
    "decide_assist": _decide_assist,
    "reply": _reply,
    "request_termination": _request("termination"),
    "decide_termination": _decide_termination,
    "request_backlog": _backlog,
    "refer_up": _refer_up,
    "rate": _rating,
    "record_callback": _rating,
    "auto_close": _auto_close,
    "request_exemption": _request("exemption"),
    "decide_exemption": _decide_exemption,
    "supervise": _supervise,
    "note_repeat": _note_repeat,
    "note_hotspot": _note_hotspot,
    "remind": _remind,
    "mark_overdue": _mark_overdue,
    "escalate": _escalate,
    "archive": _archive,
}

__all__ = ["Lifecycle", "Rule", "Step", "parse_payload"]
