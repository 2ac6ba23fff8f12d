"""Open311 GeoReport v2 (R-O311-1): the standard's methods as the hotline's own use cases.

Filing goes through `intake.file` with the `open311` channel, so triage, refusals, duplicates,
routing and deadlines are the same as for any channel; reading goes through the store's Open311
listing (`domain/open311.py`), so a list is a Query per month and never a Scan.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from hotline.app import intake
from hotline.app.ports import Deps
from hotline.config.schema import Channel
from hotline.domain import open311
from hotline.domain.actions.payload import refusal
from hotline.domain.errors import BadInput, DomainError, Forbidden, NotFound
from hotline.domain.filing import Filing
from hotline.domain.models import Status, Ticket

MAX_IDS = 100  # service_request_id=a,b,c…: one BatchGetItem
PAGE_SIZE = 1000  # "90 days or first 1000 requests returned, whichever is smallest"
DEEPEST = 10_000  # entries a page may lie behind: each page is read past the ones before it
DIGITS = re.compile(r"[0-9]{1,6}")
YEARS = (2000, 2100)
TICKET_ID = re.compile(r"[0-9]{8}-[0-9A-F]{10}-[0-9]{1,2}")
CHANGESET = "2026-12-02T00:00:00+08:00"  # when the discovery document last changed
UPDATES_HOURS = 24  # servicerequestupdates without dates: the last day (FixMyStreet asks for two hours)


class UnknownJurisdiction(NotFound):
    code = "unknown_jurisdiction"


def check_jurisdiction(deps: Deps, jurisdiction_id: str | None) -> None:
    """`jurisdiction_id` is the city's slug; one city per stack, so it may be left out."""
    if jurisdiction_id and jurisdiction_id != deps.config.city:
        raise UnknownJurisdiction(
            None, f"本热线不受理 {jurisdiction_id} 的诉求", f"jurisdiction_id {jurisdiction_id} not found"
        )


def _enabled(deps: Deps) -> None:
    if Channel.open311 not in deps.config.channels:
        raise NotFound(None, "本市未开通 Open311 接口", f"{deps.config.city} offers no Open311 channel")


def _w3(deps: Deps, at: str | datetime | None) -> str | None:
    """W3C datetime with the city's offset (`2026-12-02T09:30:00+08:00`)."""
    if at is None:
        return None
    moment = datetime.fromisoformat(at) if isinstance(at, str) else at
    return moment.astimezone(ZoneInfo(deps.config.timezone)).isoformat(timespec="seconds")


