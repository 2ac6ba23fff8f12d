"""Open311 GeoReport v2 through the real intake handler on moto (R-O311-1), written from the
standard's text (wiki.open311.org/GeoReport_v2) and FixMyStreet's extensions: the paths and
their `.xml`/`.json`, the documents' shapes, the errors, and that it is the same lifecycle."""

from __future__ import annotations

import json
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import boto3
import pytest

from hotline.adapters import runtime
from hotline.dal.models import TicketItem
from tests.conftest import cst
from tests.integration.apigw import CHANNEL_KEYS, call, staff

PHONE, SURNAME, GIVEN = "13912345678", "王", "小明"
WORDS = "我家楼下井盖丢了一个月，我叫王小明，电话13912345678"
ADDRESS = "和平路88号3单元"
V2 = "/open311/v2"


def key(channel: str = "open311") -> str:
    return boto3.client("apigateway").get_api_key(apiKey=CHANNEL_KEYS[channel], includeValue=True)["value"]


def get(path: str, **query: str) -> tuple[int, str, str]:
    status, out = call("GET", f"{V2}/{path}", query=query or None, channel=None, raw=True)
    headers = out.get("headers") or {k: v[0] for k, v in out.get("multiValueHeaders", {}).items()}
    return status, headers["Content-Type"], out["body"]


def get_json(path: str, **query: str) -> tuple[int, object]:
    status, _, body = get(path, **query)
    return status, json.loads(body)


def post(form: dict[str, str], fmt: str = "json", headers: dict[str, str] | None = None) -> tuple[int, str]:
    _, out = call(
        "POST", f"{V2}/requests.{fmt}", urlencode(form),
        headers={"content-type": "application/x-www-form-urlencoded; charset=utf-8", **(headers or {})},
        channel=None, raw=True,
    )  # fmt: skip
    return out["statusCode"], out["body"]


def form(svc, **over: str) -> dict[str, str]:
    district = svc.config.districts[0]
    return {
        "api_key": key(),
        "service_code": "urban_management",
        "attribute[type]": "help",
        "attribute[street]": district.streets[0].code,
        "lat": "39.123456",
        "long": "117.654321",
        "address_string": ADDRESS,
        "description": WORDS,
        "first_name": GIVEN,
        "last_name": SURNAME,
        "phone": PHONE,
        "email": "wang@example.com",
    } | over


def filed(svc, **over: str) -> dict[str, str]:
    status, body = post(form(svc, **over))
    assert status == 200, body
    (one,) = json.loads(body)
    return one


def orders() -> list[TicketItem]:
    return [i for i in TicketItem.scan() if i.pk.startswith("TICKET#") and i.sk == "META"]  # test-only


def test_services_are_the_citys_categories_with_their_group_in_both_formats(city):
    svc = city("tianjin")
    status, kind, body = get("services.json")
    assert status == 200 and kind.startswith("application/json")
    services = json.loads(body)
    assert [s["service_code"] for s in services] == [c.code for c in svc.config.categories]
    assert {s["type"] for s in services} == {"realtime"} and all(s["metadata"] is True for s in services)
    assert {s["service_code"]: s["group"] for s in services}["water"] == "公用事业"
    status, kind, body = get("services.xml")
    assert status == 200 and kind.startswith("text/xml") and body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(body.split("\n", 1)[1])
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    assert root.find("service/metadata").text == "true" and root.find("service/service_name").text == "供水"


def test_a_service_definition_asks_the_type_the_district_the_street_and_confidentiality(city):
    svc = city("tianjin")
    status, definition = get_json("services/roads.json")
    assert status == 200 and isinstance(definition, dict) and definition["service_code"] == "roads"
    attrs = {a["code"]: a for a in definition["attributes"]}
    assert list(attrs) == ["type", "district", "street", "confidential"]
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3, 4]  # unique, from 1
    assert attrs["type"]["required"] is True and attrs["street"]["required"] is False
    assert {a["datatype"] for a in attrs.values()} == {"singlevaluelist"}
    assert {v["key"] for v in attrs["type"]["values"]} == {"consultation", "help", "complaint", "report", "suggestion",
                                                           "other"}  # fmt: skip
    streets = sum(len(d.streets) for d in svc.config.districts)
    assert len(attrs["street"]["values"]) == streets
    _, _, body = get("services/roads.xml")
    root = ET.fromstring(body.split("\n", 1)[1])
    assert root.tag == "service_definition"
    assert [a.find("code").text for a in root.findall("attributes/attribute")] == list(attrs)
    assert root.find("attributes/attribute/values/value/key") is not None


