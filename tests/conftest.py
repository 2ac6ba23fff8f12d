"""Shared fixtures. Times are Asia/Shanghai unless a test says otherwise."""

from __future__ import annotations

import os
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

os.environ.setdefault("TZ", "UTC")  # moto's timestamp Wait compares in local time (DESIGN §4)
os.environ["AWS_DEFAULT_REGION"] = "ap-southeast-1"  # see docs/decisions.md: Cognito is not in cn-*
for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SECURITY_TOKEN", "AWS_SESSION_TOKEN"):
    os.environ[key] = "testing"

CST = ZoneInfo("Asia/Shanghai")
CITIES = ("hohhot", "heze", "weixi", "baoding", "tianjin")


def cst(*args: int) -> datetime:
    return datetime(*args, tzinfo=CST)  # type: ignore[misc]


@pytest.fixture(params=CITIES)
def city_name(request: pytest.FixtureRequest) -> str:
    return request.param


# The longest runs start first, so that two workers finish together (`make test` runs
# `-n 2 --dist loadgroup`, which hands scopes out in collection order): the workflow group
# (every city's stack deployed in turn), the scripted month, the browser group, the demo.
FIRST = ("tests/workflow/", "tests/integration/test_kpi_month.py", "tests/local/test_console.py",
         "tests/local/test_demo.py")  # fmt: skip


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        return next((i for i, prefix in enumerate(FIRST) if item.nodeid.startswith(prefix)), len(FIRST))

    items.sort(key=rank)  # stable: the order within each part stays the collection's
