"""Open311 GeoReport v2 over the same orders (R-O311-1): no second lifecycle, only a reading.

A service is a category of the city; a service request is a work order (`ticket_id`); the
request a citizen filed is the token while a person still has to decide it (R-TRI-2). What an
order looks like to the open standard is computed here from the ticket alone, so the store can
keep it in the order's own transaction (`dal/repository.py`), like the queues: one entry per
order in its month of filing, and one per change a FixMyStreet client should hear of.

Everything here is public: Open311 GET needs no key. So no citizen's words, name, phone, exact
place or attachment ever leaves through it; a confidential order is not there at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hotline.config.schema import CityConfig, RequestType
from hotline.domain.errors import BadInput
from hotline.domain.models import FINAL, Event, Status, Ticket
from hotline.domain.transitions import STATUS_NAMES

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
COORDINATES = 3  # decimals of lat/long published: about 100 m, a street, never a door
MAX_DAYS = 90  # "may not span more than 90 days" (GeoReport v2, GET Service Requests)
TYPE_NAMES = {
    RequestType.consultation: "咨询",
    RequestType.help: "求助",
    RequestType.complaint: "投诉",
    RequestType.report: "举报",
    RequestType.suggestion: "建议",
    RequestType.other: "其他",
}

# FixMyStreet's extended statuses (Open311 FMS additional states), from ours; `open`/`closed`
# stays the standard's own field.
_EXTENDED = {
    Status.received: "for_triage",
    Status.triage: "for_triage",
    Status.pending_dispatch: "open",
    Status.dispatched: "open",
    Status.in_progress: "in_progress",
    Status.rehandling: "in_progress",
    Status.replied: "in_progress",  # the unit answered; the callback decides whether it is fixed
    Status.return_requested: "internal_referral",  # the unit says it is another's
    Status.backlogged: "action_scheduled",  # a plan with a review date (R-DESK-4)
    Status.closed: "fixed",
    Status.terminated: "no_further_action",
    Status.answered: "closed",
    Status.transferred: "not_councils_responsibility",
    Status.not_accepted: "no_further_action",
    Status.duplicate: "duplicate",
}
OPEN_STATES = ("for_triage", "open", "in_progress", "internal_referral", "action_scheduled")
CLOSED_STATES = ("fixed", "closed", "no_further_action", "not_councils_responsibility", "duplicate")
assert set(_EXTENDED.values()) == {*OPEN_STATES, *CLOSED_STATES}


def states(asked: list[str]) -> list[str]:
    """The extended states a `status` filter means: `open` and `closed` are the standard's
    two, each the set of FixMyStreet states under it; an extended state is itself."""
    out: list[str] = []
    for s in asked:
        if s not in {"open", "closed", *OPEN_STATES, *CLOSED_STATES}:
            raise BadInput("bad_status", "状态取值无效", f"status {s}: open, closed or one of FixMyStreet's states")
        out += OPEN_STATES if s == "open" else CLOSED_STATES if s == "closed" else [s]
    return list(dict.fromkeys(out))


def basic_status(status: Status) -> str:
    return "closed" if status in FINAL else "open"


def extended_status(t: Ticket) -> str:
    """The FixMyStreet state: an order referred up for coordination is an internal referral;
    one the citizen said was not resolved is closed, not fixed."""
    if t.status not in FINAL and any(r.answered_at is None for r in t.referrals):
        return "internal_referral"
    if t.status is Status.closed and t.rating is not None and t.rating.resolved is False:
        return "closed"
    return _EXTENDED[t.status]


def moment_key(at: datetime) -> str:
    """A moment as the listings sort it: UTC, fixed width."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def month_of(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m")


def listing_key(t: Ticket) -> tuple[str, str] | None:
    """Where the order is listed: the month it was filed (UTC), in order of filing; never a
    confidential one (R-SEC-1)."""
    if t.confidential:
        return None
    return f"O311#{month_of(t.created_at)}", f"{moment_key(t.created_at)}#{t.ticket_id}"


