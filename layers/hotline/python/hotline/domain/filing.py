"""A filed request's outcome (R-INT-3/4/5, R-TRI-1..4): per matter transferred, not accepted,
held for a person, or an order; a single matter may also be a duplicate or answered.

A staffed channel's call-taker may decide and then their decision is the outcome (R-TRI-3).
Otherwise each matter is sorted on its own (R-TRI-4, `domain/triage.py`): a present danger to
its desk, a sure refusal where the city lets the machine refuse, a doubt to the dispatcher's
triage queue; then the same citizen's earlier request about the same matter, then the
knowledge base for consultations; what remains becomes one work order per matter, routed by
rule or queued for the dispatcher (R-DSP-1/2).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from hotline.config.schema import Channel, CityConfig, Desk, IntakePolicy, Refusal, RequestType, Urgency
from hotline.domain.actions import BY_NAME
from hotline.domain.errors import BadInput, Forbidden
from hotline.domain.knowledge import NEAREST, Hit, Knowledge
from hotline.domain.lifecycle import Lifecycle, Step
from hotline.domain.models import OPEN, SYSTEM, Actor, Location, Role, Status, Ticket
from hotline.domain.routing import with_routing
from hotline.domain.text import overlap
from hotline.domain.triage import Sorting, sort_matter

Outcome = Literal["answered", "transferred", "not_accepted", "duplicate", "accepted"]
# Records that are not themselves a matter a later request can repeat.
NOT_ORIGINALS = frozenset({Status.duplicate, Status.not_accepted, Status.transferred})
ATTACHMENT_ID = r"^att-[0-9a-f]{32}$"

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
# Control characters (C0, DEL, C1): never in a one-line field; free text keeps tab and line breaks.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_IN_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def ascii_digits(text: str) -> str:
    """`１３９…`, `١٣٩…`, `१३९…` → `139…`: NFKC (full-width forms, also of `-` and `+`), then every
    other Unicode decimal digit as its ASCII digit — before a phone is checked or hashed (R-INT-9)."""
    text = unicodedata.normalize("NFKC", text)
    digits = {ord(c): str(unicodedata.decimal(c)) for c in set(text) if not c.isascii() and c.isdecimal()}
    return text.translate(digits) if digits else text


def _no_control(v: str | None) -> str | None:
    if v is not None and CONTROL_IN_LINE.search(v):
        raise ValueError("contains a control character")
    return v


class Citizen(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, max_length=50)
    phone: str | None = None

    @field_validator("phone", mode="before")
    @classmethod
    def _ascii_phone(cls, v: object) -> object:
        return ascii_digits(v) if isinstance(v, str) else v

    @field_validator("phone")
    @classmethod
    def _phone(cls, v: str | None) -> str | None:
        if v is not None and not PHONE.match(v):
            raise ValueError("not a mainland mobile (11 digits from 1) or landline number (0xx-xxxxxxx)")
        return v

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return _no_control(v)


def _lines_of(loc: Location | None) -> list[str | None]:
    return [loc.district, loc.street, loc.address] if loc is not None else []


class Matter(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    content: str = Field(min_length=2)
    category: str | None = None
    location: Location | None = None


class Disposition(BaseModel):
    """The call-taker's own decision on a staffed channel (R-TRI-3): it is the outcome."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    outcome: Literal["accepted", "transferred", "not_accepted", "answered"]
    reason: Refusal | None = None
    desk: Desk | None = None
    guidance: str | None = Field(default=None, min_length=2, max_length=4000)

    @model_validator(mode="after")
    def _complete(self) -> Self:
        needs = {"transferred": "desk", "not_accepted": "reason", "answered": "guidance"}.get(self.outcome)
        if needs and getattr(self, needs) is None:
            raise ValueError(f"outcome {self.outcome} needs `{needs}`")
        if self.desk is not None and self.outcome != "transferred":
            raise ValueError("`desk` is for outcome transferred only")
        if self.reason is not None and self.outcome != "not_accepted":
            raise ValueError("`reason` is for outcome not_accepted only")
        return self


