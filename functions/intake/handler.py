"""Channels file citizen requests (SPEC §2, §11): catalogue, filing, progress, KB search, uploads."""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from hotline.adapters.attachments import Attachments
from hotline.adapters.http import install_error_handlers, json_body
from hotline.adapters.idempotency import once
from hotline.adapters.runtime import Services, now, services
from hotline.adapters.views import citizen_view, summary
from hotline.config.schema import Channel, RequestType
from hotline.dal.repository import reread_on_conflict
from hotline.domain.callers import COUNTED, CallerRecord, admit, strike
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
    mask,
    new_query_code,
    query_code_matches,
    repeat_report,
)
from hotline.domain.models import Ticket

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
app = APIGatewayRestResolver(enable_validation=False)
install_error_handlers(app)
MAX_BODY = 64 * 1024
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
IDEMPOTENCY_HOURS = 24


def _channel(svc: Services) -> Channel:
    """The channel the gateway authenticated (R-INT-1); its key must be one of this city's."""
    identity = app.current_event.request_context.identity
    channel = svc.channels.channel(identity.api_key_id)
    if channel not in svc.config.channels:
        raise Forbidden("wrong_channel", f"{channel.value} is not a channel of {svc.config.name}")
    return channel


@app.get("/catalog")
def catalog() -> dict[str, Any]:
    c = services().config
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
    }