def row(t: Ticket) -> dict[str, Any]:
    """The public facts of an order; names are the city's and are given when read."""
    loc = t.location
    facts: dict[str, Any] = {
        "id": t.ticket_id,
        "request_id": t.request_id,
        "code": t.category,
        "type": t.type.value,
        "status": t.status.value,
        "extended": extended_status(t),
        "requested": t.created_at.isoformat(),
        "updated": t.updated_at.isoformat(),
        "expected": t.deadlines.reply_by.isoformat() if t.deadlines.reply_by else None,
        "unit": t.lead_unit,
        "district": loc.district,
        "street": loc.street,
    }
    if loc.lat is not None and loc.lon is not None:
        facts |= {"lat": round(loc.lat, COORDINATES), "long": round(loc.lon, COORDINATES)}
    if t.status in {Status.transferred, Status.not_accepted}:
        # the ground and where it went; the words are the city's own, given when read — never the
        # guidance a person typed, which may name the citizen
        facts |= {"reason": t.reason, "transferred_to": t.transferred_to}
    return facts


def notice(config: CityConfig, facts: dict[str, Any]) -> str | None:
    """A refused or passed-on request's guidance, in the city's configured words (R-INT-4)."""
    reason, to = facts.get("reason"), facts.get("transferred_to")
    if facts["status"] == Status.duplicate.value:
        return config.guidance.duplicate
    if facts["status"] == Status.transferred.value and reason == "not_government":
        body = next((b for b in config.intake.handoffs if b.name == to), None)
        if body is None:
            return None
        return f"已转交{body.name}办理" + (f"，联系方式：{body.contact}" if body.contact else "") + "。"
    if facts["status"] == Status.transferred.value:
        return config.guidance.emergency
    if facts["status"] == Status.not_accepted.value and reason in type(config.guidance).model_fields:
        return str(getattr(config.guidance, reason))
    return None


def update_key(t: Ticket, event: Event) -> tuple[str, str]:
    return f"O311UPD#{month_of(event.at)}", f"{moment_key(event.at)}#{t.ticket_id}#{event.seq:06d}"


def update(before: Ticket | None, after: Ticket, event: Event) -> dict[str, Any] | None:
    """A change a FixMyStreet client hears of (`servicerequestupdates`): the order's state as
    the standard sees it moved, or it was filed. Other steps (a reminder, a progress note) are
    not an update of the request's state."""
    if after.confidential:
        return None
    was = extended_status(before) if before is not None and before.status is not Status.received else None
    now = extended_status(after)
    if was == now:
        return None
    return {
        "update_id": f"{after.ticket_id}-{event.seq}",
        "id": after.ticket_id,
        "status": after.status.value,
        "extended": now,
        "at": event.at.isoformat(),
    }


# -- services ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attribute:
    code: str
    description: str
    required: bool
    values: tuple[tuple[str, str], ...]
    datatype: str = "singlevaluelist"
    datatype_description: str = ""


def attributes(config: CityConfig) -> list[Attribute]:
    """What a filing needs beyond the standard's fields: the kind of request the regulations
    sort by (R-INT-3), the district and street that route it (R-DSP-1) and confidentiality."""
    streets = tuple((s.code, f"{d.name} {s.name}") for d in config.districts for s in d.streets)
    return [
        Attribute("type", "诉求类型", True, tuple((t.value, n) for t, n in TYPE_NAMES.items())),
        Attribute("district", "所在区县", False, tuple((d.code, d.name) for d in config.districts)),
        Attribute("street", "所在街道（乡镇）", False, streets),
        Attribute("confidential", "是否要求保密", False, (("false", "否"), ("true", "是，对承办单位隐去联系方式"))),
    ]


def services(config: CityConfig) -> list[dict[str, Any]]:
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": f"{config.name}12345热线：{c.name}类诉求",
            "metadata": True,  # the request type is always asked (R-INT-3)
            "type": "realtime",
            "keywords": c.name,
            "group": c.group or "其他",
        }
        for c in config.categories
    ]


def service_code(config: CityConfig, code: str) -> str:
    if code not in {c.code for c in config.categories}:
        raise UnknownService(None, f"没有编码为 {code} 的服务类别", f"service_code {code} not found")
    return code


class UnknownService(BadInput):
    status = 404
    code = "unknown_service"


