"""What several actions share: the deadline-version bump (R-TMR-4), the one-pending-request
rule, the center deciding a pending request, the city's optional features, and the effect of
a unit's request that waits for the center."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hotline.domain.actions.declaration import Ctx, Effect, Guard
from hotline.domain.actions.payload import Decision
from hotline.domain.errors import IllegalTransition, RuleViolation
from hotline.domain.models import Pending, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

PENDING_NAMES = {
    "return": "退单",
    "extension": "延期",
    "termination": "终止办理",
    "exemption": "免责",
    "backlog": "挂账",
}
FEATURE_NAMES = {"termination": "终止办理", "backlog": "挂账", "kpi_exemption": "考核免责", "hand_down": "交下级经办"}


def deadlines_moved(t: Ticket) -> None:
    """R-TMR-4: every effect that sets, moves or clears a deadline the timers run on says so
    here; the timers of the previous version become stale fires (logged no-ops), and
    `orchestrate` renames the schedules. Signing and the deemed rating clear the deadline they
    meet without a bump: a fire for a deadline no longer pending is stale anyway."""
    t.deadline_version += 1


def approve_or_reject(_t: Ticket, pl: Decision) -> str:
    """The outcome of the center's decision on a unit's request."""
    return "approved" if pl.approve else "rejected"


def nothing_pending(lc: Lifecycle, c: Ctx[Any]) -> None:
    """One pending request at a time (issue 15.12)."""
    if c.ticket.pending is not None:
        kind = c.ticket.pending.kind
        raise IllegalTransition(
            "decision_pending",
            f"该工单的{PENDING_NAMES[kind]}申请正在等待中心审核，审核前不能提出其他申请",
            f"a {kind} request is awaiting the center's decision",
        )


def pending(kind: str) -> Guard[Any]:
    """The center decides only what a unit asked and has not been decided yet."""

    def guard(lc: Lifecycle, c: Ctx[Any]) -> None:
        if c.ticket.pending is None or c.ticket.pending.kind != kind:
            raise IllegalTransition(
                "nothing_to_decide",
                f"没有待审核的{PENDING_NAMES[kind]}申请",
                f"no {kind} request is awaiting a decision",
            )

    guard.__name__ = guard.__qualname__ = f"pending_{kind}"
    return guard


def feature(name: str) -> Guard[Any]:
    """An action only some cities' regulations have (termination, backlog, KPI exemption)."""

    def guard(lc: Lifecycle, c: Ctx[Any]) -> None:
        if getattr(lc.config.features, name) is None:
            raise RuleViolation(
                "not_in_city_rules",
                f"{lc.config.name}的条例没有{FEATURE_NAMES.get(name, name)}的规定",
                f"{lc.config.name}'s regulation has no {name.replace('_', ' ')}",
            )

    guard.__name__ = guard.__qualname__ = f"{name}_enabled"
    return guard


Extra = Callable[["Lifecycle", Ctx[Any]], dict[str, Any]]


def request(kind: str, extra: Extra | None = None) -> Effect[Any]:
    """A unit's request that waits for the center's decision: the order holds it as `pending`
    (with what the center would grant, `extra`) until the decision."""

    def effect(lc: Lifecycle, t: Ticket, c: Ctx[Any]) -> dict[str, Any]:
        detail = c.payload.model_dump(mode="json", exclude={"reason"}, exclude_none=True)
        if extra is not None:
            detail.update(extra(lc, c))
        t.pending = Pending(kind=kind, by=c.actor.id, at=c.now, reason=c.payload.reason, detail=detail)
        return {"reason": c.payload.reason, **detail}

    effect.__name__ = effect.__qualname__ = f"request_{kind}"
    return effect
