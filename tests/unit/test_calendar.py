"""R-SLA-1 and R-SLA-4: the working-day calendar and its arithmetic."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.domain.calendar import WorkingCalendar
from tests.conftest import CST, cst


def national(**kw) -> WorkingCalendar:
    return WorkingCalendar.build("Asia/Shanghai", time(9), time(17), **kw)


# -- the four worked examples of R-SLA-4 --------------------------------------------------------
def test_sunday_makeup_day_counts_and_saturday_does_not():
    assert national().add_working_days(cst(2026, 9, 18, 15), 3) == cst(2026, 9, 22, 15)


def test_national_day_holiday_is_skipped_and_saturday_makeup_counts():
    assert national().add_working_days(cst(2026, 9, 30, 10), 3) == cst(2026, 10, 10, 10)


def test_clock_filed_on_a_holiday_starts_at_next_opening():
    assert national().add_working_days(cst(2026, 10, 1, 11), 1) == cst(2026, 10, 9, 9)


def test_year_without_data_falls_back_to_weekdays_and_raises_the_alarm():
    heard: list[int] = []
    cal = national(on_fallback=heard.append)
    assert cal.add_working_days(cst(2026, 12, 30, 10), 3) == cst(2027, 1, 4, 10)
    assert heard == [2027]


def test_city_holiday_override_covers_a_year_without_data():
    cal = national(extra_holidays=[date(2027, 1, 1)], on_fallback=lambda y: None)
    assert cal.add_working_days(cst(2026, 12, 30, 10), 3) == cst(2027, 1, 5, 10)


# -- the edges --------------------------------------------------------------------------------
def test_fallback_is_reported_once_per_year():
    heard: list[int] = []
    cal = national(on_fallback=heard.append)
    for d in range(1, 20):
        cal.is_working_day(date(2027, 3, d))
    assert heard == [2027]


def test_closing_time_itself_is_off_hours():
    assert national().add_working_days(cst(2026, 9, 18, 17), 1) == cst(2026, 9, 21, 9)


def test_before_opening_on_a_working_day_starts_the_same_morning():
    assert national().add_working_days(cst(2026, 9, 18, 7, 30), 1) == cst(2026, 9, 20, 9)


def test_city_workday_override_beats_the_statutory_weekend():
    cal = national(extra_workdays=[date(2026, 9, 19)])
    assert cal.add_working_days(cst(2026, 9, 18, 15), 1) == cst(2026, 9, 19, 15)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="offset"):
        national().add_working_days(datetime(2026, 9, 18, 15), 1)


def test_utc_input_is_read_in_the_city_timezone():
    from datetime import UTC

    utc = datetime(2026, 9, 18, 7, tzinfo=UTC)  # 15:00 in Shanghai
    assert national().add_working_days(utc, 3) == cst(2026, 9, 22, 15)


# -- properties ---------------------------------------------------------------------------------
instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 6, 30), timezones=st.just(CST))
small = st.integers(min_value=0, max_value=25)


@settings(max_examples=300, deadline=None)
@given(t=instants, n=small)
def test_deadlines_are_monotonic_in_n(t, n):
    cal = national(on_fallback=lambda y: None)
    assert cal.add_working_days(t, n) <= cal.add_working_days(t, n + 1)


@settings(max_examples=300, deadline=None)
@given(t=instants, n=st.integers(min_value=1, max_value=25))
def test_working_day_deadline_never_lands_on_a_non_working_day(t, n):
    cal = national(on_fallback=lambda y: None)
    due = cal.add_working_days(t, n)
    assert cal.is_working_day(due.date())
    assert cal.office_start <= due.time() < cal.office_end
    assert due > t


@settings(max_examples=300, deadline=None)
@given(t=instants, n=small, m=small)
def test_adding_n_then_m_equals_adding_n_plus_m(t, n, m):
    cal = national(on_fallback=lambda y: None)
    assert cal.add_working_days(cal.add_working_days(t, n), m) == cal.add_working_days(t, n + m)


@settings(max_examples=200, deadline=None)
@given(t=instants, n=st.integers(min_value=1, max_value=25))
def test_n_working_days_span_exactly_n_working_days(t, n):
    cal = national(on_fallback=lambda y: None)
    start, due = cal.clock_start(t), cal.add_working_days(t, n)
    days = (due.date() - start.date()).days
    counted = sum(cal.is_working_day(start.date() + timedelta(days=i)) for i in range(1, days + 1))
    assert counted == n


def test_the_daily_check_asks_for_next_years_holidays_from_december_and_a_city_may_enter_them():
    """R-SLA-1: chinesecalendar 1.11 has no 2027; in November nothing is missing yet, from
    December 1st 2027 is, and a city that entered the 2027 notice itself is covered."""
    plain = WorkingCalendar.build("Asia/Shanghai", time(9), time(17))
    assert plain.missing_years(date(2026, 11, 30)) == []
    assert plain.missing_years(date(2026, 12, 1)) == [2027]
    assert plain.missing_years(date(2027, 3, 1)) == [2027]
    entered = WorkingCalendar.build("Asia/Shanghai", time(9), time(17), published_years=[2027])
    assert entered.missing_years(date(2026, 12, 1)) == []
