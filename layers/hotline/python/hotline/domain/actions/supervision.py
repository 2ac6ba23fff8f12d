"""Supervision (R-TMR-2/3): a supervisor lists an order at a level of the city's ladder; an
order reported again while unsolved, or by many citizens the same day, comes under supervision
by itself. A level never goes down."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from hotline.domain.actions import recipients as to
from hotline.domain.actions.declaration import Action, Ctx, ToUnits, row
from hotline.domain.actions.names import ActionName as A
from hotline.domain.actions.payload import Payload, Reason
from hotline.domain.errors import BadInput
from hotline.domain.models import OPEN, Role, Ticket

if TYPE_CHECKING:
    from hotline.domain.lifecycle import Lifecycle

R = Role


class Supervise(Payload):
    level: int = Field(ge=1, le=9)
    note: str = Reason


class NoteRepeat(Payload):
    request_id: str = Field(min_length=4)  # the repeat filing, answered as a duplicate


class NoteHotspot(Payload):
    citizens: int = Field(ge=2)  # different citizens who reported it that day


def _supervise(lc: Lifecycle, t: Ticket, c: Ctx[Supervise]) -> dict[str, Any]:
    ladder = len(lc.config.supervision.ladder)
    if c.payload.level > ladder:
        raise BadInput("unknown_level", f"督办共 {ladder} 级", f"the supervision ladder has {ladder} levels")
    t.supervision_level = max(t.supervision_level, c.payload.level)
    return {"level": c.payload.level, "note": c.payload.note}


def _note_repeat(lc: Lifecycle, t: Ticket, c: Ctx[NoteRepeat]) -> dict[str, Any]:
    t.repeat_reports += 1
    if t.repeat_reports >= lc.config.supervision.repeat_reports:
        t.supervision_level = max(t.supervision_level, 1)
    return {
        "request_id": c.payload.request_id,
        "repeat_reports": t.repeat_reports,
        "supervision_level": t.supervision_level,
    }


def _note_hotspot(lc: Lifecycle, t: Ticket, c: Ctx[NoteHotspot]) -> dict[str, Any]:
    t.supervision_level = max(t.supervision_level, 1)
    return {"citizens": c.payload.citizens, "supervision_level": t.supervision_level}


ACTIONS = (
    Action(
        A.supervise,
        Supervise,
        (row(OPEN, None, {R.supervisor}),),
        _supervise,
        units={None: ToUnits("supervised", to.lead, "督办 {id}", "被列入第 {level} 级督办：{note}")},
    ),
    Action(
        A.note_repeat,
        NoteRepeat,
        (row(OPEN, None, {R.system}),),  # R-TMR-3: reported again while unsolved
        _note_repeat,
        units={
            None: ToUnits(
                "repeat_report",
                to.lead,
                "市民再次反映 {id}",
                "市民再次反映未解决（第 {repeats} 次），督办级别 {level}，请加快办理",
            )
        },
    ),
    Action(
        A.note_hotspot,
        NoteHotspot,
        (row(OPEN, None, {R.system}),),  # R-TMR-3: many citizens report the same matter
        _note_hotspot,
        units={
            None: ToUnits(
                "hotspot",
                to.lead,
                "多人反映 {id}",
                "今日同一地点已有 {citizens} 位市民反映同类问题，已列入督办，请统筹处理",
            )
        },
    ),
)