def test_an_unknown_service_or_resource_is_404_in_the_errors_document_of_the_asked_format(city):
    city("tianjin")
    status, errors = get_json("services/nosuch.json")
    assert status == 404 and errors[0]["code"] == 404 and "nosuch" in errors[0]["description"]
    status, kind, body = get("services/nosuch.xml")
    root = ET.fromstring(body.split("\n", 1)[1])
    assert status == 404 and kind.startswith("text/xml") and root.tag == "errors"
    assert root.find("error/code").text == "404" and root.find("error/description").text
    assert get("nothing.json")[0] == 404 and get("requests/x.yaml")[0] == 404
    assert get_json("requests/20260101-NOSUCH-1.json")[0] == 404


def test_jurisdiction_id_is_the_city_slug_and_an_empty_one_is_as_if_absent(city):
    city("tianjin")
    assert get("services.json", jurisdiction_id="tianjin")[0] == 200
    assert get("services.json", jurisdiction_id="")[0] == 200
    status, errors = get_json("services.json", jurisdiction_id="beijing")
    assert status == 404 and errors[0]["code"] == 404


def test_discovery_names_the_specification_and_both_formats(city):
    city("tianjin")
    status, doc = get_json("discovery.json")
    assert status == 200 and isinstance(doc, dict)
    (endpoint,) = doc["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["formats"] == ["text/xml", "application/json"] and endpoint["url"].endswith("/open311/v2")
    root = ET.fromstring(get("discovery.xml")[2].split("\n", 1)[1])
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_posting_without_the_open311_key_is_403_and_writes_nothing(city):
    svc = city("tianjin")
    for api_key in (None, "", "not-a-key", key("phone")):  # another channel's key is not Open311's
        f = form(svc)
        f.pop("api_key")
        if api_key is not None:
            f["api_key"] = api_key
        status, body = post(f)
        assert status == 403 and json.loads(body)[0]["code"] == 403
    assert orders() == []


@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"service_code": ""}, "service_code"),
        ({"service_code": "nosuch"}, "nosuch"),
        ({"description": ""}, "description"),
        ({"attribute[type]": ""}, "type"),
        ({"attribute[type]": "rant"}, "type"),
        ({"attribute[street]": "nowhere"}, "street"),
        ({"attribute[colour]": "red"}, "colour"),
        ({"lat": "abc"}, "lat"),
        ({"long": ""}, "lat and long"),
        ({"phone": "12345"}, "phone"),
        ({"media_url": "javascript:alert(1)"}, "media_url"),
    ],
)
def test_a_form_the_hotline_cannot_file_is_400_or_404_naming_what_is_wrong_and_writes_nothing(city, change, word):
    svc = city("tianjin")
    status, body = post(form(svc, **change))
    errors = json.loads(body)
    assert status == (404 if change.get("service_code") == "nosuch" else 400), body
    assert word in errors[0]["description"]
    assert orders() == []


def test_a_form_with_a_field_twice_is_400_and_one_whose_key_cannot_be_read_is_403(city):
    """The key is judged first: without a readable one, nothing else of the form is (403)."""
    svc = city("tianjin")
    twice = urlencode(form(svc)) + "&description=" + "again"
    _, out = call("POST", f"{V2}/requests.json", twice, channel=None, raw=True)
    assert out["statusCode"] == 400 and "description" in json.loads(out["body"])[0]["description"]
    keyless = urlencode({k: v for k, v in form(svc).items() if k != "api_key"}) + "&description=again"
    assert call("POST", f"{V2}/requests.json", keyless, channel=None, raw=True)[1]["statusCode"] == 403
    latin = urlencode(form(svc), encoding="gbk")
    assert call("POST", f"{V2}/requests.json", latin, channel=None, raw=True)[1]["statusCode"] == 403
    assert orders() == []


