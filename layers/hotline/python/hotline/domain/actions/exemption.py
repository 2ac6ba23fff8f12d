"""KPI exemption (R-CB-4, `features.kpi_exemption`): after an unsatisfied rating the lead asks
that the order not count against it, with evidence; a reviewer decides."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import approve_or_reject, feature, nothing_pending, pending, request
from hotline.domain.actions.declaration import Action, Ctx, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Decision, Payload, Reason, Text
from hotline.domain.errors import RuleViolation
from hotline.domain.models import Role, Satisfaction, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role


class RequestExemption(Payload):
    reason: str = Reason
    evidence: str = Text


def rated_unsatisfied(lc: Lifecycle, c: Ctx[RequestExemption]) -> None:
    r = c.ticket.rating
    if r is None or r.satisfaction is not Satisfaction.unsatisfied:
        raise RuleViolation(
            "not_unsatisfied",
            "只有不满意评价可以申请免责（R-CB-4）",
            "only an unsatisfied rating can be exempted (R-CB-4)",
        )


def _decide_exemption(lc: Lifecycle, t: Ticket, c: Ctx[Decision]) -> dict[str, Any]:
    t.pending = None
    t.exempted = c.payload.approve
    return {"approve": c.payload.approve, "reason": c.payload.reason}


ACTIONS = (
    Action(
        A.request_exemption,
        RequestExemption,
        (
            row(
                {S.closed},
                None,
                {R.unit},
                party="lead",
                guards=(feature("kpi_exemption"), rated_unsatisfied, nothing_pending),
            ),
        ),
        request("exemption"),
    ),
    Action(
        A.decide_exemption,
        Decision,
        (
            row({S.closed}, None, {R.reviewer}, "approved", guards=(pending("exemption"),)),
            row({S.closed}, None, {R.reviewer}, "rejected", guards=(pending("exemption"),)),
        ),
        _decide_exemption,
        choose=approve_or_reject,
        units={None: ToUnits("exemption_decided", to.lead, "免责申请结果 {id}", "免责申请已处理：{reason}")},
    ),
)
