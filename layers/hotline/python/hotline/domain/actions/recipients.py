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


def handling(_c: CityConfig, t: Ticket, _e: Event) -> list[str]:
    return [t.handling_unit] if t.handling_unit else []


def referred(_c: CityConfig, _t: Ticket, e: Event) -> list[str]:
    """The unit a referral went to (R-UNIT-3)."""
    return [str(e.detail["to"])] if e.detail.get("to") else []


def coordinated(c: CityConfig, t: Ticket, e: Event) -> list[str]:
    """Who a coordination concerns: the lead, the units it added, the unit it handed down to."""
    return lead(c, t, e) + [str(u) for u in e.detail.get("added") or []] + handling(c, t, e)


def lead_unless_actor(c: CityConfig, t: Ticket, e: Event) -> list[str]:
    """The lead hears what another unit reports; its own report needs no notice to itself."""
    return [u for u in lead(c, t, e) if u != e.actor.id]


def late_parts(_c: CityConfig, t: Ticket, _e: Event) -> list[str]:
    return t.missing_parts


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
