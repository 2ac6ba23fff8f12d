"""R-DSP-1: routing by category × location; what no rule settles waits for the dispatcher."""

from __future__ import annotations

from hotline.config.loader import city_config
from hotline.domain.routing import route


def test_every_city_routes_water_to_a_utility_or_department_by_sector(city_name):
    cfg = city_config(city_name)
    district = cfg.districts[0].code
    got = route(cfg, "water", district, None)
    assert got is not None
    kinds = {u.id: u.kind for u in cfg.units}
    assert kinds[got.lead_unit] in {"utility", "department", "government"}


def test_enforcement_and_other_wait_in_the_dispatcher_queue(city_name):
    cfg = city_config(city_name)
    district = cfg.districts[0].code
    assert route(cfg, "enforcement", district, None) is None
    assert route(cfg, "other", district, None) is None


def test_a_street_route_beats_its_district_route():
    cfg = city_config("tianjin")
    street_routes = [r for r in cfg.routing if r.street != "*"]
    assert street_routes, "tianjin ships street-level routes"
    r = street_routes[0]
    got = route(cfg, r.category, r.district, r.street)
    assert got is not None and got.lead_unit == r.lead


def test_urban_management_is_territorial_in_every_district(city_name):
    cfg = city_config(city_name)
    for d in cfg.districts:
        got = route(cfg, "urban_management", d.code, None)
        assert got is not None, f"{city_name}/{d.code} has no urban_management route"
        assert got.principle in {"territorial", "tiered", "sector"}


def test_unknown_category_is_not_guessed():
    cfg = city_config("baoding")
    assert route(cfg, None, cfg.districts[0].code, None) is None