def form_fields(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """A form's pairs as its fields, its `attribute[code]` values and its `media_url`s. A field
    given twice is a 400 (which one was meant?), except `media_url`; an empty value is as if
    absent ("empty is the same as not passed", GeoReport v2 Optional Arguments)."""
    fields: dict[str, str] = {}
    attribute: dict[str, str] = {}
    media: list[str] = []
    for key, raw in pairs:
        value = raw.strip()
        if key in ("media_url", "media_url[]"):
            if value:
                media.append(value)
            continue
        is_attribute = key.startswith("attribute[") and key.endswith("]")
        into, name = (attribute, key[len("attribute[") : -1]) if is_attribute else (fields, key)
        if name in into:
            raise BadInput("repeated_field", "同一字段重复提交", f"{key} is given more than once")
        if value:
            into[name] = value
    if len(media) > 10:
        raise BadInput("too_many_media", "图片链接最多 10 个", "at most 10 media_url")
    return fields, attribute, media


def filing_body(
    config: CityConfig, form: dict[str, str], attribute: dict[str, str], media_urls: Sequence[str] = ()
) -> dict[str, Any]:
    """POST Service Request's arguments as the hotline's own filing (SPEC §11): the same
    checks then apply. Names are Chinese order: last name first. `email` and `device_id` are
    not kept — the hotline answers by phone and text (R-CB-1)."""
    code = form.get("service_code")
    if not code:
        raise BadInput("missing_service_code", "请选择服务类别", "service_code is required")
    service_code(config, code)
    description = form.get("description", "")
    for media in media_urls:  # FixMyStreet sends one `media_url` per photo
        if not media.startswith(("https://", "http://")) or len(media) > 500:
            raise BadInput("bad_media_url", "图片链接无效", "media_url: an http(s) URL, ≤ 500 characters")
        description = f"{description}\n（图片：{media}）".strip()
    if not description:
        raise BadInput("missing_description", "请描述诉求内容", "description is required")
    lat, lon, address = form.get("lat"), form.get("long"), form.get("address_string")
    if (lat is None) != (lon is None):
        raise BadInput("bad_location", "经纬度须同时提供", "lat and long are given together")
    if lat is None and not address and not attribute.get("street"):  # `address_id` means nothing here
        raise BadInput(
            "missing_location",
            "请提供诉求地点",
            "lat & long, address_string or attribute[street]",
        )
    unknown = set(attribute) - {a.code for a in attributes(config)}
    if unknown:
        raise BadInput("unknown_attribute", "含有未定义的附加信息", f"unknown: {', '.join(sorted(unknown))}")
    for a in attributes(config):
        value = attribute.get(a.code)
        if value is None and a.required:
            raise BadInput("missing_attribute", f"请填写{a.description}", f"attribute[{a.code}] is required")
        if value is not None and value not in {k for k, _ in a.values}:
            raise BadInput(
                "bad_attribute",
                f"{a.description}的取值无效",
                f"attribute[{a.code}]: {value} is not listed",
            )
    street, district = attribute.get("street"), attribute.get("district")
    if street:
        home = next(d.code for d in config.districts if any(s.code == street for s in d.streets))
        if district and district != home:
            raise BadInput("bad_attribute", "街道不在所选区县内", f"street {street} is not in {district}")
        district = home
    location: dict[str, Any] = {k: v for k, v in (("district", district), ("street", street),
                                                  ("address", address)) if v}  # fmt: skip
    if lat is not None and lon is not None:
        try:
            location |= {"lat": float(lat), "lon": float(lon)}
        except ValueError:
            raise BadInput("bad_location", "经纬度须为数字", "lat and long must be numbers (WGS84)") from None
    name = "".join(filter(None, (form.get("last_name"), form.get("first_name")))) or None
    citizen = {k: v for k, v in (("name", name), ("phone", form.get("phone"))) if v}
    return {
        "type": attribute["type"],
        "content": description,
        "category": code,
        "location": location,
        "citizen": citizen,
        "confidential": attribute.get("confidential") == "true",
    }


def span(start: datetime | None, end: datetime | None, now: datetime) -> tuple[datetime, datetime]:
    """GET Service Requests' window: both ends or the most recent 90 days, never longer."""
    from datetime import timedelta

    end = end or (start + timedelta(days=MAX_DAYS) if start else now)
    start = start or end - timedelta(days=MAX_DAYS)
    if start > end:
        raise BadInput("bad_range", "开始时间晚于结束时间", "start_date is after end_date")
    if end - start > timedelta(days=MAX_DAYS):
        raise BadInput(
            "bad_range",
            f"查询时间跨度不得超过 {MAX_DAYS} 天",
            f"may not span more than {MAX_DAYS} days",
        )
    return start, end


def months(start: datetime, end: datetime) -> list[str]:
    """The listing partitions a window touches, newest first."""
    out: list[str] = []
    y, m = end.astimezone(UTC).year, end.astimezone(UTC).month
    first = month_of(start)
    while True:
        out.append(f"{y:04d}-{m:02d}")
        if out[-1] <= first:
            return out
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)


def status_name(status: str) -> str:
    return STATUS_NAMES.get(Status(status), status)