def discovery(deps: Deps, url: str) -> dict[str, Any]:
    _enabled(deps)
    return {
        "changeset": CHANGESET,
        "contact": f"{deps.config.name}12345政务服务便民热线",
        "key_service": f"向{deps.config.name}12345热线管理机构申请 open311 渠道密钥（api_key）",
        "endpoints": [
            {
                "specification": open311.SPECIFICATION,
                "url": url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def services(deps: Deps) -> list[dict[str, Any]]:
    _enabled(deps)
    return open311.services(deps.config)


def definition(deps: Deps, code: str) -> dict[str, Any]:
    _enabled(deps)
    open311.service_code(deps.config, code)
    return {
        "service_code": code,
        "attributes": [
            {
                "variable": True,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description or None,
                "order": order,
                "description": a.description,
                "values": [{"key": k, "name": n} for k, n in a.values],
            }
            for order, a in enumerate(open311.attributes(deps.config), start=1)
        ],
    }


@dataclass(frozen=True)
class Post:
    """A POST as the gateway passed it: the form's pairs (None if the body could not be read as
    a form, and why), the retry key if the client sent one."""

    pairs: list[tuple[str, str]] | None
    unreadable: DomainError | None = None
    idempotency_key: str | None = None
    context: Any = None


def file(deps: Deps, post: Post) -> list[dict[str, Any]]:
    """POST Service Request: the key first (403 before anything else of the form is judged),
    then the form as a filing. A request held for a person answers with a token, the request's
    own number; one the hotline refuses or passes on answers with its guidance as
    `service_notice`. Without an `Idempotency-Key`, the same form within a day is the same
    filing (Open311 clients retry and never send one; a retry must not file twice, nor count
    as the citizen's repeat)."""
    _enabled(deps)
    keys = [v for k, v in post.pairs or [] if k == "api_key"]
    if len(keys) != 1 or not deps.channels.is_key_of(Channel.open311.value, keys[0].strip()):
        raise Forbidden("bad_api_key", "Open311 密钥（api_key）无效或缺失", "api_key is missing or not the open311 key")
    if post.pairs is None:
        raise post.unreadable or BadInput("bad_form", "请求内容不是表单", "not a form")
    fields, attribute, media = open311.form_fields(post.pairs)
    check_jurisdiction(deps, fields.get("jurisdiction_id"))
    body = open311.filing_body(deps.config, fields, attribute, media)
    try:
        filing = Filing.parse(body)
    except ValidationError as exc:
        raise refusal(exc, "诉求", "filing") from None
    retry = post.idempotency_key or "open311-" + deps.keys.hash(json.dumps(sorted(post.pairs), ensure_ascii=False))[:40]
    command = intake.FileRequest(Channel.open311, body, filing, retry, post.context)
    filed = intake.file(deps, command)
    ticket = filed["tickets"][0]
    notice = _notice(deps, filed)
    if ticket["status"] in {Status.triage.value, Status.received.value}:
        return [{"token": filed["request_id"], "service_notice": notice}]
    return [{"service_request_id": ticket["ticket_id"], "service_notice": notice}]


def _notice(deps: Deps, filed: dict[str, Any]) -> str:
    """What the citizen is told at once: the number and query code to follow it by (R-INT-5),
    and, when it is not an order, why and where to go (R-INT-4)."""
    follow = f"诉求编号 {filed['request_id']}，查询码 {filed['query_code']}。"
    said = filed.get("answer") or filed.get("guidance")
    if filed["outcome"] == "duplicate":
        said = f"与此前的诉求 {filed.get('duplicate_of')} 相同，已合并办理。"
    elif filed["outcome"] == "accepted" and not filed.get("held_for_review"):
        reply_by = filed["tickets"][0]["deadlines"].get("reply_by")
        by = deps.local(datetime.fromisoformat(reply_by)).strftime("%Y年%m月%d日 %H:%M") if reply_by else None
        said = "诉求已受理，已派至承办单位办理。" + (f"答复时限：{by}前。" if by else "")
    return follow + (said or "")


def _names(deps: Deps) -> tuple[dict[str, str], dict[str, str], dict[str, str], dict[str, str]]:
    c = deps.config
    units = {u.id: u.name for u in c.units}
    categories = {x.code: x.name for x in c.categories}
    districts = {d.code: d.name for d in c.districts}
    streets = {s.code: s.name for d in c.districts for s in d.streets}
    return units, categories, districts, streets


def _request(deps: Deps, facts: dict[str, Any]) -> dict[str, Any]:
    """One service request in the standard's order of fields; no citizen's words, no contact,
    no attachment: `description` says what kind of request it is and where."""
    units, categories, districts, streets = _names(deps)
    code = facts.get("code") or ""
    place = [streets.get(facts.get("street") or ""), districts.get(facts.get("district") or ""), deps.config.name]
    kind = open311.TYPE_NAMES.get(facts["type"], "诉求")
    service = categories.get(code, "其他")
    notice = open311.notice(deps.config, facts)
    return {
        "service_request_id": facts["id"],
        "status": open311.basic_status(Status(facts["status"])),
        "status_notes": open311.status_name(facts["status"]),
        "service_name": service,
        "service_code": code,
        "description": f"{service}类{kind}" + (f"（{place[0]}）" if place[0] else ""),
        "agency_responsible": units.get(facts.get("unit") or ""),
        "service_notice": notice,
        "requested_datetime": _w3(deps, facts["requested"]),
        "updated_datetime": _w3(deps, facts["updated"]),
        "expected_datetime": _w3(deps, facts.get("expected")),
        "address": "，".join(p for p in place if p),
        "address_id": None,
        "zipcode": None,
        "lat": facts.get("lat"),
        "long": facts.get("long"),
        "media_url": None,
        "extended_status": facts["extended"],
    }


def _date(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or not YEARS[0] <= moment.year <= YEARS[1]:
        raise BadInput(
            "bad_date",
            f"{name} 须为带时区的 W3C 时间",
            f"{name}: a W3C datetime with its offset, 2026-12-01T00:00:00+08:00",
        )
    return moment


def _list(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _positive(value: str | None, name: str, default: int, most: int) -> int:
    if not value:
        return default
    if not DIGITS.fullmatch(value) or not 1 <= int(value) <= most:
        raise BadInput("bad_page", f"{name} 须为 1–{most} 的整数", f"{name} must be an integer from 1 to {most}")
    return int(value)


def _page(query: dict[str, str]) -> tuple[int, int]:
    """`page_size` and `page`; a page is read past the ones before it, so no deeper than
    DEEPEST entries (beyond: a narrower window)."""
    size = _positive(query.get("page_size"), "page_size", PAGE_SIZE, PAGE_SIZE)
    page = _positive(query.get("page"), "page", 1, DEEPEST)
    if page * size > DEEPEST:
        raise BadInput(
            "too_deep", f"翻页不得超过第 {DEEPEST} 条，请缩小时间范围", f"page × page_size may not exceed {DEEPEST}"
        )
    return size, page


def _ids(values: list[str]) -> list[str]:
    """Ids as this hotline gives them; anything else is simply not there (no store read)."""
    return [v for v in values if TICKET_ID.fullmatch(v)]


def requests(deps: Deps, query: dict[str, str]) -> list[dict[str, Any]]:
    """GET Service Requests. `service_request_id` overrides every other argument; otherwise the
    window (≤ 90 days, the most recent by default), `service_code`, `status` (open, closed or
    FixMyStreet's extended states) and the `page`/`page_size` extension, newest first."""
    _enabled(deps)
    ids = _list(query.get("service_request_id"))
    if ids:
        if len(ids) > MAX_IDS:
            raise BadInput("too_many_ids", f"一次最多查询 {MAX_IDS} 件", f"at most {MAX_IDS} service_request_id")
        return [_request(deps, open311.row(t)) for t in deps.tickets.get_many(_ids(ids)) if _public(t)]
    start, end = open311.span(
        _date(query.get("start_date"), "start_date"), _date(query.get("end_date"), "end_date"), deps.now()
    )
    codes = _list(query.get("service_code"))
    for code in codes:
        open311.service_code(deps.config, code)
    size, page = _page(query)
    rows = deps.tickets.open311_listing(
        "O311", open311.months(start, end), open311.moment_key(start), open311.moment_key(end),
        statuses=open311.states(_list(query.get("status"))) or None, codes=codes or None,
        skip=(page - 1) * size, limit=size,
    )  # fmt: skip
    return [_request(deps, r) for r in rows]


def _public(t: Ticket) -> bool:
    return not t.confidential


def request(deps: Deps, service_request_id: str) -> list[dict[str, Any]]:
    """GET Service Request: an array of one, or 404 — a confidential order is not there."""
    _enabled(deps)
    found = [t for t in deps.tickets.get_many(_ids([service_request_id])) if _public(t)]
    if not found:
        raise NotFound(None, f"没有编号为 {service_request_id} 的诉求", f"no service request {service_request_id}")
    return [_request(deps, open311.row(found[0]))]


def token(deps: Deps, token: str) -> list[dict[str, Any]]:
    """GET service_request_id from a token: the request number a held filing was given; its
    order's id once a person has decided it, none while it waits."""
    _enabled(deps)
    found = deps.tickets.get_many(_ids([f"{token}-1"]))
    if not found or found[0].channel is not Channel.open311 or not _public(found[0]):
        raise NotFound(None, f"没有令牌为 {token} 的诉求", f"no token {token}")
    t = found[0]
    if t.status in {Status.triage, Status.received}:
        return [{"token": token}]
    return [{"service_request_id": t.ticket_id, "token": token}]


def updates(deps: Deps, query: dict[str, str]) -> list[dict[str, Any]]:
    """FixMyStreet's GET servicerequestupdates: each change of a request's state in the window
    (by its time; the last day when no dates are given), newest first."""
    from datetime import timedelta

    _enabled(deps)
    end = _date(query.get("end_date"), "end_date") or deps.now()
    start = _date(query.get("start_date"), "start_date") or end - timedelta(hours=UPDATES_HOURS)
    start, end = open311.span(start, end, deps.now())
    size, page = _page(query)
    rows = deps.tickets.open311_listing(
        "O311UPD",
        open311.months(start, end),
        open311.moment_key(start),
        open311.moment_key(end),
        skip=(page - 1) * size,
        limit=size,
    )
    return [
        {
            "update_id": r["update_id"],
            "service_request_id": r["id"],
            "status": r["extended"],
            "updated_datetime": _w3(deps, r["at"]),
            "description": open311.status_name(r["status"]),
            "media_url": None,
        }
        for r in rows
    ]


def error_status(exc: DomainError) -> int:
    """The standard's three: 404 for what does not exist, 403 for the key, 400 for the rest."""
    if exc.status in (404, 403):
        return exc.status
    if exc.status == 401:
        return 403
    return 400 if exc.status < 500 else exc.status
