"""Units working together on one order (SPEC §12.3): the lead hands the work down to a unit
below it (经办单位, R-UNIT-2), refers what it cannot solve alone up to a unit that then
coordinates or answers (R-DSP-10, R-UNIT-3), and every unit at work reports progress (R-UNIT-4).

The lead stays answerable throughout: its deadlines do not move, it is the one the rates count,
and it hears of what the others do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from hotline.config.schema import CityConfig
from hotline.domain.actions import recipients as to
from hotline.domain.actions.assists import OPEN_PARTS
from hotline.domain.actions.common import deadlines_moved, feature
from hotline.domain.actions.declaration import WORKING, Action, Ctx, ToCenter, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload, Reason, Text
from hotline.domain.codes import check_codes
from hotline.domain.errors import BadInput, IllegalTransition
from hotline.domain.models import Location, Referral, Risk, Role, StageReport, Status, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

S, R = Status, Role
AT_WORK = WORKING | {S.backlogged}  # signed and not yet replied: the work can be shared


class HandDown(Payload):
    to_unit: str = Field(min_length=1)
    note: str = Field(default="", max_length=2000)


class ReferUp(Payload):
    reason: str = Reason
    to: str | None = None


class Coordinate(Payload):
    """R-UNIT-3: the unit referred to adds assisting units, hands the work down, or both."""

    assist_units: list[str] = Field(default_factory=list, max_length=10)  # an order's entries fit one write
    hand_down_to: str | None = None
    note: str = Text


class AnswerReferral(Payload):
    note: str = Text


class RaiseRisk(Payload):
    """Hohhot Art.29: a risk found while handling, reported to the center (R-GOV-2)."""

    text: str = Field(min_length=4, max_length=2000)
    location: Location = Location()


class ReportProgress(Payload):
    text: str = Field(min_length=4, max_length=2000)  # a stage report says something
    public: bool = False


def below(config: CityConfig, unit: str) -> set[str]:
    """Every unit under `unit` in the city's tree (its streets, its subordinate bodies)."""
    children: dict[str, list[str]] = {}
    for u in config.units:
        if u.parent:
            children.setdefault(u.parent, []).append(u.id)
    found: set[str] = set()
    todo = list(children.get(unit, []))
    while todo:
        child = todo.pop()
        if child not in found:
            found.add(child)
            todo.extend(children.get(child, []))
    return found


def _below_lead(lc: Lifecycle, t: Ticket, to_unit: str, also: str | None = None) -> None:
    """Tianjin Art.6, Hohhot Art.5: the district's streets, a department's own bodies."""
    allowed = below(lc.config, t.lead_unit or "") | (below(lc.config, also) if also else set())
    if to_unit not in allowed:
        raise BadInput(
            "not_below",
            f"{lc.unit_name(to_unit)}不是{lc.unit_name(t.lead_unit or '')}的下级单位，不能交其经办",
            f"{to_unit} is not below the lead unit in the city's tree",
        )


def below_the_lead(lc: Lifecycle, c: Ctx[HandDown]) -> None:
    _below_lead(lc, c.ticket, c.payload.to_unit)


def referral_target(lc: Lifecycle, c: Ctx[ReferUp]) -> None:
    """The unit above, or the one named; a unit of the city and not the lead itself."""
    target = _referred_to(lc, c.ticket, c.payload.to)
    if target is None or not lc.is_unit(target) or target == c.ticket.lead_unit:
        raise BadInput(
            "no_one_above",
            "请指定提请协调的上级单位或行业主管部门（to）",
            "name the unit to refer to (`to`): the lead has no unit above it",
        )


def coordination_valid(lc: Lifecycle, c: Ctx[Coordinate]) -> None:
    pl, t = c.payload, c.ticket
    if not pl.assist_units and not pl.hand_down_to:
        raise BadInput(
            "nothing_to_coordinate",
            "请指定增加的协办单位（assist_units）或交办的经办单位（hand_down_to）；仅答复请用 answer_referral",
            "name assisting units or a unit to hand down to; to answer only, use answer_referral",
        )
    unknown = [u for u in pl.assist_units if not lc.is_unit(u)]
    if unknown:
        raise BadInput("unknown_unit", f"未知的单位：{'、'.join(unknown)}", f"unknown unit(s): {', '.join(unknown)}")
    if pl.hand_down_to:
        feature("hand_down")(lc, c)  # only where the regulation has 经办单位 (Tianjin Art.6, Hohhot Art.5)
        _below_lead(lc, t, pl.hand_down_to, also=c.actor.id)


def _referred_to(lc: Lifecycle, t: Ticket, named: str | None) -> str | None:
    unit = next((u for u in lc.config.units if u.id == t.lead_unit), None)
    return named or (unit.parent if unit else None) or lc.config.supervision.office


def _hand_down(lc: Lifecycle, t: Ticket, c: Ctx[HandDown]) -> dict[str, Any]:
    """The handling unit does the work; signs nothing; the lead's deadlines stand (R-UNIT-2)."""
    before = t.handling_unit
    t.handling_unit = c.payload.to_unit
    return {"to_unit": c.payload.to_unit, "from_unit": before, "note": c.payload.note}


def _refer_up(lc: Lifecycle, t: Ticket, c: Ctx[ReferUp]) -> dict[str, Any]:
    target = _referred_to(lc, t, c.payload.to)
    t.referrals.append(Referral(to=target, reason=c.payload.reason, at=c.now, by=c.actor.id))
    return {"reason": c.payload.reason, "to": target, "at": c.now.isoformat()}


