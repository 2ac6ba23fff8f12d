"""Filing a citizen's request (SPEC §2, R-INT-*): the channel's check, the caller's suspension, the
attachments, the sealed contact, the filing and its writes (the repeat on a duplicate's original
in the same transaction), hotspots, KB statistics and the caller's strikes; progress and search."""

from __future__ import annotations

import json
import re
import uuid
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from hotline.app.ports import Deps
from hotline.app.retry import reread_on_conflict
from hotline.app.strikes import count_strike
from hotline.app.views import citizen_view, summary
from hotline.config.schema import Channel, RequestType
from hotline.domain.callers import admit
from hotline.domain.errors import BadInput, Conflict, DomainError, Forbidden, NotFound
from hotline.domain.filing import (
    Filed,
    Filing,
    Sealed,
    check_against_city,
    citizen_key,
    citizen_keys,
    file_request,
    hotspot_report,
    is_hotspot,
    mask,
    new_query_code,
    query_code_matches,
    repeat_report,
)
from hotline.domain.knowledge import NEAREST, Hit
from hotline.domain.models import Actor, Role, Status, Ticket
from hotline.domain.routing import with_routing
from hotline.observability import count, logger, metrics

IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
IDEMPOTENCY_HOURS = 24


@dataclass(frozen=True)
class FileRequest:
    """One filing as the gateway passed it: the channel (`channel_of` its API key), the body, its retry key."""

    channel: Channel
    body: dict[str, Any]
    filing: Filing
    idempotency_key: str | None = None
    context: Any = None  # the Lambda context, for the retry store's timeouts


def channel_of(deps: Deps, api_key_id: str | None) -> Channel:
    """The channel the gateway authenticated (R-INT-1); its key must be one of this city's."""
    channel = deps.channels.channel(api_key_id)
    if channel not in deps.config.channels:
        raise Forbidden("wrong_channel", f"{channel.value} is not a channel of {deps.config.name}")
    return channel


def catalog(deps: Deps) -> dict[str, Any]:
    c = deps.config
    return {
        "city": c.city,
        "name": c.name,
        "types": [t.value for t in RequestType],
        "categories": [{"code": x.code, "name": x.name, "always_on": x.always_on} for x in c.categories],
        "districts": [
            {"code": d.code, "name": d.name, "streets": [{"code": s.code, "name": s.name} for s in d.streets]}
            for d in c.districts
        ],
        "channels": [ch.value for ch in c.channels],
        "attachments": dict(c.intake.attachments.max_bytes),
        # R-TRI-5: the published bar for instant answers, and which channels may send a disposition
        "instant_answer_min": c.intake.knowledge.answer_min,
        "staffed_channels": [ch.value for ch in c.intake.staffed_channels],
    }


_DEPS: ContextVar[Deps] = ContextVar("intake_deps")


def file(deps: Deps, command: FileRequest) -> dict[str, Any]:
    """File once; with an Idempotency-Key, a retry within a day answers the same (R-INT-6)."""
    channel, filing = command.channel, command.filing
    if filing.channel is not None and filing.channel != channel:
        raise Forbidden("wrong_channel", f"this API key belongs to the {channel.value} channel, not {filing.channel}")
    check_against_city(filing, deps.config)
    key = command.idempotency_key
    if key is None:
        return file_now(deps, filing, channel)
    if not IDEMPOTENCY_KEY.match(key):
        raise BadInput("bad_idempotency_key", "Idempotency-Key: 8–128 letters, digits or . _ : -")
    # the retry store compares bodies by a digest it keeps for a day: keyed, or the phone in the
    # body could be found from it and the ticket's other fields (R-SEC-1)
    digest = deps.keys.hash(json.dumps(command.body, sort_keys=True, ensure_ascii=False))
    token = _DEPS.set(deps)
    try:
        return deps.idempotency.once(
            _file_once,
            {"channel": channel.value, "key": key, "body": command.body, "digest": digest},
            key_path="[channel, key]",
            payload_path="digest",
            hours=IDEMPOTENCY_HOURS,
            context=command.context,
            what="Idempotency-Key",
            reused_code="idempotency_key_reused",
        )
    finally:
        _DEPS.reset(token)


