"""The center corrects what intake or routing got wrong (R-DESK-3): the order's type, category,
urgency, place and a legal time limit with its basis (Tianjin Art.19, Weixi Art.8, Heze
Art.15(2), Baoding Art.19(3): "法律法规另有规定的从其规定"); and re-routes an order no unit has
signed yet. Limits, deadlines, timers and the 7×24 clock follow; every correction is an event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Self

from pydantic import Field, model_validator

from hotline.config.schema import Duration, RequestType, Urgency
from hotline.domain.actions import recipients as to
from hotline.domain.actions.common import deadlines_moved
from hotline.domain.actions.declaration import CENTER_DECIDERS, Action, Ctx, ToUnits, row
from hotline.domain.actions.dispatch import assign, units_known
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload, Reason
from hotline.domain.codes import check_codes
from hotline.domain.models import Location, Role, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role
CORRECTABLE = frozenset({S.triage, S.pending_dispatch, S.dispatched, S.in_progress, S.rehandling, S.return_requested})


class LegalLimit(Payload):
    """A time limit a law sets for this matter, with the law it comes from."""

    working_days: int | None = None
    hours: int | None = None
    basis: str = Field(min_length=4, max_length=500)

    @model_validator(mode="after")
    def _a_duration(self) -> Self:
        self.duration  # noqa: B018 (Duration's own rule: exactly one of them, within bounds)
        return self

    @property
    def duration(self) -> Duration:
        return Duration(working_days=self.working_days, hours=self.hours)


class Reclassify(Payload):
    type: RequestType | None = None
    category: str | None = None
    urgency: Urgency | None = None
    location: Location | None = None
    legal_limit: LegalLimit | None = None
    reason: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _something(self) -> Self:
        if not any(getattr(self, f) is not None for f in ("type", "category", "urgency", "location", "legal_limit")):
            raise ValueError("say what to correct: type, category, urgency, location or legal_limit")
        return self


class Redispatch(Payload):
    lead_unit: str
    assist_units: list[str] = []  # noqa: RUF012 (a pydantic field: copied per instance)
    reason: str = Reason


def codes_known(lc: Lifecycle, c: Ctx[Reclassify]) -> None:
    """Only the city's own categories, districts and streets (GET /catalog)."""
    pl = c.payload
    loc = pl.location
    if loc is not None and loc.district is not None:
        check_codes(lc.config, category=pl.category, district=loc.district, street=loc.street)
    else:
        check_codes(lc.config, category=pl.category)


def _reclassify(lc: Lifecycle, t: Ticket, c: Ctx[Reclassify]) -> dict[str, Any]:
    pl = c.payload
    changed: dict[str, Any] = {}
    for field in ("type", "category", "urgency"):
        value = getattr(pl, field)
        if value is not None and value != getattr(t, field):
            changed[field] = {"from": _plain(getattr(t, field)), "to": _plain(value)}
            setattr(t, field, value)
    if pl.location is not None and pl.location != t.location:
        changed["location"] = {
            "from": t.location.model_dump(exclude_none=True),
            "to": pl.location.model_dump(exclude_none=True),
        }
        t.location = pl.location
    if pl.legal_limit is not None:
        limit = pl.legal_limit.duration
        changed["legal_limit"] = {"to": limit.model_dump(exclude_none=True), "basis": pl.legal_limit.basis}
        t.legal_limit, t.legal_basis = limit, pl.legal_limit.basis
    _deadlines_follow(lc, t, c)
    return {
        "changed": changed,
        "reason": pl.reason,
        "reply_by": t.deadlines.reply_by and t.deadlines.reply_by.isoformat(),
    }


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _deadlines_follow(lc: Lifecycle, t: Ticket, c: Ctx[Any]) -> None:
    """The order's clock as if it had been filed right: the dispatcher's queue from when it was
    accepted, a unit's deadlines from its dispatch, with the extensions granted since."""
    policy = lc.policy
    if t.status in {S.triage, S.pending_dispatch}:
        t.deadlines.queue_by = policy.queue_by(
            t.created_at, t.deadlines.dispatch_by or t.created_at, t.category, t.urgency
        )
        deadlines_moved(t)
        return
    if t.dispatched_at is None:
        return
    t.limit = policy.limit_for(t.type, t.urgency, t.category, t.legal_limit)
    d = policy.deadlines(t.dispatched_at, t.limit, t.category)
    always_on = policy.is_always_on(t.category)
    reply_by = d.reply_by
    for ext in t.extensions:
        reply_by = policy.add(reply_by, ext.duration, always_on)
    if t.signed_at is None:
        t.deadlines.sign_by = d.sign_by
    t.deadlines.reply_by = reply_by
    if t.deadlines.assist_by is not None:
        t.deadlines.assist_by = d.assist_by
    deadlines_moved(t)


def _redispatch(lc: Lifecycle, t: Ticket, c: Ctx[Redispatch]) -> dict[str, Any]:
    before = [u for u in [t.lead_unit, *t.assist_units] if u]
    was_lead = t.lead_unit
    detail = assign(lc, t, c.payload.lead_unit, c.payload.assist_units, c.now)
    returned = [u for u in [c.payload.lead_unit, *c.payload.assist_units] if u in t.returned_by]
    left = [u for u in before if not t.involves(u)]  # told to stop: the order is no longer theirs
    out = {**detail, "from": was_lead, "left": left, "reason": c.payload.reason}
    if returned:  # allowed, but said: R-DSP-5 keeps the rule from doing it
        out["warning"] = f"{'、'.join(lc.unit_name(u) for u in returned)}曾退回此工单"
    return out


ACTIONS = (
    Action(
        A.reclassify,
        Reclassify,
        (row(CORRECTABLE, None, CENTER_DECIDERS, guards=(codes_known,)),),
        _reclassify,
        units={
            None: ToUnits(
                "corrected", to.lead_and_assist, "工单信息更正 {id}", "中心更正了工单的类别或时限，请按新时限办理"
            )
        },
    ),
    Action(
        A.redispatch,
        Redispatch,
        # before a unit took it on (dispatched = not signed); a signed order is returned, not redispatched
        (row({S.dispatched}, S.dispatched, CENTER_DECIDERS, guards=(units_known,)),),
        _redispatch,
        units={
            None: (
                ToUnits("dispatched", to.lead_and_assist, "新工单 {id}", "中心改派工单，请按时签收"),
                ToUnits(
                    "redispatched_away", to.left, "工单已改派 {id}", "中心已将此工单改派{lead}办理，贵单位无需再办理"
                ),
            )
        },
    ),
)
