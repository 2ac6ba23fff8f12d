"""The API's OpenAPI document, generated from what declares it (issue 15 item 9, SPEC §11).

- **Paths, methods and credentials** from the REST API deployed in the emulator: each method's
  `apiKeyRequired` (the `channelKey` scheme, header `x-api-key`) or Cognito authorizer (the
  `staffToken` scheme, a bearer JWT) becomes the operation's `security`.
- **That a function serves it** from the functions' own Powertools resolvers (their routes).
- **Request bodies** from the domain's pydantic models: `Filing` for `POST /requests`, a `oneOf`
  over `PAYLOADS` discriminated by `action` for `POST /tickets/{id}/actions` (the actions the API
  takes), the `Rate` payload with its `ticket_id` for the rating, the callback function's
  `Inbound` for `POST /sms/inbound`; the city's own codes (categories, districts, streets,
  units) as enums, so that a client and a fuzzer send what the city knows.
- **Query and header parameters, answers and errors** from `OPERATIONS` below, the one table of
  what each handler reads and answers; a route deployed without an entry there is listed with
  `x-undocumented: true` (tests/local/test_openapi.py fails on it).

Every error is `{"error": {"code", "message", "detail"?}}` (`Error`).
"""

from __future__ import annotations

import copy
import html
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, TypeAdapter

REF = "#/components/schemas/{model}"

SECURITY = {
    "channelKey": {
        "type": "apiKey",
        "in": "header",
        "name": "x-api-key",
        "description": "a channel's API key (one per channel and the SMS gateway; local.json `channels.<c>.api_key`)",
    },
    "staffToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT (Cognito ID token)",
        "description": "a staff member's ID token: group = role, `custom:unit_id` for units "
        "(local.json `staff.<role>.token`, `units.<id>.token`)",
    },
}

ERRORS = {
    400: "malformed: the body is not JSON, a query parameter is out of shape",
    401: "no credential, or not a valid one (`unauthenticated`)",
    403: "this credential may not do this: another channel, unit or role (R-SEC-2)",
    404: "unknown, or not yours to know of (a wrong query code answers the same)",
    409: "illegal in the order's state, against the city's rules, or someone changed it first (`stale_version`)",
    413: "the request is larger than the API accepts",
    422: "well-formed but invalid: the message says which field and why",
    429: "the channel's usage plan is exhausted; retry later",
    502: "the function failed (`upstream_error`); nothing was written, retry",
    503: "the store is throttled or down (`unavailable`); nothing was written, retry",
}
CHANNEL_ERRORS = (400, 401, 403, 404, 413, 422, 429, 502, 503)
STAFF_ERRORS = (400, 401, 403, 404, 413, 422, 502, 503)


@dataclass(frozen=True)
class Param:
    name: str
    where: str  # query | header
    schema: dict[str, Any]
    description: str
    required: bool = False


@dataclass(frozen=True)
class Op:
    """What one route reads and answers, beside what the models and the deployed API say."""

    summary: str
    answer: str  # component schema of the success answer
    status: int = 200
    body: str | None = None  # component schema of the request body
    params: tuple[Param, ...] = ()
    writes: bool = False  # may answer 409
    description: str = ""
    tags: tuple[str, ...] = field(default_factory=tuple)


QUERY_CODE = Param("query_code", "query", {"type": "string", "minLength": 1, "maxLength": 64},
                   "the code the citizen was given when filing (SMS); wrong or missing answers 404", True)  # fmt: skip