def test_fixmystreets_photos_come_as_several_media_urls_and_all_reach_the_unit(city):
    svc = city("tianjin")
    body = urlencode(form(svc)) + "&media_url=https://x.example/1.jpg&media_url=https://x.example/2.jpg"
    _, out = call("POST", f"{V2}/requests.json", body, channel=None, raw=True)
    assert out["statusCode"] == 200, out["body"]
    tid = json.loads(out["body"])[0]["service_request_id"]
    content = call("GET", f"/tickets/{tid}", claims=staff("dispatcher"))[1]["content"]
    assert "https://x.example/1.jpg" in content and "https://x.example/2.jpg" in content


def test_an_address_id_alone_is_no_location(city):
    svc = city("tianjin")
    f = {k: v for k, v in form(svc).items() if k not in ("lat", "long", "address_string", "attribute[street]")}
    status, body = post(f | {"address_id": "545483"})
    assert status == 400 and "地点" in json.loads(body)[0]["description"] and orders() == []


def test_odd_values_are_400_never_a_crash(city):
    city("tianjin")
    for query in ({"page": "²"}, {"page_size": "１０"}, {"start_date": "0001-01-01T00:00:00+08:00"},
                  {"end_date": "9999-12-31T23:59:59-08:00"}, {"page": "20", "page_size": "1000"}):  # fmt: skip
        assert get_json("requests.json", **query)[0] == 400, query
        if "page_size" not in query or query.get("page") != "20":
            assert get_json("servicerequestupdates.json", **query)[0] == 400, query
    assert get_json("requests/" + "9" * 3000 + ".json")[0] == 404
    assert get_json("tokens/" + "x" * 3000 + ".json")[0] == 404
    status, _kind, body = get("services.xml", jurisdiction_id="x\x01y")
    assert status == 404 and ET.fromstring(body.split("\n", 1)[1]).tag == "errors"  # still parses


def test_a_non_ascii_api_key_is_403(city):
    svc = city("tianjin")
    assert post(form(svc, api_key="密钥"))[0] == 403


def test_a_retry_without_an_idempotency_key_files_once_and_is_no_repeat_of_the_citizen(city):
    svc = city("tianjin")
    first, again = post(form(svc)), post(form(svc))
    assert first == again and first[0] == 200 and len(orders()) == 1


def test_a_filing_is_an_order_of_the_same_lifecycle_and_its_request_reads_as_the_standard_says(city):
    """Routed, deadlined and sent to the unit like any channel's; GET requests/{id} is an array of
    one with `expected_datetime` the legal reply deadline and the lead unit as agency."""
    svc = city("tianjin")
    one = filed(svc)
    assert set(one) == {"service_request_id", "service_notice"}
    tid = one["service_request_id"]
    ticket = call("GET", f"/tickets/{tid}", claims=staff("dispatcher"))[1]
    assert ticket["channel"] == "open311" and ticket["status"] == "dispatched" and ticket["lead_unit"]
    assert ticket["type"] == "help" and ticket["category"] == "urban_management"
    assert ticket["location"]["district"] == svc.config.districts[0].code
    request_id = tid.rsplit("-", 1)[0]
    assert request_id in one["service_notice"] and "查询码" in one["service_notice"]
    status, reqs = get_json(f"requests/{tid}.json")
    assert status == 200 and isinstance(reqs, list) and len(reqs) == 1
    (r,) = reqs
    units = {u.id: u.name for u in svc.config.units}
    assert (r["service_request_id"], r["status"], r["service_code"]) == (tid, "open", "urban_management")
    assert r["agency_responsible"] == units[ticket["lead_unit"]]
    assert r["requested_datetime"].endswith("+08:00") and r["expected_datetime"].endswith("+08:00")
    from datetime import datetime

    assert datetime.fromisoformat(r["expected_datetime"]) == datetime.fromisoformat(ticket["deadlines"]["reply_by"])
    assert (r["lat"], r["long"]) == (39.123, 117.654)  # a street, never a door
    root = ET.fromstring(get(f"requests/{tid}.xml")[2].split("\n", 1)[1])
    assert root.tag == "service_requests" and root.find("request/service_request_id").text == tid
    assert root.find("request/status").text == "open"


def test_no_get_answer_carries_the_citizens_name_phone_words_or_address(city):
    svc = city("tianjin")
    tid = filed(svc)["service_request_id"]
    call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", call(
        "GET", f"/tickets/{tid}", claims=staff("dispatcher"))[1]["lead_unit"]))  # fmt: skip
    answers = [get(p)[2] for p in (f"requests/{tid}.json", f"requests/{tid}.xml", "requests.json", "requests.xml",
                                   "servicerequestupdates.json", "servicerequestupdates.xml")]  # fmt: skip
    answers.append(get("requests.json", service_request_id=tid)[2])
    for text in answers:
        assert tid in text
        for private in (PHONE, "王小明", SURNAME + GIVEN, GIVEN, "井盖丢了", ADDRESS, "wang@example.com", "39.123456"):
            assert private not in text, private


