"""THE transition table of the ticket lifecycle: status × action (× outcome) → status.

Every change of every ticket goes through `find_rule`; nothing else decides what may happen.
An action whose result depends on a decision (approve / reject, satisfied / unsatisfied) names
the outcome, and the table says where each outcome leads. `to=None` means the status stays:
a moment inside a phase (sign-free actions such as an extension request) rather than a phase
change. Guards are named here and implemented in `lifecycle`, which knows the city's rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hotline.domain.errors import Forbidden, IllegalTransition
from hotline.domain.models import FINAL, OPEN, Actor, Role, Status, Ticket

S = Status
R = Role
CENTER_DECIDERS = frozenset({R.dispatcher, R.reviewer})
WORKING = frozenset({S.in_progress, S.rehandling})

Party = Literal["any", "lead", "assist"]


@dataclass(frozen=True)
class Rule:
    action: str
    sources: frozenset[Status]
    to: Status | None
    roles: frozenset[Role]
    outcome: str = "done"
    party: Party = "any"
    guards: tuple[str, ...] = ()


def _r(
    action: str,
    sources: set[Status] | frozenset[Status],
    to: Status | None,
    roles: set[Role] | frozenset[Role],
    outcome: str = "done",
    party: Party = "any",
    guards: tuple[str, ...] = (),
) -> Rule:
    return Rule(action, frozenset(sources), to, frozenset(roles), outcome, party, guards)


TABLE: tuple[Rule, ...] = (
    # intake outcomes (R-INT-3/4/6): a filed request becomes an order or one of four answers
    _r("accept", {S.received}, S.pending_dispatch, {R.system}),
    _r("answer", {S.received}, S.answered, {R.system}),
    _r("transfer", {S.received}, S.transferred, {R.system}),
    _r("refuse", {S.received}, S.not_accepted, {R.system}),
    _r("mark_duplicate", {S.received}, S.duplicate, {R.system}),
    # dispatch (R-DSP-1/2): by routing rule (system) or by the dispatcher's choice
    _r("dispatch", {S.pending_dispatch}, S.dispatched, {R.system, R.dispatcher}, guards=("units_known",)),
    # the unit at work (R-DSP-4..12)
    _r("sign", {S.dispatched}, S.in_progress, {R.unit}, party="lead"),
    _r(
        "request_return",
        {S.dispatched, S.in_progress},
        S.return_requested,
        {R.unit},
        party="lead",
        guards=("nothing_pending", "within_return_window"),  # one pending request at a time (issue 15.12)
    ),
    _r("decide_return", {S.return_requested}, S.pending_dispatch, CENTER_DECIDERS, "approved"),
    _r(
        "decide_return",
        {S.return_requested},
        S.dispatched,
        CENTER_DECIDERS,
        "approved_redispatch",
        guards=("units_known",),
    ),
    _r("decide_return", {S.return_requested}, S.in_progress, CENTER_DECIDERS, "rejected_signed"),
    _r("decide_return", {S.return_requested}, S.dispatched, CENTER_DECIDERS, "rejected_unsigned"),
    _r(
        "request_extension",
        WORKING,
        None,
        {R.unit},
        party="lead",
        guards=("nothing_pending", "before_reply_deadline", "extension_allowed"),
    ),
    _r("decide_extension", WORKING, None, CENTER_DECIDERS, "approved", guards=("pending_extension",)),
    _r("decide_extension", WORKING, None, CENTER_DECIDERS, "rejected", guards=("pending_extension",)),
    _r(
        "submit_assist",
        {S.dispatched, S.in_progress, S.backlogged},  # whenever the lead could reply for all
        None,
        {R.unit},
        party="assist",
        guards=("assist_part_open",),
    ),
    # R-DSP-6: the center waives an assisting unit's part or removes the unit, with a reason
    _r("decide_assist", {S.dispatched, S.in_progress, S.backlogged}, None, CENTER_DECIDERS, guards=("assisting_unit",)),
    _r(
        "reply",
        WORKING | {S.backlogged},
        S.replied,
        {R.unit},
        party="lead",
        guards=("nothing_pending", "assist_parts_in", "reply_complete"),
    ),
    _r(
        "request_termination",
        WORKING,
        None,
        {R.unit},
        party="lead",
        guards=("termination_enabled", "nothing_pending"),
    ),
    _r("decide_termination", WORKING, S.terminated, {R.reviewer}, "approved", guards=("pending_termination",)),
    _r("decide_termination", WORKING, None, {R.reviewer}, "rejected", guards=("pending_termination",)),
    _r(
        "request_backlog",
        WORKING,
        S.backlogged,
        {R.unit},
        party="lead",
        guards=("backlog_enabled", "nothing_pending"),
    ),
    _r("refer_up", WORKING | {S.backlogged}, None, {R.unit}, party="lead"),
    # callback (R-CB-1..4)
    _r("rate", {S.replied}, S.closed, {R.citizen}, "settled"),
    _r("rate", {S.replied}, None, {R.citizen}, "needs_review"),
    _r("record_callback", {S.replied}, S.closed, {R.callback, R.reviewer}, "settled"),
    _r("record_callback", {S.replied}, S.closed, {R.callback, R.reviewer}, "explained"),
    _r(
        "record_callback",
        {S.replied},
        S.rehandling,
        {R.callback, R.reviewer},
        "rehandle",
        guards=("rehandle_within_limit",),
    ),
    _r("auto_close", {S.replied}, S.closed, {R.system}, guards=("silence_counts_as_rating",)),
    _r(
        "request_exemption",
        {S.closed},
        None,
        {R.unit},
        party="lead",
        guards=("exemption_enabled", "rated_unsatisfied", "nothing_pending"),
    ),
    _r("decide_exemption", {S.closed}, None, {R.reviewer}, "approved", guards=("pending_exemption",)),
    _r("decide_exemption", {S.closed}, None, {R.reviewer}, "rejected", guards=("pending_exemption",)),
    # supervision and time (R-TMR-1..3)
    _r("supervise", OPEN, None, {R.supervisor}),
    _r("note_repeat", OPEN, None, {R.system}),  # R-TMR-3: reported again while unsolved
    _r("note_hotspot", OPEN, None, {R.system}),  # R-TMR-3: many citizens report the same matter
    _r("remind", OPEN, None, {R.system}),
    _r("mark_overdue", OPEN, None, {R.system}),
    _r("escalate", OPEN, None, {R.system, R.supervisor}),
    # archive (R-CB-5): final records only
    _r("archive", FINAL, None, {R.system}),
)

ACTIONS = frozenset(rule.action for rule in TABLE)
STATUS_NAMES = {
    S.received: "已接收",
    S.pending_dispatch: "待派单",
    S.dispatched: "待签收",
    S.in_progress: "办理中",
    S.return_requested: "退单待审",
    S.replied: "已办结待回访",
    S.rehandling: "重办中",
    S.closed: "已办结",
    S.terminated: "已终止",
    S.backlogged: "已挂账",
    S.answered: "已解答",
    S.transferred: "已转办",
    S.not_accepted: "不予受理",
    S.duplicate: "重复诉求",
}
_ROLE_NAMES = {
    R.unit: "承办单位",
    R.dispatcher: "派单员",
    R.reviewer: "审核员",
    R.callback: "回访员",
    R.supervisor: "督办员",
    R.citizen: "诉求人",
    R.system: "系统",
}
UNIT_ACTIONS = frozenset(r.action for r in TABLE if R.unit in r.roles)
CENTER_ACTIONS = frozenset(r.action for r in TABLE if r.roles & {R.dispatcher, R.reviewer, R.callback, R.supervisor})


def authorize(ticket: Ticket, action: str, actor: Actor) -> None:
    """Who may ask, before what is asked is read (issue 15.11): a unit that is not party to the
    order, or a role no row of the action names, hears 403 whatever the state or the payload."""
    candidates = [r for r in TABLE if r.action == action]
    if not candidates:
        return  # an unknown action is refused by what reads the payload, or by find_rule
    if not any(actor.role in r.roles for r in candidates):
        roles = ", ".join(sorted({r.value for c in candidates for r in c.roles}))
        raise Forbidden(
            None,
            f"{_ROLE_NAMES.get(actor.role, actor.role.value)}无权执行“{action}”操作（需要：{roles}）",
            f"role {actor.role.value} may not {action}; needs one of: {roles}",
        )
    if actor.role is R.unit:
        refusals: list[Forbidden] = []
        for rule in (r for r in candidates if R.unit in r.roles):
            try:
                _party(rule, ticket, actor)
                return
            except Forbidden as exc:
                refusals.append(exc)
        raise refusals[0]


def find_rule(ticket: Ticket, action: str, outcome: str, actor: Actor) -> Rule:
    """The one rule that allows this, or the reason it is refused (409 or 403)."""
    authorize(ticket, action, actor)
    candidates = [r for r in TABLE if r.action == action]
    if not candidates:
        raise IllegalTransition("unknown_action", f"未知的操作 {action!r}", f"unknown action {action!r}")
    by_outcome = [r for r in candidates if r.outcome == outcome]
    if not by_outcome:
        raise IllegalTransition(
            "unknown_outcome", f"“{action}”没有结果 {outcome!r}", f"{action!r} has no outcome {outcome!r}"
        )
    for rule in by_outcome:
        if ticket.status in rule.sources:
            _authorize(rule, ticket, actor)
            return rule
    allowed = sorted({s.value for r in by_outcome for s in r.sources})
    raise IllegalTransition(
        None,
        f"工单当前状态为“{STATUS_NAMES.get(ticket.status, ticket.status.value)}”，不能执行“{action}”；"
        f"可执行的状态：{'、'.join(STATUS_NAMES.get(S(a), a) for a in allowed)}",
        f"cannot {action} a ticket that is {ticket.status.value}; allowed from: {', '.join(allowed)}",
    )


def _authorize(rule: Rule, ticket: Ticket, actor: Actor) -> None:
    if actor.role not in rule.roles:
        roles = ", ".join(sorted(r.value for r in rule.roles))
        raise Forbidden(
            None,
            f"{_ROLE_NAMES.get(actor.role, actor.role.value)}无权执行“{rule.action}”操作（需要：{roles}）",
            f"role {actor.role.value} may not {rule.action}; needs one of: {roles}",
        )
    if actor.role is R.unit:
        _party(rule, ticket, actor)


def _party(rule: Rule, ticket: Ticket, actor: Actor) -> None:
    if rule.party == "lead" and actor.id != ticket.lead_unit:
        raise Forbidden(
            None, f"只有主办单位可以执行“{rule.action}”", f"only the lead unit may {rule.action} this ticket"
        )
    if rule.party == "assist" and actor.id not in ticket.assist_units:
        raise Forbidden(
            None, f"只有协办单位可以执行“{rule.action}”", f"only an assisting unit may {rule.action} this ticket"
        )
    if rule.party == "any" and not ticket.involves(actor.id):
        raise Forbidden(None, "本单位不是该工单的承办单位", f"unit {actor.id} is not party to this ticket")


def targets(action: str) -> dict[str, Status | None]:
    """outcome → status for an action; used by docs and tests."""
    return {r.outcome: r.to for r in TABLE if r.action == action}