def _file_once(request: dict[str, Any]) -> dict[str, Any]:
    """The guarded function: one name for the retry store, the container's ports from the caller."""
    return file_now(_DEPS.get(), Filing.parse(request["body"]), Channel(request["channel"]))


def file_now(deps: Deps, filing: Filing, channel: Channel) -> dict[str, Any]:
    at = deps.now()
    config = deps.config
    caller = citizen_key(deps.keys, filing)
    callers = citizen_keys(deps.keys, filing)  # the same citizen under the previous key, while rotating
    rule = config.features.caller_suspension
    if caller and rule:
        for record in [deps.callers.get(c) for c in callers]:
            admit(record, at)
    for attachment in filing.attachments:
        deps.attachments.verify(attachment, channel.value)
    request_id = f"{at:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"
    query_code = new_query_code()
    sealed = Sealed()
    if filing.citizen.name or filing.citizen.phone:
        contact = filing.citizen.model_dump(exclude_none=True) | {"query_code": query_code}
        sealed = Sealed(deps.vault.seal(request_id, contact), mask(filing.citizen))
    since = (at - timedelta(days=config.intake.duplicate_window_days)).isoformat()
    history = [t for c in callers for t in deps.tickets.recent_for_citizen(c, since)]
    filed = file_request(
        filing,
        deps.lifecycle,
        request_id,
        deps.keys,
        at,
        query_code=query_code,
        knowledge=deps.knowledge,
        history=history,
        sealed=sealed,
        channel=channel,
    )
    saved = _save(deps, filed, request_id, at)
    body: dict[str, Any] = {
        "request_id": request_id,
        "query_code": query_code,
        "outcome": filed.outcome,
        "tickets": [summary(t) for t in saved],
        **filed.details,
    }
    if filed.outcome == "accepted":
        try:
            _count_hotspots(deps, saved, at)
        except DomainError as exc:  # the filing is written: failing now would make its retry a duplicate
            logger.warning("hotspot count skipped", extra={"request_id": request_id, "why": exc.message})
            count("HotspotCountFailed")
    if filed.outcome == "answered" and "kb_entry" in filed.details:  # not the call-taker's own answer
        deps.knowledge_stats.hit(str(filed.details["kb_entry"]), at)
    elif filed.outcome == "accepted" and filing.type is RequestType.consultation and not filing.matters:
        _missed(deps, filing.content, at, filed.nearest)
    if filed.outcome == "duplicate":
        body["original"] = citizen_view(deps.tickets.get(str(filed.details["duplicate_of"])), deps.config)
    if caller and rule and filed.strike:  # R-TRI-6: a person's refusal, or a repeat with nothing new
        warning = count_strike(deps, callers, at)
        if warning:
            body["warning"] = warning
    metrics.add_dimension(name="channel", value=channel.value)
    count(f"Requests_{filed.outcome}")
    logger.info(
        "request filed",
        extra={"request_id": request_id, "outcome": filed.outcome, "orders": len(saved), "channel": channel.value},
    )
    return body


def _save(deps: Deps, filed: Filed, request_id: str, at: datetime) -> list[Ticket]:
    """Write the filing; a duplicate of an open order also counts on the original, in the same
    transaction (R-TMR-3). The original is re-read by key, and once more if it changes meanwhile."""
    if filed.outcome != "duplicate":
        return deps.tickets.save_all(filed.steps)

    def with_repeat() -> list[Ticket]:
        original = deps.tickets.get(str(filed.details["duplicate_of"]))
        repeat = repeat_report(deps.lifecycle, original, request_id, at)
        return deps.tickets.save_all([*filed.steps, repeat] if repeat else filed.steps)[:1]

    return reread_on_conflict(with_repeat)


def _count_hotspots(deps: Deps, orders: list[Ticket], at: datetime) -> None:
    """R-TMR-3: count the citizen on each order's street × category × day; from the city's
    threshold on, the order comes under supervision (after the filing: the count is shared)."""
    day = deps.local(at).date()
    for order in orders:
        if not (order.citizen_key and order.category and order.location.district):
            continue
        citizens = deps.hotspots.count(order.location.district, order.location.street, order.category, day,
                                       order.citizen_key)  # fmt: skip
        if not is_hotspot(deps.lifecycle, citizens):
            continue  # below the threshold the order is not read again (issue 24)

        def flag(ticket_id: str = order.ticket_id, citizens: int = citizens) -> None:
            step = hotspot_report(deps.lifecycle, deps.tickets.get(ticket_id), citizens, at)
            if step is not None:
                deps.tickets.save(step)

        reread_on_conflict(flag)