class Filing(BaseModel):
    """POST /requests (SPEC §11, §12.7)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    channel: Channel | None = None  # known from the API key; if given, it must agree (R-INT-1)
    type: RequestType
    content: str = Field(min_length=2)
    category: str | None = None
    urgency: Urgency = Urgency.normal
    citizen: Citizen = Citizen()
    confidential: bool = False
    location: Location = Location()
    matters: list[Matter] = Field(default=[], max_length=10)
    attachments: list[Annotated[str, StringConstraints(pattern=ATTACHMENT_ID)]] = Field(default=[], max_length=20)
    disposition: Disposition | None = None

    @model_validator(mode="after")
    def _clean(self) -> Self:
        """No control character in any string of the filing (R-INT-9): a NUL in a name or an
        address is refused, not stored; content may keep tabs and line breaks."""
        for text in [self.content, *(m.content for m in self.matters)]:
            if CONTROL.search(text):
                raise ValueError("content contains control characters")
        lines = [self.category, *_lines_of(self.location)]
        for m in self.matters:
            lines += [m.category, *_lines_of(m.location)]
        for line in lines:
            if line is not None and CONTROL_IN_LINE.search(line):
                raise ValueError("category or location contains control characters")
        return self

    @classmethod
    def parse(cls, body: dict[str, Any]) -> Filing:
        """A filing as a channel sent it, typed strictly (R-INT-9): JSON's own types only — codes
        from strings, numbers from numbers, but `"yes"` is no boolean and `139…` no string."""
        return cls.model_validate_json(json.dumps(body), strict=True)


@dataclass(frozen=True)
class HashKeys:
    """The stack's secret keys for hashing phones and query codes (R-SEC-1): new hashes are made
    with `current`; lookups try `current`, then `previous` while a rotation runs."""

    current: bytes
    previous: bytes | None = None

    @property
    def all(self) -> tuple[bytes, ...]:
        return (self.current, self.previous) if self.previous else (self.current,)

    def hash(self, value: str) -> str:
        return keyed_hash(self.current, value)

    def hashes(self, value: str) -> list[str]:
        """What `value` may be stored as: its hash under each key, the current one first."""
        return [keyed_hash(k, value) for k in self.all]

    def matches(self, stored: str, value: str) -> bool:
        return any(hmac.compare_digest(stored, h) for h in self.hashes(value))


def keyed_hash(secret: bytes, value: str) -> str:
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def check_against_city(f: Filing, config: CityConfig) -> None:
    """Codes must come from GET /catalog; lengths from the city's limit (R-INT-9)."""
    if f.channel is not None and f.channel not in config.channels:
        raise BadInput("unknown_channel", f"{f.channel.value} is not a channel of {config.name}")
    if len(f.attachments) > config.intake.attachments.max_count:
        raise BadInput("too_many_attachments", f"at most {config.intake.attachments.max_count} attachments")
    cats = {c.code for c in config.categories}
    districts = {d.code: {s.code for s in d.streets} for d in config.districts}
    items: list[Filing | Matter] = [f, *f.matters]
    for m in items:
        if len(m.content) > config.max_content_chars:
            raise BadInput("too_long", f"content is longer than {config.max_content_chars} characters")
        if m.category is not None and m.category not in cats:
            raise BadInput("unknown_category", f"unknown category {m.category!r}; see GET /catalog")
        loc = m.location or f.location
        if loc.district is not None and loc.district not in districts:
            raise BadInput("unknown_district", f"unknown district {loc.district!r}; see GET /catalog")
        if loc.street is not None and loc.street not in districts.get(loc.district or "", set()):
            raise BadInput("unknown_street", f"street {loc.street!r} is not in district {loc.district!r}")


@dataclass(frozen=True)
class Filed:
    """What intake decided: the outcome, the steps to write per ticket, and what to tell the channel."""

    outcome: Outcome
    orders: list[list[Step]]
    details: dict[str, Any] = field(default_factory=dict)
    strike: bool = False  # counts toward the caller's suspension: a person's refusal or a repeat (R-TRI-6)
    nearest: Hit | None = None  # an unanswered consultation's closest entry: whose unit hears of it (R-KB-4)

    @property
    def steps(self) -> list[Step]:
        return [s for chain in self.orders for s in chain]


@dataclass(frozen=True)
class Sealed:
    """The citizen's contact as stored: KMS ciphertext plus the masked form units may see (R-SEC-1)."""

    ciphertext: str | None = None
    masked: dict[str, str] = field(default_factory=dict)