PAGES = frozenset({"/console", "/console/{proxy+}", "/public", "/public/{proxy+}"})  # HTML, not the API
# Open311 GeoReport v2 (R-O311-1): the open standard's own XML/form protocol, documented by it and
# in docs/open311.md, not in this JSON API's terms
OPEN311 = frozenset({"/open311/v2/{file}", "/open311/v2/{collection}/{file}"})
OPERATIONS: dict[tuple[str, str], Op] = {
    ("GET", "/catalog"): Op(
        "The city's catalogue: request types, categories, districts and streets, channels",
        "Catalog", description="Request bodies use these codes. Needs a channel key (`x-api-key`).", tags=("channels",),
    ),
    ("POST", "/requests"): Op(
        "File a citizen's request (R-INT-1..9)", "Filed", 201, body="Filing", writes=True, tags=("channels",),
        params=(Param("Idempotency-Key", "header", {"type": "string", "pattern": "^[A-Za-z0-9._:-]{8,128}$"},
                      "the same key and body within 24 h answer the first filing again; another body 409"),),
        description="The channel comes from the API key; `channel` in the body, if given, must agree (403).",
    ),
    ("GET", "/requests/{request_id}"): Op(
        "The citizen's view of their request: status and progress of each order, the reply when replied",
        "Progress", params=(QUERY_CODE,), tags=("channels",),
    ),
    ("POST", "/requests/{request_id}/rating"): Op(
        "The citizen rates the handling of one order (R-CB-1)", "CitizenTicket", body="RatingRequest", writes=True,
        params=(QUERY_CODE,), tags=("channels",),
    ),
    ("POST", "/requests/{request_id}/escalate"): Op(
        "The citizen says the instant answer did not help: it becomes an order, once (R-TRI-5)", "Escalated",
        body="Escalate", writes=True, params=(QUERY_CODE,), tags=("channels",),
        description="Only an `answered` request; a second escalation, or one of an order, answers 409.",
    ),
    ("GET", "/kb/search"): Op(
        "Search the knowledge base (R-KB-2)", "KbResults", tags=("channels",),
        params=(Param("q", "query", {"type": "string", "minLength": 1, "maxLength": 200}, "what to look for", True),),
    ),
    ("POST", "/attachments"): Op(
        "A pre-signed upload slot for one file of the declared type and size (R-INT-2)", "UploadSlot", 201,
        body="AttachmentRequest", tags=("channels",),
    ),
    ("POST", "/sms/inbound"): Op(
        "The city's SMS gateway posts a citizen's answer (1, 2 or 3) to the reply SMS (R-CB-1)", "SmsRating",
        body="InboundSms", writes=True, tags=("channels",),
        description="Only the SMS gateway's own API key may post (403 otherwise); a redelivered `message_id` "
        "answers the same, another text under it 409.",
    ),
    ("GET", "/callers/{caller_id}"): Op(
        "A caller's warnings and suspension (R-INT-8); dispatcher, reviewer or supervisor", "Caller", tags=("staff",),
    ),
    ("POST", "/callers/{caller_id}/reinstate"): Op(
        "A supervisor lifts a caller's suspension, with a note (R-INT-8)", "Caller", body="Reinstate", writes=True,
        tags=("staff",),
    ),
    ("GET", "/tickets/{ticket_id}"): Op(
        "One work order with its events; citizen data masked per R-SEC-1", "Ticket", tags=("staff",),
        description="A unit sees only orders it leads or assists (403 otherwise).",
    ),
    ("POST", "/tickets/{ticket_id}/actions"): Op(
        "Act on a work order: a unit's or the center's action, by `action` (SPEC §11)", "Ticket",
        body="Action", writes=True, tags=("staff",),
        description="Authorization comes first (403), then the order's state (409), then the payload (422). "
        "The answer is the order as it now is.",
    ),
    ("GET", "/units/{unit_id}/tickets"): Op(
        "A unit's inbox: every open order it has a part in, its own deadline first (R-UNIT-1)", "Inbox",
        tags=("staff",),
        params=(
            Param("role", "query", {"enum": ["lead", "assist", "handling", "referred"]},
                  "only orders where the unit has this part (主办, 协办, 经办, 协调)"),
            Param("status", "query", {"$ref": REF.format(model="Status")}, "only orders in this status"),
            Param("cursor", "query", {"type": "string", "maxLength": 2048},
                  "`next` of the page before; opaque (400 if not one this inbox gave)"),
        ),
    ),
    ("GET", "/queues"): Op(
        "The role's work queues with how many orders wait in each (R-DESK-1)", "QueueList", tags=("staff",),
        description="Center roles only (a unit: 403). Supervisors see every queue.",
    ),
    ("GET", "/queues/{name}"): Op(
        "One work queue, nearest deadline first, a page at a time (R-DESK-1)", "QueuePage", tags=("staff",),
        params=(Param("cursor", "query", {"type": "string", "maxLength": 2048},
                      "`next` of the page before; opaque (400 if not one this queue gave)"),),
        description="Another role's queue: 403; an unknown queue: 404.",
    ),
    ("GET", "/backlog"): Op(
        "The backlog ledger: approved backlog orders, nearest review date first (R-DESK-4)", "Ledger",
        tags=("staff",), params=(Param("cursor", "query", {"type": "string", "maxLength": 2048},
                                       "`next` of the page before; opaque"),),
    ),
    ("GET", "/stats/kpi"): Op(
        "The three rates (R-KPI-1) of the city, a district or a unit, for a month or a year", "KpiFigures",
        tags=("staff",),
        params=(
            Param("unit_id", "query", {"type": "string"}, "one unit (a unit's own token reads only its own)"),
            Param("district", "query", {"type": "string"}, "one district (not with unit_id)"),
            Param("period", "query", {"type": "string", "pattern": r"^\d{4}(-\d{2})?$"},
                  "YYYY-MM or YYYY; this month by default"),
        ),
    ),
    ("GET", "/stats/hotspots"): Op(
        "Where and about what people call (R-GOV-1): the most frequent districts, streets or categories, or "
        "the days of a month", "Hotspots", tags=("oversight",),
        params=(
            Param("period", "query", {"type": "string", "maxLength": 10},
                  "a day (2026-11-02), an ISO week (2026-W45) or a month (2026-11); this month by default"),
            Param("by", "query", {"enum": ["district", "street", "category", "day"]}, "category by default"),
            Param("top", "query", {"type": "string", "maxLength": 3}, "how many, 1-100 (10)"),
        ),
    ),
    ("GET", "/stats/callers"): Op(
        "High-frequency callers of a month by keyed id, never a phone (R-GOV-1)", "FrequentCallers",
        tags=("oversight",), params=(Param("period", "query", {"type": "string", "maxLength": 7}, "YYYY-MM"),),
    ),
    ("GET", "/stats/ranking"): Op(
        "Units or districts ranked by the three rates, with their counts (R-GOV-4)", "Ranking", tags=("oversight",),
        params=(Param("period", "query", {"type": "string", "maxLength": 7}, "YYYY-MM or YYYY"),
                Param("level", "query", {"enum": ["unit", "district"]}, "unit by default")),
    ),
    ("GET", "/warnings"): Op(
        "Early warnings of clusters and of risks units reported, newest first (R-GOV-2)", "Warnings",
        tags=("oversight",), params=(Param("cursor", "query", {"type": "string", "maxLength": 2048}, "opaque"),),
    ),
    ("POST", "/topics"): Op(
        "A supervisor opens a governance topic on a scope (R-GOV-3)", "Topic", body="OpenTopic", writes=True,
        tags=("oversight",),
    ),
    ("GET", "/topics"): Op(
        "Governance topics, newest first (R-GOV-3)", "Topics", tags=("oversight",),
        params=(Param("cursor", "query", {"type": "string", "maxLength": 2048}, "opaque"),),
    ),
    ("GET", "/topics/{topic_id}"): Op(
        "One topic with its progress, linked orders and, once closed, the scope's counts before and after",
        "Topic", tags=("oversight",),
    ),
    ("POST", "/topics/{topic_id}/actions"): Op(
        "report_progress {text} (lead unit or supervisor) or close {outcome} (supervisor)", "Topic",
        body="TopicAction", writes=True, tags=("oversight",),
    ),
    ("POST", "/kb/entries"): Op(
        "A unit proposes a knowledge-base entry, answering nothing until a reviewer approves it (R-KB-4)", "KbEntry",
        status=201, body="NewEntry", writes=True, tags=("knowledge",),
    ),
    ("GET", "/kb/entries"): Op(
        "KB entries: a unit its own, the center every unit's; `status=proposed` is the review queue (R-KB-4)",
        "KbEntries", tags=("knowledge",),
        params=(
            Param("unit_id", "query", {"type": "string", "maxLength": 80}, "only this unit's (a unit: its own)"),
            Param("status", "query", {"enum": ["proposed", "active", "stale", "rejected", "superseded"]},
                  "`proposed` waiting for review, `stale` past its date (the center's queue)"),
        ),
    ),
    ("GET", "/kb/entries/{entry_id}"): Op(
        "One entry with the history of its versions and decisions (R-KB-4)", "KbEntry", tags=("knowledge",),
    ),
    ("PUT", "/kb/entries/{entry_id}"): Op(
        "The owner proposes a change; the approved version answers until the change is approved (R-KB-4)",
        "KbEntry", body="EntryChange", writes=True, tags=("knowledge",),
    ),
    ("POST", "/kb/entries/{entry_id}/actions"): Op(
        "decide_kb {approve, reason} (reviewer) or supersede {by, reason} (owner or reviewer) (R-KB-4)", "KbEntry",
        body="KbAction", writes=True, tags=("knowledge",),
    ),
    ("GET", "/kb/stats"): Op(
        "A month's use of the KB per entry, and the unanswered questions clustered (R-KB-3/4)", "KbStats",
        tags=("knowledge",),
        params=(
            Param("unit_id", "query", {"type": "string", "maxLength": 80}, "only this unit's (a unit: its own)"),
            Param("period", "query", {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "YYYY-MM; by default this month"),
        ),
    ),
    ("GET", "/public/kb"): Op(
        "The public pages' KB search (R-KB-2, R-UI-2), no credential", "KbResults", tags=("public",),
        params=(Param("q", "query", {"type": "string", "minLength": 1, "maxLength": 200}, "the question", True),),
    ),
    ("GET", "/public/requests/{request_id}"): Op(
        "The citizen's progress page (R-UI-2): the query code is the credential", "Progress", tags=("public",),
        params=(QUERY_CODE,),
    ),
    ("GET", "/public/report"): Op(
        "The monthly public report (R-GOV-4): volumes, the three rates, rankings; no credential, no personal "
        "data", "PublicReport", tags=("public",),
        params=(Param("period", "query", {"type": "string", "maxLength": 7}, "YYYY-MM; this month by default"),),
    ),
}  # fmt: skip


class Resolver(Protocol):
    def get_openapi_json_schema(self, *, title: str, version: str) -> str: ...


class DeployedMethod(Protocol):
    resource: str
    verb: str
    api_key_required: bool
    authorization: str


# -- the schemas -------------------------------------------------------------------------------------


class Components:
    """components/schemas, filled from pydantic models ($defs hoisted) and hand-written shapes."""

    def __init__(self) -> None:
        self.schemas: dict[str, Any] = {}

    def add(self, name: str, schema: dict[str, Any]) -> dict[str, str]:
        defs = schema.pop("$defs", {})
        for sub, sub_schema in defs.items():
            self.add(sub, sub_schema)
        if name in self.schemas and self.schemas[name] != schema:
            raise ValueError(f"two different schemas are both called {name!r}")
        self.schemas[name] = schema
        return {"$ref": REF.format(model=name)}

    def model(self, model: type[BaseModel], name: str | None = None, mode: str = "validation") -> dict[str, str]:
        schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        return self.add(name or model.__name__, schema)


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _time() -> dict[str, Any]:
    return {"type": "string", "format": "date-time"}


def _strings() -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}}


