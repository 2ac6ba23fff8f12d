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