def mask(citizen: Citizen) -> dict[str, str]:
    out: dict[str, str] = {}
    if citizen.name:
        out["name"] = citizen.name[0] + "*" * max(len(citizen.name) - 1, 1)
    if citizen.phone:
        # R-SEC-1: three leading and two trailing digits, one star per hidden one (`139******78`):
        # the mask leaves 10^6 numbers, which only the secret key can tell apart
        digits = citizen.phone.replace("-", "")
        shown = 2 if len(digits) >= 11 else 0
        out["phone"] = digits[:3] + "*" * (len(digits) - 3 - shown) + digits[len(digits) - shown :]
    return out


def new_query_code() -> str:
    return secrets.token_urlsafe(9)


def _caller(f: Filing) -> str | None:
    return f.citizen.phone.replace("-", "") if f.citizen.phone else None


def citizen_key(keys: HashKeys, f: Filing) -> str | None:
    """Who filed, as a keyed hash of the phone: duplicates and caller limits match on it (R-INT-4/8)."""
    phone = _caller(f)
    return keys.hash(phone) if phone else None


def citizen_keys(keys: HashKeys, f: Filing) -> list[str]:
    """Every key the same citizen may be stored under while a rotation runs, the current first."""
    phone = _caller(f)
    return keys.hashes(phone) if phone else []


def find_duplicate(f: Filing, history: Sequence[Ticket], policy: IntakePolicy, now: datetime) -> Ticket | None:
    """The same citizen's earlier request about the same matter with nothing new (Tianjin Art.17(5))."""
    if f.matters:
        return None
    since = now - timedelta(days=policy.duplicate_window_days)
    for old in sorted(history, key=lambda t: t.created_at, reverse=True):
        if old.status in NOT_ORIGINALS or old.created_at < since:
            continue
        if f.category and old.category and f.category != old.category:
            continue
        if f.location.district and old.location.district and f.location.district != old.location.district:
            continue
        if overlap(f.content, old.content) >= policy.duplicate_min_overlap:
            return old
    return None


def file_request(
    f: Filing,
    lc: Lifecycle,
    request_id: str,
    keys: HashKeys,
    now: datetime,
    *,
    query_code: str,
    knowledge: Knowledge,
    history: Sequence[Ticket] = (),
    sealed: Sealed = Sealed(),
    channel: Channel | None = None,
) -> Filed:
    """Sort the request (R-INT-3/4, R-TRI-1..4) and build its tickets: one per matter (R-INT-5)."""
    config = lc.config
    check_against_city(f, config)
    channel = channel or f.channel
    if channel is None:
        raise BadInput("no_channel", "the channel is not known: call with the channel's x-api-key")
    matters = f.matters or [Matter(content=f.content, category=f.category, location=f.location)]

    def ticket(i: int, m: Matter) -> Ticket:
        return Ticket(
            ticket_id=f"{request_id}-{i}",
            request_id=request_id,
            city=config.city,
            channel=channel,
            type=f.type,
            urgency=f.urgency,
            category=m.category,
            content=m.content,
            location=m.location or f.location,
            confidential=f.confidential,
            citizen_key=citizen_key(keys, f),
            citizen_sealed=sealed.ciphertext,
            citizen_masked=sealed.masked,
            attachments=list(f.attachments) if i == 1 else [],
            query_code_hash=keys.hash(query_code),
            matters=len(matters),
            created_at=now,
            updated_at=now,
        )

    tickets = [ticket(i, m) for i, m in enumerate(matters, start=1)]
    if f.disposition is not None:
        staffed = config.intake.staffed_channels
        if channel not in staffed:
            raise Forbidden(
                "not_staffed",
                f"{channel.value} 渠道不是人工受理渠道，不能提交话务员的处理意见（disposition）",
                "only a staffed channel sends a disposition: "
                + ", ".join(c.value for c in config.intake.staffed_channels),
            )
        return _as_call_taker_decided(lc, f.disposition, tickets, Actor(role=Role.channel, id=channel.value), now)
    sortings = [sort_matter(m.content, config.intake) for m in matters]
    near = None
    if not f.matters and sortings[0].outcome in {"accepted", "held"}:
        if f.type is RequestType.consultation and sortings[0].outcome == "accepted":
            near = _nearest(f, lc, knowledge, now)
        single = _repeat_or_answer(f, lc, tickets[0], near, history, now)
        if single is not None:
            return single
    sorted_ = _sorted(lc, tickets, sortings, now, near)
    return replace(sorted_, nearest=near) if near is not None else sorted_