def _object(properties: dict[str, Any], required: Iterable[str] = (), description: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"type": "object", "properties": properties, "required": sorted(required)}
    if description:
        out["description"] = description
    return out


def _city_codes(c: Components, config: Any) -> None:
    """The city's codes as enums where a body names them: what a client may send, and all it may."""
    if config is None:
        return
    categories = [x.code for x in config.categories]
    districts = [d.code for d in config.districts]
    streets = sorted({s.code for d in config.districts for s in d.streets})
    units = [u.id for u in config.units]
    schemas = c.schemas

    def enum_of(schema: dict[str, Any], values: list[str]) -> None:
        for choice in schema.get("anyOf", [schema]):
            if choice.get("type") == "string":
                choice["enum"] = values

    for name in ("Filing", "Matter"):
        if "category" in schemas.get(name, {}).get("properties", {}):
            enum_of(schemas[name]["properties"]["category"], categories)
    location = schemas.get("Location", {}).get("properties", {})
    if "district" in location:
        enum_of(location["district"], districts)
    if "street" in location and streets:
        enum_of(location["street"], streets)
    for action in ("Action_dispatch", "Action_decide_return"):
        props = schemas.get(action, {}).get("properties", {})
        for key in ("lead_unit", "redispatch_to"):
            if key in props:
                enum_of(props[key], units)
        if "assist_units" in props:
            props["assist_units"]["items"] = {"type": "string", "enum": units}