def progress(deps: Deps, request_id: str, query_code: str | None) -> dict[str, Any]:
    """A request's orders as the citizen sees them, to the holder of its query code (R-INT-5)."""
    first = _own_first(deps, request_id, query_code)
    tickets = [first] + [deps.tickets.get(f"{request_id}-{i}") for i in range(2, first.matters + 1)]
    views = [citizen_view(t, deps.config, deps.tickets.events(t.ticket_id)) for t in tickets]
    return {"request_id": request_id, "tickets": views}


def escalate(deps: Deps, request_id: str, query_code: str | None, body: dict[str, Any]) -> dict[str, Any]:
    """R-TRI-5: the citizen (or the channel for them) says the instant answer did not help; the
    answered request becomes an order, once. The KB hears that its answer missed (R-KB-3)."""
    first = _own_first(deps, request_id, query_code)
    if first.status is not Status.answered:
        raise Conflict(
            "not_answered",
            "该诉求不是即时解答，或已转为工单",
            f"request {request_id} is {first.status.value}: only an instant answer can be escalated, once",
        )
    at = deps.now()
    step = deps.lifecycle.apply(first, "escalate_to_order", Actor(role=Role.citizen, id=request_id), body, at)
    saved = deps.tickets.save_all(with_routing(deps.lifecycle, step, at))[-1]
    answered = [e.detail.get("kb_entry") for e in deps.tickets.events(first.ticket_id) if e.action == "answer"]
    entry = str(answered[-1]) if answered and answered[-1] else None
    if entry:
        deps.knowledge_stats.unhelpful(entry, at)  # R-KB-4: the entry's answer did not help
    _missed(deps, first.content, at, _nearest(deps, first.content, at))
    count("Requests_escalated")
    logger.info("answer escalated", extra={"request_id": request_id, "status": saved.status})
    return {"request_id": request_id, "outcome": "accepted", "tickets": [summary(saved)]}


def _own_first(deps: Deps, request_id: str, query_code: str | None) -> Ticket:
    """The request's first ticket, to the holder of its query code; 404 otherwise, the same answer."""
    try:
        first = deps.tickets.get(f"{request_id}-1")
    except NotFound:
        first = None
    if first is None or not query_code_matches(first, deps.keys, query_code):
        raise NotFound(None, f"no request {request_id} with that query code")
    return first


def _missed(deps: Deps, q: str, at: datetime, near: Hit | None) -> None:
    """R-KB-3/4: a question the KB lacked, counted for the unit whose entry came nearest."""
    deps.knowledge_stats.miss(q, at, near.entry.unit if near else None)


def _nearest(deps: Deps, q: str, at: datetime) -> Hit | None:
    hits = deps.knowledge.search(q, deps.local(at).date(), minimum=NEAREST, limit=1)
    return hits[0] if hits else None


def search(deps: Deps, q: str) -> list[Hit]:
    """Public self-service search (R-KB-2); hits and misses feed the units' statistics (R-KB-3)."""
    at = deps.now()
    q = q.strip()
    if not 1 <= len(q) <= 200:
        raise BadInput("bad_query", "give `q`, 1–200 characters")
    today = deps.local(at).date()
    hits = deps.knowledge.search(q, today, minimum=deps.config.intake.knowledge.search_min)
    if hits:
        deps.knowledge_stats.hit(hits[0].entry.id, at)
    else:
        _missed(deps, q, at, _nearest(deps, q, at))
    return hits


def upload_slot(deps: Deps, channel: Channel, body: dict[str, Any]) -> dict[str, Any]:
    """A pre-signed POST for one file of the declared type and size (R-INT-2)."""
    content_type, size = body.get("content_type"), body.get("size")
    if not isinstance(content_type, str) or not isinstance(size, int) or isinstance(size, bool):
        raise BadInput("bad_attachment", "give `content_type` (string) and `size` (bytes, integer)")
    slot = deps.attachments.slot(content_type, size, channel.value)
    return {"attachment_id": slot.attachment_id, "upload": {"url": slot.url, "fields": slot.fields},
            "expires_in": slot.expires_in}  # fmt: skip