def test_a_filing_held_for_a_person_answers_with_a_token_that_later_gives_the_id(city):
    """Hohhot Art.11/22: a matter that may be no government's goes to the dispatcher, not back."""
    svc = city("hohhot")
    held = filed(svc, description="帮我算算下期双色球开什么号", **{"attribute[type]": "consultation"})
    assert "service_request_id" not in held and held["token"]
    assert get_json(f"tokens/{held['token']}.json") == (200, [{"token": held["token"]}])
    tid = f"{held['token']}-1"
    status, _ = call("POST", f"/tickets/{tid}/actions", {"action": "accept"}, claims=staff("dispatcher"))
    assert status == 200
    status, answer = get_json(f"tokens/{held['token']}.json")
    assert answer == [{"service_request_id": tid, "token": held["token"]}]
    root = ET.fromstring(get(f"tokens/{held['token']}.xml")[2].split("\n", 1)[1])
    assert root.find("request/service_request_id").text == tid
    assert get_json("tokens/20260101-NOSUCH.json")[0] == 404


def test_refused_and_transferred_filings_answer_with_the_guidance_and_read_as_closed(city):
    svc = city("tianjin")
    fire = filed(svc, description="楼下饭店后厨着火了，火很大，楼上还有人")
    assert svc.config.guidance.emergency in fire["service_notice"]
    (r,) = get_json(f"requests/{fire['service_request_id']}.json")[1]
    assert (r["status"], r["extended_status"]) == ("closed", "not_councils_responsibility")
    assert r["service_notice"] == svc.config.guidance.emergency
    refused = filed(svc, description="帮我算算下期双色球开什么号")
    assert svc.config.guidance.not_government in refused["service_notice"]
    (r,) = get_json(f"requests/{refused['service_request_id']}.json")[1]
    assert (r["status"], r["extended_status"]) == ("closed", "no_further_action")


def test_a_confidential_filing_is_never_listed_nor_readable_without_the_query_code(city):
    svc = city("tianjin")
    secret = filed(svc, **{"attribute[confidential]": "true"})["service_request_id"]
    assert get_json(f"tokens/{secret.rsplit('-', 1)[0]}.json")[0] == 404
    open_one = filed(
        svc, description="路灯不亮已经一周了", **{"attribute[street]": svc.config.districts[1].streets[0].code}
    )
    assert get_json(f"requests/{secret}.json")[0] == 404
    listed = [r["service_request_id"] for r in get_json("requests.json")[1]]
    assert listed == [open_one["service_request_id"]]
    assert get_json("requests.json", service_request_id=secret)[1] == []


def test_get_requests_filters_by_window_code_status_and_pages_newest_first(city):
    svc = city("tianjin")
    ids = []
    for day, (code, street) in enumerate([("roads", 0), ("water", 1), ("roads", 2)]):
        runtime.set_clock(cst(2026, 11, 2 + day, 10))
        text = ["小区门口道路破损坑洼不平", "小区停水两天了没有通知", "路口红绿灯坏了"][day]
        where = {"attribute[street]": svc.config.districts[0].streets[street].code}
        ids.append(filed(svc, service_code=code, description=text, **where)["service_request_id"])
    runtime.set_clock(cst(2026, 11, 10, 10))
    every = [r["service_request_id"] for r in get_json("requests.json")[1]]
    assert every == ids[::-1]  # newest first
    assert [r["service_request_id"] for r in get_json("requests.json", service_code="roads")[1]] == [ids[2], ids[0]]
    assert [r["service_request_id"] for r in get_json("requests.json", service_code="roads,water")[1]] == every
    window = {"start_date": "2026-11-03T00:00:00+08:00", "end_date": "2026-11-03T23:59:59+08:00"}
    assert [r["service_request_id"] for r in get_json("requests.json", **window)[1]] == [ids[1]]
    assert get_json("requests.json", start_date="2026-11-03T00:00:00Z", end_date="2026-11-03T23:59:59Z")[1][0][
        "service_request_id"] == ids[1]  # fmt: skip
    assert get_json("requests.json", status="closed")[1] == []
    assert len(get_json("requests.json", status="open")[1]) == 3
    assert len(get_json("requests.json", status="open,closed")[1]) == 3
    assert [r["service_request_id"] for r in get_json("requests.json", page_size="2", page="2")[1]] == [ids[0]]
    assert get_json("requests.json", service_request_id=f"{ids[0]},{ids[2]}")[1][1]["service_request_id"] == ids[2]
    assert get_json("requests.json", service_request_id=ids[0], status="closed")[1] != []  # it overrides the rest
    runtime.set_clock(cst(2027, 3, 1, 10))
    assert get_json("requests.json")[1] == []  # by default the most recent 90 days


