"""The OpenAPI document a client can use, its page, and schemathesis driving the API by it
(issue 15 item 9, R-INT-9, SPEC §11)."""

from __future__ import annotations

import itertools
import re
import time
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from openapi_spec_validator import validate
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from hotline.domain.payloads import PAYLOADS
from hotline.domain.transitions import CENTER_ACTIONS, UNIT_ACTIONS
from hotline_local.openapi import OPERATIONS

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("local")]

EXAMPLES = 5  # per operation, credential, mode and seed: bounded, about a minute in all
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
_callers = itertools.count(13900139000)


@pytest.fixture(scope="module")
def doc(local_cloud) -> dict[str, Any]:
    return local_cloud.get("/_local/openapi.json").json()  # type: ignore[no-any-return]


def ref(schema: dict[str, Any]) -> str:
    return schema["$ref"].rsplit("/", 1)[1]


def test_the_document_is_valid_openapi_3_1_and_has_every_deployed_route_documented(doc):
    validate(doc)
    routes = {(verb.upper(), path) for path, ops in doc["paths"].items() for verb in ops}
    assert routes == set(OPERATIONS)
    for path, ops in doc["paths"].items():
        for verb, op in ops.items():
            assert not op.get("x-undocumented") and not op.get("x-no-function-declares-it"), (verb, path)


def test_each_operation_names_its_credential_channel_key_or_staff_token(doc):
    schemes = doc["components"]["securitySchemes"]
    assert schemes["channelKey"] == {**schemes["channelKey"], "type": "apiKey", "in": "header", "name": "x-api-key"}
    assert schemes["staffToken"]["type"] == "http" and schemes["staffToken"]["scheme"] == "bearer"
    staff = ("/tickets", "/units", "/callers", "/stats", "/queues", "/backlog", "/warnings", "/topics", "/kb/entries",
             "/kb/stats")  # fmt: skip
    for path, ops in doc["paths"].items():
        for op in ops.values():
            if path.startswith("/public/"):  # R-GOV-4: the public report has no credential
                assert "security" not in op, path
                continue
            assert op["security"] == [{"staffToken" if path.startswith(staff) else "channelKey": []}], path


def test_request_bodies_are_the_domain_models_and_actions_are_one_of_by_action(doc):
    schemas, paths = doc["components"]["schemas"], doc["paths"]
    body = ref(paths["/requests"]["post"]["requestBody"]["content"]["application/json"]["schema"])
    assert body == "Filing"
    assert {"type", "content", "citizen", "location", "matters"} <= schemas[body]["properties"].keys()
    actions = schemas[ref(paths["/tickets/{ticket_id}/actions"]["post"]["requestBody"]["content"]["application/json"]
                          ["schema"])]  # fmt: skip
    assert actions["discriminator"]["propertyName"] == "action"
    assert set(actions["discriminator"]["mapping"]) == UNIT_ACTIONS | CENTER_ACTIONS
    reply = schemas["Action_reply"]
    assert reply["properties"]["action"] == {"const": "reply"}
    assert set(reply["required"]) == {"action", *PAYLOADS["reply"].model_json_schema()["required"]}
    rating = schemas[ref(paths["/requests/{request_id}/rating"]["post"]["requestBody"]["content"]["application/json"]
                         ["schema"])]  # fmt: skip
    assert {"ticket_id", "satisfaction", "resolved"} <= set(rating["required"])
    assert schemas["Satisfaction"]["enum"] == ["satisfied", "basically_satisfied", "unsatisfied"]
    sms = schemas[ref(paths["/sms/inbound"]["post"]["requestBody"]["content"]["application/json"]["schema"])]
    assert {"message_id", "from", "text"} <= sms["properties"].keys()


def test_query_and_header_parameters_are_documented(doc):
    def params(verb: str, path: str) -> dict[str, dict[str, Any]]:
        return {p["name"]: p for p in doc["paths"][path][verb]["parameters"]}

    assert params("get", "/requests/{request_id}")["query_code"]["required"] is True
    assert params("post", "/requests/{request_id}/rating")["query_code"]["in"] == "query"
    inbox = params("get", "/units/{unit_id}/tickets")
    assert {"status", "cursor", "unit_id"} <= inbox.keys() and "tj-water" in inbox["unit_id"]["schema"]["enum"]
    assert {"unit_id", "district", "period"} <= params("get", "/stats/kpi").keys()
    assert params("get", "/kb/search")["q"]["required"] is True
    assert params("post", "/requests")["Idempotency-Key"]["in"] == "header"


