"""Who hears of an event (R-DSP-13, R-TMR-2): the units a notice row names, from the order and
the city's unit tree. The texts are the declarations'; rendering is `domain/notices.py`'s."""

from __future__ import annotations

from hotline.config.schema import CityConfig
from hotline.domain.models import Event, Ticket


def lead(_c: CityConfig, t: Ticket, _e: Event) -> list[str]:
    return [t.lead_unit] if t.lead_unit else []


def lead_and_assist(c: CityConfig, t: Ticket, e: Event) -> list[str]:
    return lead(c, t, e) + list(t.assist_units)


def left(_c: CityConfig, _t: Ticket, e: Event) -> list[str]:
    """The units a redispatch took the order from (R-DESK-3)."""
    return [str(u) for u in e.detail.get("left") or []]


def late_parts(_c: CityConfig, t: Ticket, _e: Event) -> list[str]:
    return t.missing_parts


def late_parts_and_lead(c: CityConfig, t: Ticket, e: Event) -> list[str]:
    return late_parts(c, t, e) + lead(c, t, e)


def utility(_c: CityConfig, _t: Ticket, e: Event) -> list[str]:
    unit = e.detail.get("utility")
    return [str(unit)] if unit else []


def ladder(c: CityConfig, t: Ticket, e: Event) -> list[str]:
    """R-TMR-2: the ladder names a role; the unit tree says who holds it for this order. A rung
    with nobody higher in the tree goes to the city's supervision office, never back to the
    unit that is late (issue 15.5)."""
    rung = str(e.detail.get("notify") or "unit_head")
    units = {u.id: u for u in c.units}
    own = units.get(t.lead_unit or "")
    office = c.supervision.office
    if own is None:
        return [office] if office else []
    if rung == "unit_head":
        return [own.id]
    if rung == "parent_unit":
        higher = own.parent or office
        return [higher] if higher else []
    if rung == "district_leadership":
        district = t.location.district or own.district
        found = [u.id for u in c.units if u.kind == "district" and u.district == district and u.id != own.id]
        higher = found[0] if found else (own.parent or office)
        return [higher] if higher else []
    found = [u.id for u in c.units if u.kind == "government" and u.id != own.id]
    return found[:1] or ([office] if office else [])
