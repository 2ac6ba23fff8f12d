"""Open311's reading of an order (R-O311-1): pure, from the ticket alone (domain/open311.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hotline.config.loader import city_config
from hotline.domain import open311
from hotline.domain.errors import BadInput
from hotline.domain.models import FINAL, SYSTEM, Event, Location, Rating, Referral, Status, Ticket
from tests.conftest import cst
from tests.unit.factories import Desk

AT = cst(2026, 11, 2, 10)


def order(**over) -> Ticket:
    desk = Desk("tianjin")
    t = desk.file(AT, content="我叫王小明，电话13912345678，楼下井盖丢了")
    return t.model_copy(update=over)


@pytest.mark.parametrize("status", list(Status))
def test_every_status_has_one_fixmystreet_state_under_the_standards_open_or_closed(status):
    state = open311.extended_status(order(status=status))
    basic = open311.basic_status(status)
    assert basic == ("closed" if status in FINAL else "open")
    assert state in (open311.CLOSED_STATES if basic == "closed" else open311.OPEN_STATES)


def test_an_order_referred_up_is_an_internal_referral_until_the_referral_is_answered():
    referral = Referral(to="city-gov", reason="跨区争议", at=AT)
    assert open311.extended_status(order(status=Status.in_progress, referrals=[referral])) == "internal_referral"
    answered = referral.model_copy(update={"answered_at": AT})
    assert open311.extended_status(order(status=Status.in_progress, referrals=[answered])) == "in_progress"


def test_a_closed_order_the_citizen_said_was_not_resolved_is_closed_not_fixed():
    def rated(resolved):
        return Rating(resolved=resolved, satisfaction="unsatisfied", at=AT, by="req")

    assert open311.extended_status(order(status=Status.closed, rating=rated(False))) == "closed"
    assert open311.extended_status(order(status=Status.closed, rating=rated(True))) == "fixed"
    assert open311.extended_status(order(status=Status.closed, rating=rated(None))) == "fixed"  # deemed


def test_the_status_filter_expands_open_and_closed_and_refuses_what_is_neither():
    assert set(open311.states(["open"])) == set(open311.OPEN_STATES)
    assert open311.states(["closed", "fixed"]) == list(open311.CLOSED_STATES)
    assert open311.states(["duplicate"]) == ["duplicate"]
    with pytest.raises(BadInput):
        open311.states(["pending"])


def test_the_public_row_holds_no_words_no_contact_and_no_exact_place():
    place = Location(district="heping", street="xiaobailou", address="和平路88号", lat=39.123456, lon=117.654321)
    t = order(location=place, citizen_masked={"name": "王*"})
    row = open311.row(t)
    text = repr(row)
    for private in ("王小明", "13912345678", "井盖", "和平路88号", "王*", "39.123456"):
        assert private not in text
    assert (row["lat"], row["long"]) == (39.123, 117.654)


def test_a_confidential_order_is_neither_listed_nor_updated():
    t = order(confidential=True)
    assert open311.listing_key(t) is None
    event = Event(ticket_id=t.ticket_id, seq=1, at=AT, actor=SYSTEM, action="accept", from_status=Status.received,
                  to_status=t.status)  # fmt: skip
    assert open311.update(None, t, event) is None


def test_only_a_change_of_the_standards_state_is_an_update():
    desk = Desk("tianjin")
    filed = desk.file(AT)
    assert open311.update(None, filed, desk.events[-1])["extended"] == "open"  # filed: FixMyStreet hears of it
    before = desk.dispatch(AT)
    assert open311.update(filed, before, desk.events[-1]) is None  # open → open: nothing new to the standard
    signed = desk.do("sign", desk.lead, at=AT)
    assert open311.update(before, signed, desk.events[-1])["extended"] == "in_progress"


def test_the_listing_partitions_a_window_touches_newest_first_across_a_new_year():
    start, end = datetime(2026, 11, 20, tzinfo=UTC), datetime(2027, 2, 10, tzinfo=UTC)
    assert open311.months(start, end) == ["2027-02", "2027-01", "2026-12", "2026-11"]
    assert open311.months(end, end) == ["2027-02"]


def test_the_window_is_the_last_ninety_days_by_default_and_never_longer():
    now = datetime(2026, 12, 2, tzinfo=UTC)
    start, end = open311.span(None, None, now)
    assert end == now and (end - start).days == 90
    start, end = open311.span(datetime(2026, 11, 1, tzinfo=UTC), None, now)
    assert (end - start).days == 90
    with pytest.raises(BadInput):
        open311.span(datetime(2026, 1, 1, tzinfo=UTC), now, now)


def test_a_form_becomes_the_hotlines_own_filing_in_chinese_name_order_without_the_email():
    config = city_config("tianjin")
    district = config.districts[1]
    body = open311.filing_body(
        config,
        {"service_code": "roads", "description": "路灯不亮", "first_name": "小明", "last_name": "王",
         "phone": "13912345678", "email": "w@example.com", "lat": "39.1", "long": "117.2"},
        {"type": "help", "street": district.streets[0].code},
        ["https://example.com/a.jpg"],
    )  # fmt: skip
    assert body["citizen"] == {"name": "王小明", "phone": "13912345678"}
    assert "w@example.com" not in repr(body)
    assert body["location"] == {"district": district.code, "street": district.streets[0].code, "lat": 39.1,
                                "lon": 117.2}  # fmt: skip
    assert body["content"].endswith("（图片：https://example.com/a.jpg）") and body["confidential"] is False


def test_a_form_may_repeat_media_url_but_no_other_field_and_empty_is_absent():
    fields, attribute, media = open311.form_fields(
        [("media_url", "https://a/1.jpg"), ("media_url[]", "https://a/2.jpg"), ("attribute[type]", "help"),
         ("phone", "  "), ("description", "路灯")]
    )  # fmt: skip
    assert (fields, attribute, media) == (
        {"description": "路灯"},
        {"type": "help"},
        ["https://a/1.jpg", "https://a/2.jpg"],
    )
    with pytest.raises(BadInput, match="重复"):
        open311.form_fields([("description", "a"), ("description", "b")])


def test_the_public_notice_is_the_citys_own_words_never_what_a_person_typed():
    config = city_config("tianjin")
    typed = order(status=Status.not_accepted, reason="not_government", guidance="王小明先生（13912345678）您好")
    row = open311.row(typed)
    assert "王小明" not in repr(row)
    assert open311.notice(config, row) == config.guidance.not_government
    fire = open311.row(order(status=Status.transferred, reason="emergency", transferred_to="119"))
    assert open311.notice(config, fire) == config.guidance.emergency


def test_a_street_in_another_district_than_the_one_given_is_refused():
    config = city_config("tianjin")
    one, other = config.districts[0], config.districts[1]
    with pytest.raises(BadInput, match="街道不在所选区县内"):
        open311.filing_body(config, {"service_code": "roads", "description": "路灯不亮"},
                            {"type": "help", "street": one.streets[0].code, "district": other.code})  # fmt: skip


def test_every_service_is_a_category_of_the_city_in_a_group():
    config = city_config("hohhot")
    services = open311.services(config)
    assert [s["service_code"] for s in services] == [c.code for c in config.categories]
    assert all(s["group"] and s["group"] != "其他" for s in services)
