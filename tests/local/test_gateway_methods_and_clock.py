"""The local door's answers to what the API does not define, and the clock's bounds (issue 15 items 8, 14)."""

from __future__ import annotations

import http.client
import json
import time
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("local")]


def raw(hotline, verb: str, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """Any verb, as sent on the wire (requests would treat CONNECT as a proxy tunnel)."""
    url = urlsplit(hotline.api)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request(verb, path, headers=headers or {})
    answer = conn.getresponse()
    answer.body = answer.read()  # type: ignore[attr-defined]
    conn.close()
    return answer


@pytest.mark.parametrize("verb", ["TRACE", "CONNECT", "PROPFIND", "DELETE"])
def test_a_method_the_route_does_not_have_gets_405_in_the_contract_shape_with_allow(hotline, verb):
    """R-INT-9: never an HTML page; the route's methods in `Allow`."""
    r = raw(hotline, verb, "/requests", hotline.channel())
    assert r.status == 405
    assert r.getheader("content-type", "").startswith("application/json")
    error = json.loads(r.body)["error"]  # type: ignore[attr-defined]
    assert error["code"] == "method_not_allowed" and error["message"]
    assert r.getheader("allow") == "POST"


def test_allow_lists_every_method_of_a_route_and_of_the_local_routes(hotline):
    assert raw(hotline, "TRACE", "/tickets/x-1").getheader("allow") == "GET"
    assert raw(hotline, "PUT", "/_local/clock").getheader("allow") == "GET, POST"
    assert raw(hotline, "TRACE", "/_local/clock").status == 405


def test_an_unknown_method_on_an_unknown_path_is_405_without_allow(hotline):
    r = raw(hotline, "PROPFIND", "/nowhere")
    assert r.status == 405 and r.getheader("allow") is None
    assert json.loads(r.body)["error"]["code"] == "method_not_allowed"  # type: ignore[attr-defined]


def test_head_is_refused_like_any_method_the_deployed_api_does_not_define_without_a_body(hotline):
    """The REST API defines no HEAD (API Gateway adds none): 405 with `Allow`, and a HEAD answer has no body."""
    r = raw(hotline, "HEAD", "/catalog", hotline.channel())
    assert r.status == 405 and r.getheader("allow") == "GET"
    assert r.body == b""  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "body",
    [{"to": "9999-12-31T00:00:00+00:00"}, {"advance": "P401D"}, {"advance": "P36500D"}, {"advance": "PT10000H"}],
)
def test_the_clock_refuses_a_move_of_more_than_400_days_at_once_with_400_and_stays(hotline, body):
    """Issue 15 item 14: a move to the year 9999 spun for minutes and answered 500."""
    before = datetime.fromisoformat(hotline.get("/_local/clock").json()["now"])
    started = time.monotonic()
    r = hotline.post("/_local/clock", body)
    assert time.monotonic() - started < 5
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "bad_clock" and "400 days" in error["message"]
    after = datetime.fromisoformat(hotline.get("/_local/clock").json()["now"])
    assert after - before < timedelta(minutes=1)


def test_a_clock_time_that_is_not_a_time_is_a_400_not_a_500(hotline):
    for body in ({"to": "99999-01-01T00:00:00+00:00"}, {"to": 12}, {"advance": "P1D", "extra": 1}, [1]):
        r = hotline.post("/_local/clock", body)
        assert r.status_code == 400 and r.json()["error"]["code"] == "bad_clock", (body, r.text)