def _nearest(f: Filing, lc: Lifecycle, knowledge: Knowledge, now: datetime) -> Hit | None:
    """The one search of a consultation: its best entry, if it shares anything worth naming."""
    best = knowledge.search(f.content, lc.policy.calendar.local(now).date(), minimum=NEAREST, limit=1)
    return best[0] if best else None


def _repeat_or_answer(
    f: Filing,
    lc: Lifecycle,
    record: Ticket,
    near: Hit | None,
    history: Sequence[Ticket],
    now: datetime,
) -> Filed | None:
    """One matter the machine did not refuse: the same citizen's repeat, or a consultation the
    KB answers with confidence (R-INT-3, R-TRI-5, R-KB-4: at the calibrated bar, never below);
    None when it is to be an order."""
    config = lc.config
    original = find_duplicate(f, history, config.intake, now)
    if original is not None:
        body = {"duplicate_of": original.ticket_id, "guidance": config.guidance.duplicate}
        step = lc.apply(record, "mark_duplicate", SYSTEM, body, now)
        said = {"reason": "duplicate", "duplicate_of": original.ticket_id, "guidance": config.guidance.duplicate}
        return Filed("duplicate", [[step]], said, strike=True)
    if near is None or near.score < config.intake.knowledge.answer_min:
        return None
    hit = near
    step = lc.apply(
        record, "answer", SYSTEM, {"answer": hit.entry.answer, "kb_entry": hit.entry.id, "score": hit.score}, now
    )
    details: dict[str, Any] = {"answer": hit.entry.answer, "kb_entry": hit.entry.id, "score": hit.score}
    return Filed("answered", [[step]], details)


def _sorted(
    lc: Lifecycle, tickets: list[Ticket], sortings: list[Sorting], now: datetime, near: Hit | None = None
) -> Filed:
    """Each matter as the machine sorted it (R-TRI-4); the answer says per matter what happened.
    A consultation whose best entry is below the answer bar but at the suggestion bar carries it
    to the order, for whoever handles it (R-KB-4): offered, never given as the answer."""
    suggestion = None
    if near is not None and near.score >= lc.config.intake.knowledge.suggest_min:
        suggestion = {"kb_entry": near.entry.id, "question": near.entry.question, "score": near.score}
    decided = []
    for t, sorting in zip(tickets, sortings, strict=True):
        evidence = [e.as_dict() for e in sorting.evidence]
        if sorting.outcome == "transferred":
            body: dict[str, Any] = {"desk": sorting.desk, "reason": sorting.explanation}
        elif sorting.outcome == "not_accepted":
            body = {"reason": sorting.reason, "rule": sorting.explanation}
        elif sorting.outcome == "held":
            suggested = sorting.suggested | _hand_off_to(lc.config, sorting, t.content)
            body = {"suggested": suggested, "evidence": evidence}
        else:
            body = {"suggestion": suggestion} if suggestion else {}
        decided.append(_decide(lc, t, sorting.outcome, body, SYSTEM, now, evidence))
    filed = _filed([steps for steps, _ in decided], [said for _, said in decided])
    if suggestion:
        answer = near.entry.answer if near else ""
        return replace(filed, details=filed.details | {"suggestion": suggestion | {"answer": answer}})
    return filed


def _as_call_taker_decided(lc: Lifecycle, d: Disposition, tickets: list[Ticket], actor: Actor, now: datetime) -> Filed:
    """R-TRI-3: the call-taker's decision is the outcome of every matter, recorded as theirs."""
    bodies: dict[str, dict[str, Any]] = {
        "transferred": {"desk": d.desk, "reason": "话务员判定（R-TRI-3）"},
        "not_accepted": {"reason": d.reason, "guidance": d.guidance, "rule": "话务员判定（R-TRI-3）"},
        "answered": {"answer": d.guidance},
        "accepted": {},
    }
    body = {k: v for k, v in bodies[d.outcome].items() if v is not None}
    decided = [_decide(lc, t, d.outcome, body, actor, now) for t in tickets]
    filed = _filed([steps for steps, _ in decided], [said for _, said in decided])
    return Filed(filed.outcome, filed.orders, filed.details | {"decided_by": "call_taker"},
                 strike=BY_NAME[_ACTION[d.outcome]].strikes)  # fmt: skip


