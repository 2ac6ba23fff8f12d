"""`make demo` plays an office day that works: no refused step, every order closed, clear rates (issue 15 item 14)."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
import requests

from hotline_local.demo import Refused, Script
from tests.local.conftest import spawn


def test_a_refused_scripted_step_stops_the_demo_with_the_apis_answer():
    answer = requests.Response()
    answer.status_code = 409
    answer._content = json.dumps({"error": {"code": "illegal_transition", "message": "已签收"}}).encode()
    with pytest.raises(Refused, match=r"tj-water's sign on T-1 was refused with 409 \(illegal_transition: 已签收\)"):
        Script.check(answer, 200, "tj-water's sign on T-1")


@pytest.mark.local
@pytest.mark.xdist_group("local-process")
def test_the_demo_plays_an_office_day_with_no_refusal_every_order_closed_and_clear_rates(tmp_path):
    proc = spawn(tmp_path, "--demo")
    try:
        assert proc.wait(timeout=300) == 0, (tmp_path / "run.log").read_text()[-3000:]
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    out = (tmp_path / "run.log").read_text()
    assert "refused" not in out and "stopped" not in out
    day = out[out.index("==> a day at") : out.index("==> timelines")]
    for step in ("dispatcher: dispatch", "request_return", "reviewer: decide_return", "reviewer: decide_extension",
                 "record_callback", "→ rehandling", ": satisfied → closed"):  # fmt: skip
        assert step in day, step
    orders = re.findall(r"^  (\d{8}-\w+-\d+) \[[^]]+\] [^:]+: (\w+), overdue=(\w+)", out, re.M)
    assert len(orders) >= 5 and all(status == "closed" and overdue == "False" for _, status, overdue in orders), orders
    rates = dict(re.findall(r"^  (response|resolution|satisfaction) +(\d+)% \(", out, re.M))
    assert set(rates) == {"response", "resolution", "satisfaction"}, out[-800:]
    assert int(rates["response"]) == 100  # every unit signed within its limit
    assert int(rates["resolution"]) >= 75 and int(rates["satisfaction"]) >= 75
