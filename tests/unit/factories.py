"""Build tickets the way the lifecycle does, so tests start from real states."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from hotline.config.loader import city_config
from hotline.config.schema import RequestType, Urgency
from hotline.domain.lifecycle import Lifecycle
from hotline.domain.models import SYSTEM, Actor, Location, Role, Ticket
from hotline.domain.routing import route

DISPATCHER = Actor(role=Role.dispatcher, id="d-01")
REVIEWER = Actor(role=Role.reviewer, id="r-01")
CALLBACK = Actor(role=Role.callback, id="c-01")
SUPERVISOR = Actor(role=Role.supervisor, id="s-01")
CITIZEN = Actor(role=Role.citizen, id="req-1")


def unit(unit_id: str) -> Actor:
    return Actor(role=Role.unit, id=unit_id)


class Desk:
    """A city's lifecycle plus a ticket in hand: `desk.do("sign", lead, at=...)`."""

    def __init__(self, city: str) -> None:
        self.config = city_config(city)
        self.lc = Lifecycle(self.config)
        self.events: list[Any] = []
        self.t: Ticket

    def file(
        self,
        at: datetime,
        type_: str = "help",
        category: str = "property",
        urgency: str = "normal",
        district: str | None = None,
        content: str = "小区楼道灯坏了一个月没人修",
    ) -> Ticket:
        district = district or self.config.districts[0].code
        self.t = Ticket(
            ticket_id="T-1",
            request_id="R-1",
            city=self.config.city,
            channel="phone",
            type=RequestType(type_),
            urgency=Urgency(urgency),
            category=category,
            content=content,
            location=Location(district=district),
            created_at=at,
            updated_at=at,
        )
        self.do("accept", SYSTEM, at=at)
        return self.t

    def dispatch(self, at: datetime, lead: str | None = None, assist: list[str] | None = None) -> Ticket:
        if lead is None:
            got = route(self.config, self.t.category, self.t.location.district, None)
            assert got is not None, "no route; give a lead"
            lead, assist = got.lead_unit, list(got.assist_units) if assist is None else assist
        self.do("dispatch", SYSTEM, at=at, lead_unit=lead, assist_units=assist or [])
        return self.t

    def do(self, action: str, actor: Actor, at: datetime, **body: Any) -> Ticket:
        step = self.lc.apply(self.t, action, actor, body, at)
        self.t = step.after
        self.events.append(step.event)
        return self.t

    @property
    def lead(self) -> Actor:
        assert self.t.lead_unit
        return unit(self.t.lead_unit)

    def some_units(self, n: int = 2) -> list[str]:
        return [u.id for u in self.config.units if u.kind == "department"][:n]


def dispatched(city: str = "tianjin", category: str = "water", district: str | None = None, **kw: Any) -> Desk:
    """An order filed Monday 2 Nov 2026 10:00 and dispatched five minutes later (by rule unless `lead`)."""
    from tests.conftest import cst

    desk = Desk(city)
    desk.file(cst(2026, 11, 2, 10), category=category, district=district)
    desk.dispatch(cst(2026, 11, 2, 10, 5), **kw)
    return desk


def replied(city: str) -> Desk:
    """The same order signed, every assisting part in, and replied on Tuesday 10:00."""
    from tests.conftest import cst

    desk = dispatched(city)
    desk.do("sign", desk.lead, at=cst(2026, 11, 2, 11))
    for assist in desk.t.assist_units:
        desk.do("submit_assist", unit(assist), at=cst(2026, 11, 2, 12), text="已配合")
    desk.do("reply", desk.lead, at=cst(2026, 11, 3, 10), handled_at=cst(2026, 11, 3, 9).isoformat(),
            process="现场检修更换阀门", result="已恢复供水", citizen_contacted=True)  # fmt: skip
    return desk