def _hand_off_to(config: CityConfig, sorting: Sorting, text: str) -> dict[str, Any]:
    """R-DESK-5: for a matter that looks like no government's, the city's body that takes it, by
    its words, as the dispatcher's suggestion (the hand-off itself needs the citizen's consent)."""
    if sorting.reason != "not_government":
        return {}
    body = next((b for b in config.intake.handoffs if any(term in text for term in b.terms)), None)
    return {"hand_off": body.id} if body else {}


# outcome of a matter -> the intake action that records it
_ACTION = {"accepted": "accept", "transferred": "transfer", "not_accepted": "refuse", "held": "hold",
           "answered": "answer"}  # fmt: skip


def _decide(
    lc: Lifecycle, t: Ticket, outcome: str, body: dict[str, Any], actor: Actor, now: datetime,
    evidence: list[dict[str, Any]] | None = None,
) -> tuple[list[Step], dict[str, Any]]:  # fmt: skip
    """One matter's outcome as its steps and what the answer says of it. An order is accepted
    (which sets when it may go out and the queue's deadline) and routed when a rule decides."""
    step = lc.apply(t, _ACTION[outcome], actor, body, now)
    if BY_NAME[_ACTION[outcome]].routes:
        return with_routing(lc, step, now), {"ticket_id": t.ticket_id, "outcome": outcome}
    after = step.after
    said: dict[str, Any] = {"ticket_id": t.ticket_id, "outcome": outcome}
    if outcome == "transferred":
        said |= {"reason": "emergency", "transferred_to": after.transferred_to, "guidance": after.guidance}
    elif outcome == "not_accepted":
        said |= {"reason": after.reason, "guidance": after.guidance}
    elif outcome == "held":
        said |= {"guidance": lc.config.guidance.held, "triage": after.triage}
    else:
        said |= {"answer": after.answer}
    if evidence and outcome != "held":
        said["evidence"] = evidence
    return [step], said


def _filed(orders: list[list[Step]], per_matter: list[dict[str, Any]]) -> Filed:
    """The request's outcome: a danger first (the caller must hear it now), then any order or
    held matter, then refusals. The top-level fields repeat the deciding matter's (SPEC §11)."""
    outcomes = [m["outcome"] for m in per_matter]
    wanted = next(o for o in ("transferred", "accepted", "held", "not_accepted", "answered") if o in outcomes)
    first = per_matter[outcomes.index(wanted)]
    top: Outcome = "accepted" if wanted == "held" else wanted  # type: ignore[assignment]
    keep = ("reason", "guidance", "transferred_to", "triage", "answer")
    details: dict[str, Any] = {k: first[k] for k in keep if k in first}
    if top == "accepted" and "held" in outcomes and "accepted" not in outcomes:
        details["held_for_review"] = True
    if first.get("evidence"):
        details["explanation"] = "; ".join(
            f"{e['reason']}: '{e['term']}' ({', '.join(filter(None, [e['strength'], e.get('article')]))})"
            for e in first["evidence"]
        )
    return Filed(top, orders, details | {"matters": per_matter})


def repeat_report(lc: Lifecycle, original: Ticket, request_id: str, now: datetime) -> Step | None:
    """R-TMR-3: a duplicate of an order still open counts on it and, repeated, puts it under
    supervision; a duplicate of one already finished just points the citizen to its answer."""
    if original.status not in OPEN:
        return None
    return lc.apply(original, "note_repeat", SYSTEM, {"request_id": request_id}, now)


def is_hotspot(lc: Lifecycle, citizens: int) -> bool:
    """R-TMR-3: as many different citizens as the city's threshold, in one place today."""
    return citizens >= lc.config.supervision.hotspot_citizens


def hotspot_report(lc: Lifecycle, order: Ticket, citizens: int, now: datetime) -> Step | None:
    """R-TMR-3: an order that many different citizens reported in one place today comes under
    supervision, from the city's threshold on."""
    if not is_hotspot(lc, citizens) or order.status not in OPEN:
        return None
    return lc.apply(order, "note_hotspot", SYSTEM, {"citizens": citizens}, now)


def query_code_matches(ticket: Ticket, keys: HashKeys, code: str | None) -> bool:
    """The citizen's query code against its stored hash, under each key (R-SEC-1 rotation)."""
    if not code or not ticket.query_code_hash:
        return False
    return keys.matches(ticket.query_code_hash, code)