@pytest.mark.parametrize(
    "query",
    [
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
        {"start_date": "2026-11-05T00:00:00+08:00", "end_date": "2026-11-01T00:00:00+08:00"},
        {"start_date": "2026-11-01"},  # no offset: the standard requires one
        {"start_date": "yesterday"},
        {"status": "pending"},
        {"service_code": "nosuch"},
        {"page": "0"},
        {"page_size": "5000"},
    ],
)
def test_a_bad_filter_is_400_or_404_in_the_errors_document(city, query):
    city("tianjin")
    status, errors = get_json("requests.json", **query)
    assert status == (404 if "service_code" in query else 400)
    assert errors[0]["code"] == status and errors[0]["description"]


def test_service_request_updates_tell_each_change_of_state_in_fixmystreets_words(city):
    svc = city("tianjin")
    tid = filed(svc)["service_request_id"]
    lead = call("GET", f"/tickets/{tid}", claims=staff("dispatcher"))[1]["lead_unit"]
    runtime.set_clock(cst(2026, 11, 2, 11))
    assert call("POST", f"/tickets/{tid}/actions", {"action": "sign"}, claims=staff("unit", lead))[0] == 200
    runtime.set_clock(cst(2026, 11, 2, 11, 30))
    progress = {"action": "report_progress", "text": "已安排人员现场查看", "public": True}
    assert call("POST", f"/tickets/{tid}/actions", progress, claims=staff("unit", lead))[0] == 200  # not a new state
    updates = get_json("servicerequestupdates.json")[1]
    assert [(u["service_request_id"], u["status"]) for u in updates] == [(tid, "in_progress"), (tid, "open")]
    assert updates[0]["updated_datetime"] == "2026-11-02T11:00:00+08:00"
    assert updates[0]["description"] == "办理中" and len({u["update_id"] for u in updates}) == 2
    since = {"start_date": "2026-11-02T10:30:00+08:00", "end_date": "2026-11-02T12:00:00+08:00"}
    assert [u["status"] for u in get_json("servicerequestupdates.json", **since)[1]] == ["in_progress"]
    root = ET.fromstring(get("servicerequestupdates.xml")[2].split("\n", 1)[1])
    assert root.tag == "service_request_updates" and len(root.findall("request_update")) == 2
    (r,) = get_json(f"requests/{tid}.json")[1]
    assert (r["status"], r["extended_status"]) == ("open", "in_progress")


def test_a_retried_post_with_its_idempotency_key_files_once(city):
    svc = city("tianjin")
    first = post(form(svc), headers={"Idempotency-Key": "open311-retry-0001"})
    again = post(form(svc), headers={"Idempotency-Key": "open311-retry-0001"})
    assert first == again and first[0] == 200
    assert len(orders()) == 1


def test_xml_is_the_default_and_a_json_post_answers_an_array(city):
    svc = city("tianjin")
    status, body = post(form(svc), fmt="xml")
    root = ET.fromstring(body.split("\n", 1)[1])
    assert status == 200 and root.tag == "service_requests" and root.find("request/service_request_id").text
    status, kind, _ = get("services")
    assert status == 200 and kind.startswith("text/xml")


def test_a_city_without_the_open311_channel_offers_no_open311(city, monkeypatch):
    svc = city("tianjin")
    without = svc.config.model_copy(update={"channels": [c for c in svc.config.channels if c.value != "open311"]})
    monkeypatch.setattr(svc, "config", without)
    status, errors = get_json("services.json")
    assert status == 404 and errors[0]["code"] == 404
    assert post(form(svc))[0] == 404 and orders() == []