def _parse() -> tuple[dict[str, Any], Filing]:
    body = json_body(app, max_bytes=MAX_BODY)
    try:
        return body, Filing.parse(body)  # strictly typed (R-INT-9)
    except ValidationError as exc:
        raise BadInput(None, "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())) from None


@app.post("/requests")
def file() -> Response[dict[str, Any]]:
    svc = services()
    channel = _channel(svc)
    body, filing = _parse()
    if filing.channel is not None and filing.channel != channel:
        raise Forbidden("wrong_channel", f"this API key belongs to the {channel.value} channel, not {filing.channel}")
    check_against_city(filing, svc.config)
    key = app.current_event.headers.get("idempotency-key") or app.current_event.headers.get("Idempotency-Key")
    if key is None:
        return Response(201, "application/json", _file(filing, channel))
    if not IDEMPOTENCY_KEY.match(key):
        raise BadInput("bad_idempotency_key", "Idempotency-Key: 8–128 letters, digits or . _ : -")
    # the retry store compares bodies by a digest it keeps for a day: keyed, or the phone in the
    # body could be found from it and the ticket's other fields (R-SEC-1)
    digest = svc.keys.hash(json.dumps(body, sort_keys=True, ensure_ascii=False))
    answer = once(
        _file_once,
        {"channel": channel.value, "key": key, "body": body, "digest": digest},
        table=os.environ["IDEMPOTENCY_TABLE"],
        key_path="[channel, key]",
        payload_path="digest",
        hours=IDEMPOTENCY_HOURS,
        context=app.lambda_context,
        what="Idempotency-Key",
        reused_code="idempotency_key_reused",
    )
    return Response(201, "application/json", answer)


def _file_once(request: dict[str, Any]) -> dict[str, Any]:
    return _file(Filing.parse(request["body"]), Channel(request["channel"]))


def _count_hotspots(svc: Services, orders: list[Ticket], at: datetime) -> None:
    """R-TMR-3: count the citizen on each order's street × category × day; from the city's
    threshold on, the order comes under supervision (after the filing: the count is shared)."""
    day = svc.lifecycle.policy.calendar.local(at).date()
    for order in orders:
        if not (order.citizen_key and order.category and order.location.district):
            continue
        citizens = svc.hotspots.count(order.location.district, order.location.street, order.category, day,
                                      order.citizen_key)  # fmt: skip

        def flag(ticket_id: str = order.ticket_id, citizens: int = citizens) -> None:
            step = hotspot_report(svc.lifecycle, svc.tickets.get(ticket_id), citizens, at)
            if step is not None:
                svc.tickets.save(step)

        reread_on_conflict(flag)


def _save(svc: Services, filed: Filed, request_id: str, at: datetime) -> list[Ticket]:
    """Write the filing; a duplicate of an open order also counts on the original, in the same
    transaction (R-TMR-3). The original is re-read by key, and once more if it changes meanwhile."""
    if filed.outcome != "duplicate":
        return svc.tickets.save_all(filed.steps)

    def with_repeat() -> list[Ticket]:
        original = svc.tickets.get(str(filed.details["duplicate_of"]))
        repeat = repeat_report(svc.lifecycle, original, request_id, at)
        return svc.tickets.save_all([*filed.steps, repeat] if repeat else filed.steps)[:1]

    return reread_on_conflict(with_repeat)


def _file(filing: Filing, channel: Channel) -> dict[str, Any]:
    svc, at = services(), now()
    config = svc.config
    caller = citizen_key(svc.keys, filing)
    callers = citizen_keys(svc.keys, filing)  # the same citizen under the previous key, while rotating
    rule = config.features.caller_suspension
    if caller and rule:
        for record in [svc.callers.get(c) for c in callers]:
            admit(record, at)
    for attachment in filing.attachments:
        _attachments(os.environ.get("ATTACHMENTS_BUCKET", "")).verify(attachment, channel.value)
    request_id = f"{at:%Y%m%d}-{uuid.uuid4().hex[:10].upper()}"
    query_code = new_query_code()
    sealed = Sealed()
    if filing.citizen.name or filing.citizen.phone:
        contact = filing.citizen.model_dump(exclude_none=True) | {"query_code": query_code}
        sealed = Sealed(svc.vault.seal(request_id, contact), mask(filing.citizen))
    since = (at - timedelta(days=config.intake.duplicate_window_days)).isoformat()
    history = [t for c in callers for t in svc.tickets.recent_for_citizen(c, since)]
    filed = file_request(
        filing,
        svc.lifecycle,
        request_id,
        svc.keys,
        at,
        query_code=query_code,
        knowledge=svc.knowledge,
        history=history,
        sealed=sealed,
        channel=channel,
    )
    saved = _save(svc, filed, request_id, at)
    body: dict[str, Any] = {
        "request_id": request_id,
        "query_code": query_code,
        "outcome": filed.outcome,
        "tickets": [summary(t) for t in saved],
        **filed.details,
    }
    if filed.outcome == "accepted":
        try:
            _count_hotspots(svc, saved, at)
        except DomainError as exc:  # the filing is written: failing now would make its retry a duplicate
            logger.warning("hotspot count skipped", extra={"request_id": request_id, "why": exc.message})
            metrics.add_metric(name="HotspotCountFailed", unit=MetricUnit.Count, value=1)
    if filed.outcome == "answered":
        svc.knowledge_stats.hit(str(filed.details["kb_entry"]), at)
    elif filed.outcome == "accepted" and filing.type is RequestType.consultation and not filing.matters:
        svc.knowledge_stats.miss(filing.content, at)  # R-KB-3: a question the KB was asked and lacked
    if filed.outcome == "duplicate":
        body["original"] = citizen_view(svc.tickets.get(str(filed.details["duplicate_of"])))  # one read more
    if caller and rule and filed.outcome in COUNTED:
        warning = _strike(svc, callers, at)
        if warning:
            body["warning"] = warning
    metrics.add_dimension(name="channel", value=channel.value)
    metrics.add_metric(name=f"Requests_{filed.outcome}", unit=MetricUnit.Count, value=1)
    logger.info(
        "request filed",
        extra={"request_id": request_id, "outcome": filed.outcome, "orders": len(saved), "channel": channel.value},
    )
    return body


def _strike(svc: Services, callers: list[str], at: Any) -> str | None:
    """Count an out-of-scope filing against the caller; retried if another filing counted first.
    During a key rotation the caller's record may still be under the previous key: it counts on."""
    rule = svc.config.features.caller_suspension
    assert rule is not None
    for _ in range(5):
        found = [r for r in (svc.callers.get(c) for c in callers) if r is not None]
        record = found[0] if found else CallerRecord(caller_id=callers[0])
        after, crossed = strike(record, rule, svc.lifecycle.policy, at)
        try:
            svc.callers.save(after)
        except Conflict:
            continue
        if crossed == "warned":
            left = rule.suspend_after - rule.warn_after
            return f"反复提出不属于热线受理范围或无新情况的诉求,再有 {left} 次将暂停受理 ({rule.article})"
        if crossed == "suspended":
            logger.info("caller suspended", extra={"until": str(after.suspended_until), "article": rule.article})
            return f"已暂停受理该来电人的诉求至 {after.suspended_until:%Y-%m-%d %H:%M} ({rule.article})"
        return None
    raise Conflict(None, "caller record: too many concurrent filings; retry")


@cache
def _attachments(bucket: str) -> Attachments:
    if not bucket:
        raise BadInput("no_attachments", "this hotline accepts no attachments")
    return Attachments(bucket, services().config.intake.attachments)


@app.post("/attachments")
def upload_slot() -> Response[dict[str, Any]]:
    """A pre-signed POST for one file of the declared type and size (R-INT-2)."""
    svc = services()
    channel = _channel(svc)
    body = json_body(app)
    content_type, size = body.get("content_type"), body.get("size")
    if not isinstance(content_type, str) or not isinstance(size, int) or isinstance(size, bool):
        raise BadInput("bad_attachment", "give `content_type` (string) and `size` (bytes, integer)")
    slot = _attachments(os.environ.get("ATTACHMENTS_BUCKET", "")).slot(content_type, size, channel.value)
    return Response(
        201,
        "application/json",
        {
            "attachment_id": slot.attachment_id,
            "upload": {"url": slot.url, "fields": slot.fields},
            "expires_in": slot.expires_in,
        },
    )


@app.get("/requests/<request_id>")
def progress(request_id: str) -> dict[str, Any]:
    svc = services()
    code = app.current_event.get_query_string_value("query_code")
    try:
        first = svc.tickets.get(f"{request_id}-1")
    except NotFound:
        first = None
    if first is None or not query_code_matches(first, svc.keys, code):
        raise NotFound(None, f"no request {request_id} with that query code")  # same answer either way
    tickets = [first] + [svc.tickets.get(f"{request_id}-{i}") for i in range(2, first.matters + 1)]
    return {"request_id": request_id, "tickets": [citizen_view(t) for t in tickets]}


@app.get("/kb/search")
def search() -> dict[str, Any]:
    """Public self-service search (R-KB-2); hits and misses feed the units' statistics (R-KB-3)."""
    svc, at = services(), now()
    q = (app.current_event.get_query_string_value("q") or "").strip()
    if not 1 <= len(q) <= 200:
        raise BadInput("bad_query", "give `q`, 1–200 characters")
    policy = svc.config.intake.knowledge
    today = svc.lifecycle.policy.calendar.local(at).date()
    hits = svc.knowledge.search(q, today, minimum=policy.search_min)
    if hits:
        svc.knowledge_stats.hit(hits[0].entry.id, at)
    else:
        svc.knowledge_stats.miss(q, at)
    return {
        "q": q,
        "results": [
            {"id": h.entry.id, "question": h.entry.question, "answer": h.entry.answer, "category": h.entry.category,
             "unit": h.entry.unit, "updated_at": h.entry.updated_at.isoformat(), "score": h.score}
            for h in hits
        ],
    }  # fmt: skip


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
