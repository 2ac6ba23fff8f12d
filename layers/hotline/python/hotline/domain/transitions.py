"""THE transition table of the ticket lifecycle: status × action (× outcome) → status.

Every change of every ticket goes through `find_rule`; nothing else decides what may happen.
An action whose result depends on a decision (approve / reject, satisfied / unsatisfied) names
the outcome, and the table says where each outcome leads. `to=None` means the status stays:
a moment inside a phase (sign-free actions such as an extension request) rather than a phase
change. Each action declares its own rows beside its guards and effect (`domain/actions/`,
issue 16); `TABLE` is those rows, in the declarations' order, and the only thing read here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hotline.domain.actions import ALL
from hotline.domain.actions.declaration import CENTER_DECIDERS, WORKING, Guard, Party
from hotline.domain.actions.names import ActionName, label
from hotline.domain.errors import Forbidden, IllegalTransition
from hotline.domain.models import Actor, Role, Status, Ticket

S = Status
R = Role


@dataclass(frozen=True)
class Rule:
    action: ActionName
    sources: frozenset[Status]
    to: Status | None
    roles: frozenset[Role]
    outcome: str = "done"
    party: Party = "any"
    guards: tuple[Guard[Any], ...] = ()


TABLE: tuple[Rule, ...] = tuple(
    Rule(a.name, r.sources, r.to, r.roles, r.outcome, r.party, r.guards) for a in ALL for r in a.rows
)

ACTIONS = frozenset(rule.action.value for rule in TABLE)  # plain strings, as callers and documents use them
STATUS_NAMES = {
    S.received: "已接收",
    S.triage: "待研判",
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
    R.channel: "受理渠道（话务员）",
    R.system: "系统",
}
UNIT_ACTIONS = frozenset(r.action.value for r in TABLE if R.unit in r.roles)
CENTER_ACTIONS = frozenset(
    r.action.value for r in TABLE if r.roles & {R.dispatcher, R.reviewer, R.callback, R.supervisor}
)


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
            f"{_who(actor)}无权执行“{label(action)}”（需要：{_roles_zh(candidates)}）",
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
            "unknown_outcome", f"“{label(action)}”没有结果 {outcome!r}", f"{action!r} has no outcome {outcome!r}"
        )
    for rule in by_outcome:
        if ticket.status in rule.sources:
            _authorize(rule, ticket, actor)
            return rule
    allowed = sorted({s.value for r in by_outcome for s in r.sources})
    raise IllegalTransition(
        None,
        f"工单当前状态为“{STATUS_NAMES.get(ticket.status, ticket.status.value)}”，不能执行“{label(action)}”；"
        f"可执行的状态：{'、'.join(STATUS_NAMES.get(S(a), a) for a in allowed)}",
        f"cannot {action} a ticket that is {ticket.status.value}; allowed from: {', '.join(allowed)}",
    )


def _authorize(rule: Rule, ticket: Ticket, actor: Actor) -> None:
    if actor.role not in rule.roles:
        roles = ", ".join(sorted(r.value for r in rule.roles))
        raise Forbidden(
            None,
            f"{_who(actor)}无权执行“{label(rule.action)}”（需要：{_roles_zh([rule])}）",
            f"role {actor.role.value} may not {rule.action}; needs one of: {roles}",
        )
    if actor.role is R.unit:
        _party(rule, ticket, actor)


def _who(actor: Actor) -> str:
    return role_name(actor.role)


def role_name(role: Role) -> str:
    """What staff call a role (审核员), never the code."""
    return _ROLE_NAMES.get(role, role.value)


def _roles_zh(rules: list[Rule]) -> str:
    return "、".join(sorted({_ROLE_NAMES.get(r, r.value) for rule in rules for r in rule.roles}))


_PARTY_OK = {
    "any": lambda t, u: t.involves(u),
    "lead": lambda t, u: u == t.lead_unit,
    "assist": lambda t, u: u in t.assist_units,
    "handler": lambda t, u: u in {t.lead_unit, t.handling_unit},
    "worker": lambda t, u: t.involves(u) or u == t.handling_unit,
    "referred": lambda t, u: t.referred_to(u),
}
_PARTY_REFUSED = {
    "any": ("本单位不是该工单的承办单位", "unit {u} is not party to this ticket"),
    "lead": ("只有主办单位可以执行“{a}”", "only the lead unit may {a} this ticket"),
    "assist": ("只有协办单位可以执行“{a}”", "only an assisting unit may {a} this ticket"),
    "handler": ("只有主办单位或经办单位可以执行“{a}”", "only the lead or the handling unit may {a} this ticket"),
    "worker": ("只有主办、协办或经办单位可以执行“{a}”", "only a unit at work on this ticket may {a} it"),
    "referred": ("只有被提请协调的单位可以执行“{a}”", "only the unit this ticket was referred to may {a} it"),
}


def _party(rule: Rule, ticket: Ticket, actor: Actor) -> None:
    if not _PARTY_OK[rule.party](ticket, actor.id):
        zh, en = _PARTY_REFUSED[rule.party]
        raise Forbidden(None, zh.format(a=label(rule.action)), en.format(a=rule.action, u=actor.id))


def allowed(ticket: Ticket, actor: Actor, among: frozenset[str]) -> list[str]:
    """The actions of `among` this actor may take on the ticket now, by the table's status, role
    and party alone (R-UI-1: the console offers exactly these; the city's rules may still refuse
    one with 409/422 and a message). In the table's order."""
    out: list[str] = []
    for rule in TABLE:
        name = rule.action.value
        if name in out or name not in among or ticket.status not in rule.sources or actor.role not in rule.roles:
            continue
        if actor.role is R.unit and not _PARTY_OK[rule.party](ticket, actor.id):
            continue
        out.append(name)
    return out


def targets(action: str) -> dict[str, Status | None]:
    """outcome → status for an action; used by docs and tests."""
    return {r.outcome: r.to for r in TABLE if r.action == action}


__all__ = [
    "ACTIONS",
    "CENTER_ACTIONS",
    "CENTER_DECIDERS",
    "STATUS_NAMES",
    "TABLE",
    "UNIT_ACTIONS",
    "WORKING",
    "Rule",
    "authorize",
    "find_rule",
    "role_name",
    "targets",
]