def _phone_pattern(c: Components) -> None:
    """The phone rule is a validator, not a constraint pydantic can say: say it here."""
    try:
        from hotline.domain.filing import PHONE
    except ImportError:  # renamed: the document says less, nothing breaks
        return
    phone = c.schemas.get("Citizen", {}).get("properties", {}).get("phone")
    if phone is not None:
        for choice in phone.get("anyOf", [phone]):
            if choice.get("type") == "string":
                choice["pattern"] = PHONE.pattern
                choice["description"] = "a mainland mobile (11 digits from 1) or landline (0xx-xxxxxxx), ASCII digits"


def _schemas(c: Components, modules: Mapping[str, Any], config: Any) -> None:
    from hotline.domain.filing import Filing
    from hotline.domain.models import Status, Ticket
    from hotline.domain.payloads import PAYLOADS, Rate
    from hotline.domain.transitions import CENTER_ACTIONS, UNIT_ACTIONS

    c.add(
        "Error",
        _object(
            {
                "error": _object(
                    {
                        "code": {"type": "string", "description": "stable, for programs (e.g. `invalid_input`)"},
                        "message": {"type": "string", "description": "for people (Chinese for unit staff)"},
                        "detail": {"description": "more, where there is (e.g. the English message)"},
                    },
                    ["code", "message"],
                )
            },
            ["error"],
            "SPEC §11: every refusal, by the gateway or a function",
        ),
    )
    status = c.add("Status", TypeAdapter(Status).json_schema(ref_template=REF))

    # -- channels ----------------------------------------------------------------------------------
    c.model(Filing)
    _phone_pattern(c)
    named: dict[str, Any] = {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
             "required": ["code", "name"]}  # fmt: skip
    c.add(
        "Catalog",
        _object(
            {
                "city": {"type": "string"},
                "name": {"type": "string"},
                "types": _strings(),
                "categories": {"type": "array", "items": {**named, "properties": {
                    **named["properties"], "always_on": {"type": "boolean"}}}},
                "districts": {"type": "array", "items": {**named, "properties": {
                    **named["properties"], "streets": {"type": "array", "items": named}}}},
                "channels": _strings(),
                "attachments": {"type": "object", "additionalProperties": {"type": "integer"},
                                "description": "largest upload per content type, bytes"},
                "instant_answer_min": {"type": "number", "description": "the KB's published instant-answer bar"},
                "staffed_channels": _strings(),
            },
            ["city", "types", "categories", "districts", "channels"],
        ),
    )  # fmt: skip
    deadlines2 = _object({"sign_by": _nullable(_time()), "reply_by": _nullable(_time())})
    summary = {
        "ticket_id": {"type": "string"},
        "lead_unit": _nullable({"type": "string"}),
        "assist_units": _strings(),
        "status": status,
        "deadlines": deadlines2,
    }
    c.add("OrderSummary", _object(summary, ["ticket_id", "status"]))
    c.add(
        "Filed",
        _object(
            {
                "request_id": {"type": "string"},
                "query_code": {"type": "string", "description": "the citizen's code to follow the request up"},
                "outcome": {"type": "string", "enum": ["answered", "transferred", "not_accepted", "duplicate",
                                                       "accepted"]},
                "tickets": {"type": "array", "items": {"$ref": REF.format(model="OrderSummary")}},
                "answer": {"type": "string"},
                "kb_entry": {"type": "string"},
                "reason": {"type": "string", "description": "R-INT-4 code when not accepted"},
                "guidance": {"type": "string"},
                "transferred_to": {"type": "string"},
                "duplicate_of": {"type": "string"},
                "score": {"type": "number", "description": "the KB answer's confidence (≥ the published bar)"},
                "triage": _object({"suggested": {"type": "object"}, "evidence": {"type": "array"}},
                                  description="R-TRI-2: the machine's suggestion for the dispatcher"),
                "held_for_review": {"type": "boolean", "description": "a person decides (R-TRI-2)"},
                "decided_by": {"type": "string", "description": "`call_taker` when the disposition decided"},
                "matters": {"type": "array", "description": "R-TRI-4: what happened to each matter",
                            "items": _object({"ticket_id": {"type": "string"}, "outcome": {"type": "string"}},
                                             ["ticket_id", "outcome"])},
            },
            ["request_id", "query_code", "outcome", "tickets"],
        ),
    )  # fmt: skip
    c.add("QueueList", _object({"queues": {"type": "array", "items": _object(
        {"name": {"type": "string"}, "label": {"type": "string"}, "count": {"type": "integer", "minimum": 0}},
        ["name", "count"])}}, ["queues"]))  # fmt: skip
    c.add("QueuePage", _object({"queue": {"type": "string"}, "label": {"type": "string"},
                                "tickets": {"type": "array", "items": {"type": "object"}},
                                "next": _nullable({"type": "string"})}, ["queue", "tickets", "next"]))  # fmt: skip
    c.add("Ledger", _object({"tickets": {"type": "array", "items": {"type": "object"}},
                             "next": _nullable({"type": "string"})}, ["tickets", "next"]))  # fmt: skip
    c.add("Escalated", _object({"request_id": {"type": "string"}, "outcome": {"const": "accepted"},
                                "tickets": {"type": "array", "items": {"$ref": REF.format(model="OrderSummary")}}},
                               ["request_id", "outcome", "tickets"]))  # fmt: skip
    from hotline.domain.actions.intake import Escalate

    c.model(Escalate)
    citizen_ticket = _object(
        {
            "ticket_id": {"type": "string"},
            "status": status,
            "deadlines": deadlines2,
            "lead_unit_name": _nullable({"type": "string", "description": "the lead unit by name, never an id"}),
            "assist_unit_names": _strings(),
            "progress": {
                "type": "array",
                "description": "R-UNIT-4: the units' public stage reports",
                "items": _object(
                    {"at": _time(), "unit_name": {"type": "string"}, "text": {"type": "string"}},
                    ["at", "unit_name", "text"],
                ),
            },
            "timeline": {
                "type": "array",
                "description": "filed, dispatched to …, signed, progress, replied …",
                "items": _object({"at": {"type": "string"}, "what": {"type": "string"}}, ["at", "what"]),
            },
            "category": _nullable({"type": "string"}),
            "updated_at": _time(),
            "reply": _object({"result": {"type": "string"}, "at": _time()}, ["result", "at"]),
            "guidance": {"type": "string", "description": "why a request is not an order, and where to go"},
        },
        ["ticket_id", "status", "updated_at"],
    )
    c.add("CitizenTicket", citizen_ticket)
    c.add("SmsRating", {"allOf": [{"$ref": REF.format(model="CitizenTicket")},
                                  _object({"rated_by": {"const": "sms"}}, ["rated_by"])]})  # fmt: skip
    c.add("Progress", _object({"request_id": {"type": "string"},
                               "tickets": {"type": "array", "items": {"$ref": REF.format(model="CitizenTicket")}}},
                              ["request_id", "tickets"]))  # fmt: skip
    rate = Rate.model_json_schema(ref_template=REF)
    rate["properties"] = {"ticket_id": {"type": "string", "minLength": 1, "maxLength": 80,
                                        "description": "one of this request's orders: <request_id>-<n>"},
                          **rate["properties"]}  # fmt: skip
    rate["required"] = ["ticket_id", *rate.get("required", [])]
    rate["description"] = "POST /requests/{request_id}/rating: the `rate` payload and which order"
    c.add("RatingRequest", rate)
    inbound = getattr(modules.get("callback"), "Inbound", None)
    if inbound is not None:
        c.model(inbound, "InboundSms")
    else:  # the callback function no longer has it: say what the handler needs at least
        c.add("InboundSms", _object({"message_id": {"type": "string"}, "from": {"type": "string"},
                                     "text": {"type": "string"}}, ["message_id", "from", "text"]))  # fmt: skip
    c.add("KbResults", _object({"q": {"type": "string"}, "results": {"type": "array", "items": _object({
        "id": {"type": "string"}, "question": {"type": "string"}, "answer": {"type": "string"},
        "category": _nullable({"type": "string"}), "unit": _nullable({"type": "string"}),
        "updated_at": {"type": "string"}, "score": {"type": "number"}}, ["id", "question", "answer"])}},
        ["q", "results"]))  # fmt: skip
    c.add("AttachmentRequest", _object({"content_type": {"type": "string", "description": "e.g. image/jpeg"},
                                        "size": {"type": "integer", "minimum": 1, "description": "bytes"}},
                                       ["content_type", "size"]))  # fmt: skip
    c.add("UploadSlot", _object({"attachment_id": {"type": "string"},
                                 "upload": _object({"url": {"type": "string"}, "fields": {"type": "object"}},
                                                   ["url", "fields"]),
                                 "expires_in": {"type": "integer"}}, ["attachment_id", "upload"]))  # fmt: skip

    # -- staff ------------------------------------------------------------------------------------
    ticket = Ticket.model_json_schema(ref_template=REF, mode="serialization")
    for sub, sub_schema in ticket.pop("$defs", {}).items():
        c.add(sub, sub_schema)
    private = {"citizen_key", "query_code_hash", "citizen_sealed", "citizen_masked"}
    ticket["properties"] = {k: v for k, v in ticket["properties"].items() if k not in private}
    ticket["required"] = [k for k in ticket.get("required", []) if k not in private]
    ticket["properties"].update(
        deadlines=_object({k: _nullable(_time()) for k in ("sign_by", "return_by", "reply_by", "assist_by",
                                                            "callback_by", "dispatch_by")}),
        extensions_used=_nullable({"type": "integer"}),
        events={"type": "array", "items": _object({"at": _time(), "actor": {"type": "string"},
                                                   "action": {"type": "string"}, "from": {"type": "string"},
                                                   "to": {"type": "string"}, "detail": {}},
                                                  ["at", "actor", "action"])},
        citizen={"type": "object", "additionalProperties": {"type": "string"},
                 "description": "name and phone; masked for units when confidential (R-SEC-1)"},
        caller_id=_nullable({"type": "string"}),
    )  # fmt: skip
    ticket["description"] = "A work order as staff see it (SPEC §11 GET /tickets/{id})"
    ticket.pop("additionalProperties", None)
    c.add("Ticket", ticket)
    c.add("Inbox", _object({"unit_id": {"type": "string"},
                            "role": _nullable({"enum": ["lead", "assist", "handling", "referred"]}),
                            "tickets": {"type": "array", "items": _object({
                                "ticket_id": {"type": "string"}, "status": status,
                                "part": {"enum": ["lead", "assist", "handling", "referred"]},
                                "parts": _strings(), "due": _time(),
                                "due_deadline": {"type": "string", "description": "which deadline `due` is"}},
                                ["ticket_id", "status", "part", "due"])},
                            "next": _nullable({"type": "string"})}, ["unit_id", "tickets"]))  # fmt: skip
    c.add("Reinstate", _object({"note": {"type": "string", "minLength": 2, "maxLength": 2000}}, ["note"]))
    c.add("Caller", _object({"caller_id": {"type": "string"}, "strikes": {"type": "array", "items": _time()},
                             "suspended_until": _nullable(_time()), "history": {"type": "array"},
                             "suspended": {"type": "boolean"}}, ["caller_id", "suspended"]))  # fmt: skip
    rates = {k: _nullable({"type": "number", "minimum": 0, "maximum": 1})
             for k in ("response_rate", "resolution_rate", "satisfaction_rate")}  # fmt: skip
    from hotline.app.governance import OpenTopic, TopicAction

    c.model(OpenTopic)
    c.model(TopicAction)
    from hotline.app.knowledge import EntryChange, KbAction, NewEntry

    for model in (NewEntry, EntryChange, KbAction):
        c.model(model)
    c.add("KbEntry", _object({"entry_id": {"type": "string"}, "unit": {"type": "string"},
                              "status": {"enum": ["proposed", "active", "rejected", "superseded"]},
                              "current": _nullable({"type": "object"}), "proposal": _nullable({"type": "object"}),
                              "answers": {"type": "boolean"}, "stale": {"type": "boolean"},
                              "history": {"type": "array", "items": {"type": "object"}}},
                             ["entry_id", "unit", "status", "answers", "stale"]))  # fmt: skip
    c.add("KbEntries", _object({"entries": {"type": "array", "items": {"$ref": REF.format(model="KbEntry")}}},
                               ["entries"]))  # fmt: skip
    c.add("KbStats", _object({"period": {"type": "string"}, "unit_id": _nullable({"type": "string"}),
                              "hits": {"type": "integer"}, "unhelpful": {"type": "integer"},
                              "unanswered": {"type": "integer"}, "entries": {"type": "array"},
                              "unanswered_questions": {"type": "array"}},
                             ["period", "hits", "unhelpful", "unanswered", "entries",
                              "unanswered_questions"]))  # fmt: skip
    c.add(
        "Hotspots",
        _object(
            {
                "period": {"type": "string"},
                "by": {"type": "string"},
                "rows": {
                    "type": "array",
                    "items": _object(
                        {"key": {"type": "string"}, "name": {"type": "string"}, "requests": {"type": "integer"}},
                        ["key", "requests"],
                    ),
                },
            },
            ["period", "by", "rows"],
        ),
    )
    c.add(
        "FrequentCallers",
        _object(
            {
                "period": {"type": "string"},
                "min_requests": {"type": "integer"},
                "callers": {
                    "type": "array",
                    "items": _object({"caller_id": {"type": "string"}, "requests": {"type": "integer"}}, ["caller_id"]),
                },
            },
            ["period", "callers"],
        ),
    )
    c.add(
        "Ranking",
        _object(
            {
                "period": {"type": "string"},
                "level": {"type": "string"},
                "rows": {"type": "array", "items": {"type": "object"}},
            },
            ["period", "level", "rows"],
        ),
    )
    c.add(
        "Warnings",
        _object(
            {"warnings": {"type": "array", "items": {"type": "object"}}, "next": _nullable({"type": "string"})},
            ["warnings"],
        ),
    )
    c.add(
        "Topics",
        _object(
            {"topics": {"type": "array", "items": {"type": "object"}}, "next": _nullable({"type": "string"})},
            ["topics"],
        ),
    )
    c.add(
        "Topic",
        _object(
            {
                "topic_id": {"type": "string"},
                "title": {"type": "string"},
                "status": {"enum": ["open", "closed"]},
                "orders": _strings(),
            },
            ["topic_id", "status", "orders"],
        ),
    )
    c.add(
        "PublicReport",
        _object(
            {
                "city": {"type": "string"},
                "period": {"type": "string"},
                "requests": {"type": "integer"},
                "by_category": {"type": "array"},
                "by_district": {"type": "array"},
                "rates": {"type": "object"},
                "ranking": {"type": "object"},
            },
            ["city", "period", "rates", "ranking"],
        ),
    )
    c.add("KpiFigures", _object({"period": {"type": "string"}, "scope": {"type": "string"},
                                 "id": _nullable({"type": "string"}), "name": {"type": "string"},
                                 "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                                 **rates}, ["period", "scope", "counts"]))  # fmt: skip

    # The actions: one schema per action the API takes, its payload plus `action`, discriminated by it.
    api_actions = sorted(getattr(modules.get("dispatch"), "API_ACTIONS", None) or (UNIT_ACTIONS | CENTER_ACTIONS))
    mapping = {}
    for action in api_actions:
        model = PAYLOADS[action]
        schema = model.model_json_schema(ref_template=REF)
        for sub, sub_schema in schema.pop("$defs", {}).items():
            c.add(sub, sub_schema)
        schema["properties"] = {"action": {"const": action}, **schema.get("properties", {})}
        schema["required"] = ["action", *schema.get("required", [])]
        schema["title"] = action
        who = [w for w, names in (("unit", UNIT_ACTIONS), ("center", CENTER_ACTIONS)) if action in names]
        schema["description"] = f"{' or '.join(who)} action `{action}`" + (
            f": {model.__doc__.strip()}" if model.__doc__ and model.__doc__ != BaseModel.__doc__ else ""
        )
        name = f"Action_{action}"
        c.add(name, schema)
        mapping[action] = REF.format(model=name)
    c.add("Action", {"oneOf": [{"$ref": r} for r in mapping.values()],
                     "discriminator": {"propertyName": "action", "mapping": mapping}})  # fmt: skip
    _city_codes(c, config)


# -- the document ------------------------------------------------------------------------------------


def _declared(apps: Iterable[Resolver]) -> dict[tuple[str, str], dict[str, Any]]:
    """What the functions' resolvers declare: (METHOD, /path/{param}) → their own operation."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for app in apps:
        part = json.loads(app.get_openapi_json_schema(title="part", version="1"))
        for path, operations in part.get("paths", {}).items():
            for verb, op in operations.items():
                found[(verb.upper(), path)] = op
    return found


def _operation(
    verb: str, path: str, method: DeployedMethod, op: Op | None, declared: dict[str, Any] | None
) -> dict[str, Any]:
    channel = method.api_key_required
    scheme = "channelKey" if channel else "staffToken" if method.authorization == "COGNITO_USER_POOLS" else None
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1, "maxLength": 80}}
        for name in _path_params(path)
    ]
    out: dict[str, Any] = {"operationId": _operation_id(verb, path), "parameters": params}
    if scheme:
        out["security"] = [{scheme: []}]
    if op is None:
        out.update(summary=f"{verb} {path}", **{"x-undocumented": True})
        out["responses"] = {"200": {"description": "answer", "content": {"application/json": {"schema": {}}}}}
        if declared is None:
            out["x-no-function-declares-it"] = True
        return out
    out["summary"] = op.summary
    if op.description:
        out["description"] = op.description
    if op.tags:
        out["tags"] = list(op.tags)
    params.extend(
        {"name": p.name, "in": p.where, "required": p.required, "schema": p.schema, "description": p.description}
        for p in op.params
    )
    if op.body:
        out["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=op.body)}}},
        }
    responses = {
        str(op.status): {"description": "done", "content": {"application/json": {"schema": {"$ref": REF.format(
            model=op.answer)}}}},
    }  # fmt: skip
    errors = set(CHANNEL_ERRORS if channel else STAFF_ERRORS) | ({409} if op.writes else set())
    for status in sorted(errors):
        responses[str(status)] = {
            "description": ERRORS[status],
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
        }
    out["responses"] = responses
    if declared is None:
        out["x-no-function-declares-it"] = True
    return out


def _path_params(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def _operation_id(verb: str, path: str) -> str:
    words = [p.strip("{}") for p in path.strip("/").split("/")]
    return "_".join([verb.lower(), *words]).replace("-", "_")


def _parameter_codes(doc: dict[str, Any], config: Any) -> None:
    """Path and query parameters that name one of the city's units or districts say which."""
    if config is None:
        return
    units = [u.id for u in config.units]
    districts = [d.code for d in config.districts]
    for operations in doc["paths"].values():
        for op in operations.values():
            for p in op.get("parameters", []):
                if p["name"] == "unit_id":
                    p["schema"] = {"type": "string", "enum": units}
                elif p["name"] == "district":
                    p["schema"] = {"type": "string", "enum": districts}


def document(
    city: str,
    api: str,
    methods: Iterable[DeployedMethod],
    apps: Iterable[Resolver] = (),
    modules: Mapping[str, Any] | None = None,
    config: Any = None,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of a city's deployed API. `modules` are the API functions' handler
    modules by function name (`intake`, `dispatch`, `callback`, `stats`), `config` the CityConfig."""
    c = Components()
    _schemas(c, modules or {}, config)
    declared = _declared(apps)
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": f"12345 hotline API ({city})",
            "version": "1",
            "description": (
                "SPEC §11. Channels send `x-api-key`; staff send `Authorization: Bearer <JWT>`. Every refusal is "
                '`{"error": {"code", "message"}}`; a method a path does not have answers 405 with `Allow`. '
                "The local cloud's own routes (`/_local/clock`, `/_local/outbox`, this document, `/_local/docs`) "
                "are not part of the deployed API and not listed, nor are the HTML pages at `/console/` and "
                "`/public/` (R-UI-1/2), which call the routes listed here, nor Open311 GeoReport v2 at "
                "`/open311/v2/` (R-O311-1), which is the open standard's own protocol (docs/open311.md)."
            ),
        },
        "servers": [{"url": api}],
        "tags": [{"name": "channels", "description": "the phone system, portal, app, WeChat, 110 and the SMS "
                  "gateway, each with its API key"},
                 {"name": "staff", "description": "the center's roles and the units, with a staff token"}],
        "paths": {},
        "components": {"schemas": c.schemas, "securitySchemes": copy.deepcopy(SECURITY)},
    }  # fmt: skip
    for m in sorted(methods, key=lambda m: (m.resource, m.verb)):
        if m.verb == "OPTIONS" or m.resource in PAGES | OPEN311:
            continue
        key = (m.verb, m.resource)
        doc["paths"].setdefault(m.resource, {})[m.verb.lower()] = _operation(
            m.verb, m.resource, m, OPERATIONS.get(key), declared.get(key)
        )
    _parameter_codes(doc, config)
    return doc


# -- the page -------------------------------------------------------------------------------------------


def page(doc: dict[str, Any]) -> str:
    """The document as one self-contained HTML page: no script, no stylesheet or font to fetch
    (the local cloud runs without a network), readable in any browser and in a terminal's w3m."""
    schemas = doc["components"]["schemas"]
    e = html.escape
    out = [
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>",
        f"<title>{e(doc['info']['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(doc['info']['title'])}</h1><p>{_md(doc['info']['description'])}</p>",
        f"<p>Server: <code>{e(doc['servers'][0]['url'])}</code> · <a href='/_local/openapi.json'>openapi.json</a></p>",
        "<h2>Credentials</h2><table><tr><th>scheme</th><th>how</th><th></th></tr>",
    ]
    for name, s in doc["components"]["securitySchemes"].items():
        how = f"header <code>{e(s['name'])}</code>" if s["type"] == "apiKey" else "<code>Authorization: Bearer …</code>"
        out.append(f"<tr><td id='sec-{e(name)}'><b>{e(name)}</b></td><td>{how}</td><td>{e(s['description'])}</td></tr>")
    out.append("</table><h2>Operations</h2><ul class='toc'>")
    ops = [(path, verb, op) for path, operations in doc["paths"].items() for verb, op in operations.items()]
    for path, verb, op in ops:
        out.append(f"<li><a href='#{e(op['operationId'])}'><span class='verb {verb}'>{verb.upper()}</span> "
                   f"{e(path)}</a> — {e(op.get('summary', ''))}</li>")  # fmt: skip
    out.append("</ul>")
    for path, verb, op in ops:
        out.append(f"<section id='{e(op['operationId'])}'><h3><span class='verb {verb}'>{verb.upper()}</span> "
                   f"<code>{e(path)}</code></h3><p>{e(op.get('summary', ''))}</p>")  # fmt: skip
        if op.get("description"):
            out.append(f"<p>{_md(op['description'])}</p>")
        for sec in op.get("security", []):
            for name in sec:
                out.append(f"<p>Credential: <a href='#sec-{e(name)}'>{e(name)}</a></p>")
        if op.get("parameters"):
            out.append("<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>")
            for p in op["parameters"]:
                req = " <i>required</i>" if p.get("required") else ""
                out.append(f"<tr><td><code>{e(p['name'])}</code>{req}</td><td>{e(p['in'])}</td>"
                           f"<td>{_type(p['schema'])}</td><td>{e(p.get('description', ''))}</td></tr>")  # fmt: skip
            out.append("</table>")
        if "requestBody" in op:
            ref = op["requestBody"]["content"]["application/json"]["schema"]
            out.append(f"<p>Body (application/json): {_type(ref)}</p>")
        out.append("<table><tr><th>status</th><th>answer</th><th></th></tr>")
        for status, r in op["responses"].items():
            schema = r.get("content", {}).get("application/json", {}).get("schema", {})
            out.append(f"<tr><td>{e(status)}</td><td>{_type(schema)}</td><td>{_md(r['description'])}</td></tr>")
        out.append("</table></section>")
    out.append("<h2>Schemas</h2>")
    for name, schema in schemas.items():
        out.append(f"<section id='schema-{e(name)}'><h3>{e(name)}</h3>")
        if schema.get("description"):
            out.append(f"<p>{_md(schema['description'])}</p>")
        if "oneOf" in schema:
            key = schema.get("discriminator", {}).get("propertyName", "")
            out.append(f"<p>One of these, by <code>{e(key)}</code>:</p><ul>")
            out.extend(f"<li>{_type(choice)}</li>" for choice in schema["oneOf"])
            out.append("</ul>")
        elif "allOf" in schema:
            out.append("<p>All of: " + ", ".join(_type(part) for part in schema["allOf"]) + "</p>")
        elif "enum" in schema:
            out.append(f"<p>{_type(schema)}</p>")
        out.append(_fields(schema))
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out)


def _fields(schema: dict[str, Any]) -> str:
    props = schema.get("properties")
    if not props:
        return ""
    required = set(schema.get("required", []))
    rows = ["<table><tr><th>field</th><th>type</th><th></th></tr>"]
    for name, p in props.items():
        req = " <i>required</i>" if name in required else ""
        note = p.get("description", "")
        if "default" in p and p["default"] not in (None, [], {}):
            note = f"{note} (default {json.dumps(p['default'], ensure_ascii=False)})".strip()
        rows.append(f"<tr><td><code>{html.escape(name)}</code>{req}</td><td>{_type(p)}</td>"
                    f"<td>{html.escape(note)}</td></tr>")  # fmt: skip
        nested = p if p.get("type") == "object" else None
        if nested and nested.get("properties"):
            rows.append(f"<tr><td></td><td colspan='2'>{_fields(nested)}</td></tr>")
    rows.append("</table>")
    return "".join(rows)


def _type(s: dict[str, Any]) -> str:
    """One schema in a few words: a link for a named schema, constraints in brackets."""
    e = html.escape
    if "$ref" in s:
        name = s["$ref"].rsplit("/", 1)[1]
        return f"<a href='#schema-{e(name)}'>{e(name)}</a>"
    if "const" in s:
        return f"<code>{e(json.dumps(s['const'], ensure_ascii=False))}</code>"
    if "anyOf" in s or "oneOf" in s:
        return " | ".join(_type(x) for x in s.get("anyOf") or s["oneOf"])
    if "allOf" in s:
        return " &amp; ".join(_type(x) for x in s["allOf"])
    kind = s.get("type", "any")
    if kind == "array":
        text = f"array of {_type(s.get('items', {}))}"
    else:
        text = e(str(kind)) + (f" ({e(s['format'])})" if "format" in s else "")
    if "enum" in s:
        values = ", ".join(f"<code>{e(str(v))}</code>" for v in s["enum"])
        text += f" — one of {values}"
    limits = [f"{label} {s[key]}" for key, label in (("minLength", "≥"), ("maxLength", "≤"), ("minimum", "≥"),
                                                     ("exclusiveMinimum", ">"), ("maximum", "≤"),
                                                     ("maxItems", "at most"))
              if key in s]  # fmt: skip
    if limits:
        text += f" [{e(', '.join(map(str, limits)))}]"
    if "pattern" in s:
        text += f" matching <code>{e(s['pattern'])}</code>"
    return text


def _md(text: str) -> str:
    """`code` spans only: the descriptions use no other markdown."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


_CSS = """
body{font:15px/1.5 system-ui,'PingFang SC','Noto Sans CJK SC',sans-serif;max-width:70em;margin:2em auto;
padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;
vertical-align:top}th{background:#f3f3f3}code{background:#f6f6f6;padding:0 .2em}section{margin:1.5em 0}
.verb{font:bold 12px monospace;padding:.1em .4em;border-radius:3px;color:#fff;background:#555}
.get{background:#2b7a3d}.post{background:#1f5fa8}ul.toc{columns:2}a{color:#1f5fa8}
"""
