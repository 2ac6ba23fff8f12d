"""Fixtures the unit tests of the use cases share."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.config.schema import Channel
from hotline.domain.filing import Filing
from tests.conftest import cst
from tests.fakes import FakeDeps


@pytest.fixture
def order() -> tuple[FakeDeps, str]:
    """A Tianjin order filed and dispatched, in memory."""
    deps = FakeDeps("tianjin", cst(2026, 11, 2, 10))
    where = {"district": deps.config.districts[0].code}
    body: dict[str, Any] = {"type": "help", "category": "property", "content": "小区楼道灯坏了一个月没人修",
                            "citizen": {"phone": "13800138000"}, "location": where}  # fmt: skip
    from hotline.app import intake

    out = intake.file(deps, intake.FileRequest(Channel.phone, body, Filing.parse(body)))
    return deps, out["tickets"][0]["ticket_id"]
