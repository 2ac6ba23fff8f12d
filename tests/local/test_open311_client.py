"""Open311 on the local cloud, driven by the published `georeport` client from PyPI (R-O311-1):
what a civic app written against the standard, not against this product, reads — in both of
the standard's formats. The client only reads; the filing is the standard's form POST."""

from __future__ import annotations

import pytest
import requests
from georeport import GeoReport

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("local")]


def file_by_form(hotline, description: str, phone: str) -> dict:
    """POST Service Request as the standard has it: form-encoded, the key as `api_key`."""
    catalog = hotline.get("/catalog", headers=hotline.channel()).json()
    form = {
        "api_key": hotline.info["channels"]["open311"]["api_key"],
        "jurisdiction_id": catalog["city"],
        "service_code": "urban_management",
        "attribute[type]": "help",
        "attribute[street]": catalog["districts"][0]["streets"][0]["code"],
        "lat": "39.1175",
        "long": "117.2013",
        "description": description,
        "last_name": "赵",
        "first_name": "一",
        "phone": phone,
    }
    answer = requests.post(f"{hotline.api}/open311/v2/requests.json", data=form, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    return answer.json()[0]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_published_client_reads_services_a_definition_requests_and_one_request(hotline, fmt):
    phone = {"json": "13700003111", "xml": "13700003112"}[fmt]  # two citizens: the second is no duplicate
    filed = file_by_form(hotline, "人行道上的垃圾桶倒了没人扶", phone)
    client = GeoReport(f"{hotline.api}/open311/v2", jurisdiction="tianjin", output_format=fmt)
    services = client.get_service_list()
    assert {s["service_code"] for s in services} >= {"water", "urban_management", "roads"}
    assert {s["type"] for s in services} == {"realtime"}
    definition = client.get_service_definition("urban_management")
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    assert [a["code"] for a in attributes][:1] == ["type"]
    one = client.get_service_request(filed["service_request_id"])
    assert one["service_request_id"] == filed["service_request_id"] and one["status"] == "open"
    assert one["agency_responsible"] and one["expected_datetime"].endswith("+08:00")
    listed = client.get_service_requests(status="open")
    listed = listed if isinstance(listed, list) else [listed]  # xmltodict: one <request> is not a list
    assert filed["service_request_id"] in {r["service_request_id"] for r in listed}
    several = client.get_service_requests(service_request_id=filed["service_request_id"])
    several = several if isinstance(several, list) else [several]
    assert [r["service_request_id"] for r in several] == [filed["service_request_id"]]
    for text in map(str, (one, listed)):
        assert phone not in text and "垃圾桶倒了" not in text


def test_the_client_sees_a_bad_jurisdiction_as_the_standards_404(hotline):
    client = GeoReport(f"{hotline.api}/open311/v2", jurisdiction="beijing")
    with pytest.raises(requests.HTTPError) as refused:
        client.get_service_list()
    assert refused.value.response.status_code == 404
    assert refused.value.response.json()[0]["code"] == 404


def test_a_post_without_the_key_is_403_over_http(hotline):
    answer = requests.post(
        f"{hotline.api}/open311/v2/requests.xml", data={"service_code": "roads", "description": "路灯坏了"}, timeout=30
    )
    assert answer.status_code == 403 and answer.headers["content-type"].startswith("text/xml")
    assert "<errors><error><code>403</code>" in answer.text