def test_answers_are_typed_and_every_refusal_has_the_error_shape(doc):
    schemas = doc["components"]["schemas"]
    error = schemas["Error"]
    assert error["required"] == ["error"] and set(error["properties"]["error"]["required"]) == {"code", "message"}
    assert "detail" in error["properties"]["error"]["properties"]
    for path, ops in doc["paths"].items():
        for verb, op in ops.items():
            answers = op["responses"]
            ok = next(s for s in answers if s.startswith("2"))
            assert ref(answers[ok]["content"]["application/json"]["schema"]) in schemas, (verb, path)
            assert {"400", "401", "403", "404", "422", "503"} <= answers.keys(), (verb, path)
            for status, answer in answers.items():
                if not status.startswith("2"):
                    assert ref(answer["content"]["application/json"]["schema"]) == "Error"
    assert "409" in doc["paths"]["/tickets/{ticket_id}/actions"]["post"]["responses"]
    assert "Ticket" in schemas and "events" in schemas["Ticket"]["properties"]
    assert "citizen_key" not in schemas["Ticket"]["properties"]  # the view never shows it (R-SEC-1)


def test_the_docs_page_is_self_contained_html_listing_every_operation(hotline, doc):
    r = hotline.get("/_local/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    for path in doc["paths"]:
        assert path in page
    assert "Action_request_extension" in page and "x-api-key" in page
    assert not re.search(r"<(script|link|img|iframe)\b", page, re.I)  # nothing to fetch: no network at run time
    assert not re.search(r"""(src|href)=['"]?https?://""", page, re.I)


# -- schemathesis ---------------------------------------------------------------------------------


def seeds(hotline) -> dict[str, Any]:
    """Real ids, so that generated cases reach past 404 into the functions' code."""
    filed = hotline.file(
        type="complaint", category="water", content="和平区南京路小区停水三天了",
        location={"district": "heping"}, citizen={"name": "李四", "phone": str(next(_callers))},
    )  # fmt: skip
    order = filed["tickets"][0]
    return {
        "request_id": filed["request_id"],
        "query_code": filed["query_code"],
        "ticket_id": order["ticket_id"],
        "lead": order["lead_unit"],
    }


def credentials(hotline, op: Any, seed: dict[str, Any]) -> list[dict[str, str]]:
    security = op.definition.raw.get("security", [{}])[0]
    if "channelKey" in security:
        if op.path == "/sms/inbound":
            return [{"x-api-key": hotline.info["sms_gateway"]["api_key"]}]
        return [hotline.channel("phone")]
    return [hotline.staff("dispatcher"), hotline.unit(seed["lead"])]


def fixed(op: Any, seed: dict[str, Any]) -> list[dict[str, Any]]:
    """Each operation once with generated ids and once with the seed's."""
    names = {p["name"] for p in op.definition.raw.get("parameters", [])}
    path = {k: seed[k] for k in ("request_id", "ticket_id") if k in names}
    query = {"query_code": seed["query_code"]} if "query_code" in names else {}
    return [{}] + ([{"path_parameters": path, "query": query}] if path else [])


def fuzz(strategy: Any, headers: dict[str, str], label: str, failures: list[str]) -> int:
    """Run EXAMPLES generated cases; collect every failed check (no shrinking: each case once)."""
    calls = 0

    @settings(max_examples=EXAMPLES, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck), derandomize=True)  # fmt: skip
    @given(case=strategy)
    def run(case: Any) -> None:
        nonlocal calls
        calls += 1
        try:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)
        except FailureGroup as exc:
            sent = {"path": case.path_parameters, "query": case.query, "body": case.body}
            failures.append(f"{label}: {exc}\n  sent: {repr(sent)[:600]}")

    try:
        run()
    except Unsatisfiable:  # nothing of this mode to send: a route with no input has no invalid one
        assert calls == 0, label
        return 0
    return calls


def test_schemathesis_finds_no_server_error_and_no_undocumented_status_or_answer(hotline, doc):
    """Bounded: EXAMPLES cases per operation × credential × seed × mode. Every 5xx is a failure
    (502 is a function that crashed), so is a status or answer the document does not describe."""
    schema = schemathesis.openapi.from_dict(doc)
    schema.config.update(base_url=hotline.api)
    seed = seeds(hotline)
    failures: list[str] = []
    calls = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        op = result.ok()
        for headers in credentials(hotline, op, seed):
            for given_values in fixed(op, seed):
                for mode in (schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE):
                    label = f"{op.label} ({mode.value}{', seeded ids' if given_values else ''})"
                    calls += fuzz(op.as_strategy(generation_mode=mode, **given_values), headers, label, failures)
    elapsed = time.monotonic() - started
    assert calls >= len(OPERATIONS) * EXAMPLES
    assert not failures, f"{len(failures)} of {calls} cases failed:\n\n" + "\n".join(failures)
    assert elapsed < 110, f"{calls} cases took {elapsed:.0f} s"
