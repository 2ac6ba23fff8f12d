"""The daily rules on the emulator: the calendar check and the knowledge review (R-SLA-1, R-KB-1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.workflow.conftest import Deployed

CITY = "tianjin"
pytestmark = pytest.mark.xdist_group("workflow")
LOCAL = ZoneInfo("Asia/Shanghai")


def _next_nine(d: Deployed, after: datetime | None = None) -> datetime:
    now = after or datetime.fromisoformat(d.api.get("/_local/clock").json()["now"]).astimezone(LOCAL)
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return nine if nine > now else nine + timedelta(days=1)


def _move(d: Deployed, to: datetime) -> list[dict]:
    r = d.api.post("/_local/clock", {"to": (to + timedelta(minutes=1)).isoformat()})
    assert r.status_code == 200, r.text
    return r.json()["fired"]  # type: ignore[no-any-return]


def test_each_morning_units_hear_of_their_stale_knowledge_entries(deployed: Deployed) -> None:
    """R-KB-1 / R-TMR-3: an entry past `valid_until` no longer answers, and its unit is told daily."""
    fired = _move(deployed, _next_nine(deployed))
    [review] = [f for f in fired if f["name"].startswith("hotline-tianjin-daily-knowledge")]
    assert review.get("error") is None and review["result"]["entries"], review
    for unit in review["result"]["notified"]:
        kb = [m for m in deployed.api.outbox(unit) if m["attributes"].get("kind") == "kb_stale"]
        assert kb and "知识库条目" in kb[0]["message"] and "ticket_id" not in kb[0]["attributes"]


def _library_knows(year: int) -> bool:
    import chinese_calendar

    try:
        chinese_calendar.is_workday(datetime(year, 6, 1).date())
    except NotImplementedError:
        return False
    return True


def test_from_december_the_calendar_check_names_next_years_missing_holidays(deployed: Deployed) -> None:
    """R-SLA-1: from December 1st the morning check also asks for next year's holidays, and names
    each year the calendar lacks (the metric behind the `calendar-data-missing` alarm). Today's
    chinesecalendar has no 2027, so in December 2026 it says [2027]."""
    now = datetime.fromisoformat(deployed.api.get("/_local/clock").json()["now"]).astimezone(LOCAL)
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
    december = nine + timedelta(days=1) if nine <= now else nine  # the next morning check …
    if december.month != 12:  # … or the first one in December
        december = datetime(december.year, 12, 1, 9, tzinfo=LOCAL)
    fired = _move(deployed, december)
    [check] = [f for f in fired if f["name"].startswith("hotline-tianjin-daily-calendar") and
               f["at"].startswith(december.astimezone(ZoneInfo("UTC")).date().isoformat())]  # fmt: skip
    expected = [y for y in (december.year, december.year + 1) if not _library_knows(y)]
    assert check["result"]["missing_years"] == expected
    if december.year == 2026:
        assert expected == [2027]
