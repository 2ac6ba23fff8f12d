"""Extensions (R-DSP-7): the lead asks before its deadline, within the city's count and length;
the center approves (the reply deadline moves) or rejects (it stays). What the center would
grant is computed when the unit asks and kept on the pending request, so the decision grants
exactly what the rules allowed then."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from pydantic import Field, model_validator

from hotline.config.schema import Duration
from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import approve_or_reject, deadlines_moved, nothing_pending, pending, request
from hotline.domain.actions.declaration import CENTER_DECIDERS, WORKING, Action, Ctx, ToCitizen, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Decision, Payload, Reason
from hotline.domain.errors import RuleViolation
from hotline.domain.models import Extension, Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role


class RequestExtension(Payload):
    days: int | None = Field(default=None, gt=0, le=60)
    hours: int | None = Field(default=None, gt=0, le=24 * 60)
    reason: str = Reason

    @model_validator(mode="after")
    def _one(self) -> Self:
        if self.days is not None and self.hours is not None:
            raise ValueError("give `days` or `hours`, not both")
        return self

    @property
    def duration(self) -> Duration | None:
        if self.days is not None:
            return Duration(working_days=self.days)
        if self.hours is not None:
            return Duration(hours=self.hours)
        return None


def grant(lc: Lifecycle, c: Ctx[RequestExtension]) -> Duration:
    """What the city's rule grants for this request, or the refusal (count, length)."""
    t = c.ticket
    rule = lc.policy.extension_rule(t.type, t.urgency, t.category)
    assert t.limit is not None
    return lc.policy.grant_extension(
        rule,
        t.limit,
        [e.duration for e in t.extensions],
        c.payload.duration,
        rehandling=t.status is Status.rehandling,
    )


def before_reply_deadline(lc: Lifecycle, c: Ctx[RequestExtension]) -> None:
    reply_by = c.ticket.deadlines.reply_by
    if reply_by is not None and c.now >= reply_by:
        raise RuleViolation(
            "too_late",
            f"延期须在办理时限 {lc.policy.calendar.local(reply_by):%Y-%m-%d %H:%M} 前申请（R-DSP-7）",
            f"an extension must be asked before the deadline {reply_by.isoformat()} (R-DSP-7)",
        )


def extension_allowed(lc: Lifecycle, c: Ctx[RequestExtension]) -> None:
    grant(lc, c)  # the effect asks again for the value: pure, and nothing passes between them


def _granted(lc: Lifecycle, c: Ctx[Any]) -> dict[str, Any]:
    return {"granted_if_approved": grant(lc, c).model_dump(exclude_none=True)}


def _decide_extension(lc: Lifecycle, t: Ticket, c: Ctx[Decision]) -> dict[str, Any]:
    assert t.pending is not None
    detail: dict[str, Any] = {"approve": c.payload.approve, "reason": c.payload.reason}
    if c.payload.approve:
        granted = Duration.model_validate(t.pending.detail["granted_if_approved"])
        assert t.deadlines.reply_by is not None
        new_by = lc.policy.add(t.deadlines.reply_by, granted, lc.policy.is_always_on(t.category))
        t.extensions.append(Extension(duration=granted, reason=t.pending.reason, granted_at=c.now, new_reply_by=new_by))
        t.deadlines.reply_by = new_by
        t.overdue = False
        deadlines_moved(t)
        detail.update(extension=str(granted), reply_by=new_by.isoformat())
    t.pending = None
    return detail


ACTIONS = (
    Action(
        A.request_extension,
        RequestExtension,
        (
            row(
                WORKING,
                None,
                {R.unit},
                party="lead",
                guards=(nothing_pending, before_reply_deadline, extension_allowed),
            ),
        ),
        request("extension", _granted),
    ),
    Action(
        A.decide_extension,
        Decision,
        (
            row(WORKING, None, CENTER_DECIDERS, "approved", guards=(pending("extension"),)),
            row(WORKING, None, CENTER_DECIDERS, "rejected", guards=(pending("extension"),)),
        ),
        _decide_extension,
        choose=approve_or_reject,
        units={
            "approved": ToUnits("extension_approved", to.lead, "延期已批准 {id}", "延期申请已批准"),
            "rejected": ToUnits("extension_rejected", to.lead, "延期未批准 {id}", "延期申请未批准：{reason}"),
        },
        # R-UNIT-4: the new date, and where the work stands when a unit reported it publicly
        citizen={"approved": ToCitizen("extended", "【12345】您的诉求 {id} 办理时限已延长至 {reply_by}。{progress}")},
    ),
)