def _answered(t: Ticket, c: Ctx[Any], note: str) -> None:
    for r in t.referrals:
        if r.open and r.to == c.actor.id:
            r.answered_at, r.answer = c.now, note


def _coordinate(lc: Lifecycle, t: Ticket, c: Ctx[Coordinate]) -> dict[str, Any]:
    """Hohhot Art.19: the coordinating unit settles who leads and who assists; added units owe
    their part by the assist deadline (a new one when none was running)."""
    pl = c.payload
    added = [u for u in dict.fromkeys(pl.assist_units) if u != t.lead_unit and u not in t.assist_units]
    t.assist_units = [*t.assist_units, *added]
    if added and t.limit is not None:  # the added units owe their part from now, never already late
        fresh = lc.policy.deadlines(c.now, t.limit, t.category).assist_by
        if fresh is not None and (t.deadlines.assist_by is None or t.deadlines.assist_by < fresh):
            t.deadlines.assist_by = fresh
            deadlines_moved(t)
    if pl.hand_down_to:
        t.handling_unit = pl.hand_down_to
    _answered(t, c, pl.note)
    return {"added": added, "hand_down_to": pl.hand_down_to, "note": pl.note}


def _answer_referral(lc: Lifecycle, t: Ticket, c: Ctx[AnswerReferral]) -> dict[str, Any]:
    _answered(t, c, c.payload.note)
    return {"note": c.payload.note}


def _part_of(t: Ticket, unit: str) -> str:
    if unit == t.lead_unit:
        return "lead"
    return "handling" if unit == t.handling_unit else "assist"


def _report(lc: Lifecycle, t: Ticket, c: Ctx[ReportProgress]) -> dict[str, Any]:
    part = _part_of(t, c.actor.id)
    t.progress.append(StageReport(at=c.now, by=c.actor.id, part=part, text=c.payload.text, public=c.payload.public))
    return {"part": part, "public": c.payload.public, "text": c.payload.text}


def place_known(lc: Lifecycle, c: Ctx[RaiseRisk]) -> None:
    """A risk's place is the city's own (GET /catalog); none means the order's place."""
    check_codes(lc.config, district=c.payload.location.district, street=c.payload.location.street)


def _raise_risk(lc: Lifecycle, t: Ticket, c: Ctx[RaiseRisk]) -> dict[str, Any]:
    where = c.payload.location if c.payload.location.district else t.location
    t.risks.append(Risk(at=c.now, by=c.actor.id, text=c.payload.text, location=where))
    return {"text": c.payload.text, "district": where.district, "street": where.street}


def not_handling_already(lc: Lifecycle, c: Ctx[HandDown]) -> None:
    if c.ticket.handling_unit == c.payload.to_unit:
        raise IllegalTransition(
            "already_handling", f"{lc.unit_name(c.payload.to_unit)}已是该工单的经办单位", "already the handling unit"
        )


ACTIONS = (
    Action(
        A.hand_down,
        HandDown,
        (
            row(
                AT_WORK,
                None,
                {R.unit},
                party="lead",
                guards=(feature("hand_down"), below_the_lead, not_handling_already),
            ),
        ),
        _hand_down,
        units={
            None: (
                ToUnits(
                    "handed_down",
                    to.handling,
                    "经办工单 {id}",
                    "{lead}交由贵单位具体办理（经办），请按主办单位时限办理并报告进展：{note}",
                ),
                ToUnits("handed_down", to.lead, "已交办 {id}", "工单已交由{handling}经办，贵单位仍对办理结果负责"),
            )
        },
    ),
    Action(
        A.refer_up,
        ReferUp,
        (row(AT_WORK, None, {R.unit}, party="lead", guards=(referral_target,)),),
        _refer_up,
        units={
            None: ToUnits(
                "referred",
                to.referred,
                "提请协调 {id}",
                "{lead}提请贵单位协调办理：{reason}。可在工作台“协调办理”中增加协办单位或交下级经办，或“答复协调请求”",
            )
        },
    ),
    Action(
        A.coordinate,
        Coordinate,
        (row(AT_WORK, None, {R.unit}, party="referred", guards=(coordination_valid,)),),
        _coordinate,
        units={
            None: ToUnits("coordinated", to.coordinated, "协调意见 {id}", "{coordinator}已协调：{note}"),
        },
    ),
    Action(
        A.answer_referral,
        AnswerReferral,
        (row(AT_WORK, None, {R.unit}, party="referred"),),
        _answer_referral,
        units={None: ToUnits("referral_answered", to.lead, "协调答复 {id}", "{coordinator}答复：{note}")},
    ),
    Action(
        A.raise_risk,
        RaiseRisk,
        (row(OPEN_PARTS | {S.rehandling}, None, {R.unit}, party="worker", guards=(place_known,)),),
        _raise_risk,
        center={None: ToCenter("risk", "supervisor", "风险隐患 {id}", "{actor}报告风险隐患：{text}")},
    ),
    Action(
        A.report_progress,
        ReportProgress,
        (row(OPEN_PARTS - {S.dispatched} | {S.rehandling}, None, {R.unit}, party="worker"),),
        _report,
        units={None: ToUnits("progress", to.lead_unless_actor, "进展报告 {id}", "{actor}报告办理进展：{note}")},
    ),
)
