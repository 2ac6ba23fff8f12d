"""The hotline's nouns: citizen request, work order (ticket), event, actor (SPEC §1, §11)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from hotline.config.schema import Channel, Duration, RequestType, Urgency


class Status(StrEnum):
    received = "received"  # filed, not yet classified; never visible for long
    triage = "triage"  # held for the dispatcher: the machine was not sure (R-TRI-2)
    pending_dispatch = "pending_dispatch"
    dispatched = "dispatched"
    in_progress = "in_progress"
    return_requested = "return_requested"
    replied = "replied"
    rehandling = "rehandling"
    closed = "closed"
    terminated = "terminated"
    backlogged = "backlogged"
    answered = "answered"
    transferred = "transferred"
    not_accepted = "not_accepted"
    duplicate = "duplicate"


FINAL = frozenset(
    {
        Status.closed,
        Status.terminated,
        Status.answered,
        Status.transferred,
        Status.not_accepted,
        Status.duplicate,
    }
)
OPEN = frozenset(set(Status) - FINAL - {Status.received})


class Role(StrEnum):
    system = "system"
    channel = "channel"
    citizen = "citizen"
    unit = "unit"
    dispatcher = "dispatcher"
    reviewer = "reviewer"
    callback = "callback"
    supervisor = "supervisor"


class Actor(BaseModel):
    """Who acts: a role and, for units and channels, which one (R-SEC-3 'who')."""

    model_config = ConfigDict(frozen=True)
    role: Role
    id: str

    def __str__(self) -> str:
        return f"{self.role.value}:{self.id}"


SYSTEM = Actor(role=Role.system, id="hotline")


class Satisfaction(StrEnum):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    unsatisfied = "unsatisfied"


class Location(BaseModel):
    district: str | None = None
    street: str | None = None
    address: str | None = Field(default=None, max_length=200)
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)


class Pending(BaseModel):
    """A unit's request awaiting a center decision: return, extension, termination, exemption, backlog."""

    kind: Literal["return", "extension", "termination", "exemption", "backlog"]
    by: str
    at: datetime
    reason: str
    detail: dict[str, Any] = {}


class Extension(BaseModel):
    duration: Duration
    reason: str
    granted_at: datetime
    new_reply_by: datetime


class Referral(BaseModel):
    """An order referred up for coordination (R-DSP-10, R-UNIT-3): open until the unit it went to
    coordinates or answers; meanwhile that unit reads the order and finds it in its inbox."""

    to: str | None
    reason: str
    at: datetime
    by: str | None = None
    answered_at: datetime | None = None
    answer: str | None = None

    @property
    def open(self) -> bool:
        return self.to is not None and self.answered_at is None


class StageReport(BaseModel):
    """A stage report (阶段性工作情况, R-UNIT-4): public ones show in the citizen's view."""

    at: datetime
    by: str
    part: str  # lead, assist or handling: who was reporting, as the unit's part in the order
    text: str
    public: bool = False


class Risk(BaseModel):
    """A hidden danger a unit found while handling (Hohhot Art.29, R-GOV-2): it becomes a warning."""

    at: datetime
    by: str
    text: str
    location: Location = Location()


class Reply(BaseModel):
    handled_at: datetime
    process: str
    result: str
    citizen_contacted: bool
    at: datetime
    by: str
    due: datetime | None = None  # the reply deadline it met; a reply sent back runs on it again (R-DESK-6)


class Rating(BaseModel):
    resolved: bool | None  # None when deemed (R-CB-2): the citizen never said
    satisfaction: Satisfaction
    comment: str = ""
    at: datetime
    by: str
    reasonable: bool | None = None  # reviewer's judgement of an unsatisfied rating (R-CB-3)
    deemed: bool = False  # no answer within the window (R-CB-2)


class Deadlines(BaseModel):
    sign_by: datetime | None = None
    return_by: datetime | None = None
    assist_by: datetime | None = None
    reply_by: datetime | None = None
    callback_by: datetime | None = None
    dispatch_by: datetime | None = None  # when it may go out: now, or the working morning (Weixi Art.6)
    queue_by: datetime | None = None  # the dispatcher's own deadline while it waits in the queue (R-DSP-2)
    review_by: datetime | None = None  # an approved backlog's review date (R-DESK-4): it reminds, never overdue


class Ticket(BaseModel):
    """One work order: one matter for one lead unit (SPEC §1). The item the store keeps."""

    ticket_id: str
    request_id: str
    city: str
    channel: Channel
    type: RequestType
    urgency: Urgency = Urgency.normal
    category: str | None = None
    content: str
    location: Location = Location()
    confidential: bool = False
    citizen_key: str | None = None  # keyed hash of the phone: who filed, without saying who (R-INT-4/8)
    citizen_sealed: str | None = None  # name, phone and query code under the city's KMS key (R-SEC-1)
    citizen_masked: dict[str, str] = {}  # what units see of a confidential citizen (张*, 138****8000)
    attachments: list[str] = []  # ids of uploaded evidence (R-INT-2)
    query_code_hash: str | None = None  # the citizen's verifier, hashed (R-INT-7)
    matters: int = 1  # orders of the same request: <request_id>-1 … -<matters> (R-INT-5)
    status: Status = Status.received
    reason: str | None = None  # R-INT-4 outcome code when the request is not an order
    guidance: str | None = None
    duplicate_of: str | None = None
    transferred_to: str | None = None
    answer: str | None = None
    triage: dict[str, Any] | None = None  # the machine's suggestion and evidence for the dispatcher (R-TRI-2)
    decided_by: str | None = None  # who sorted it when not the machine: call_taker or dispatcher (R-TRI-3/6)
    lead_unit: str | None = None
    assist_units: list[str] = []
    assist_parts: dict[str, str] = {}
    waived_parts: dict[str, str] = {}  # assisting unit → why the center waived its part (R-DSP-6)
    limit: Duration | None = None
    legal_limit: Duration | None = None
    legal_basis: str | None = None  # the law a stated limit comes from (R-DESK-3)
    deadlines: Deadlines = Deadlines()
    dispatched_at: datetime | None = None
    signed_at: datetime | None = None
    signed_in_time: bool | None = None  # signed by sign_by: the response rate's numerator (R-KPI-1)
    pending: Pending | None = None
    extensions: list[Extension] = []
    rehandles_used: int = 0
    reply: Reply | None = None
    rating: Rating | None = None
    exempted: bool = False
    backlog: dict[str, Any] | None = None
    referrals: list[Referral] = []
    handling_unit: str | None = None  # 经办单位: the unit below the lead that does the work (R-UNIT-2)
    progress: list[StageReport] = []
    risks: list[Risk] = []
    returned_by: list[str] = []  # units whose return was approved: routing never sends it back (R-DSP-5)
    archive_key: str | None = None  # where the immutable record lies once final (R-CB-5)
    archived_version: int | None = None  # the version that record holds; a later change is archived again
    expires_at: datetime | None = None  # the live item's TTL, set when archived
    overdue: bool = False
    repeat_reports: int = 0  # the same citizen reported it again while unsolved (R-TMR-3)
    unsatisfied_ratings: int = 0  # a second one puts the order under supervision (R-TMR-3)
    supervision_level: int = 0
    deadline_version: int = 0  # bumped whenever deadlines move; timers carry it (R-TMR-4)
    created_at: datetime
    updated_at: datetime
    version: int = 0

    @property
    def extensions_used(self) -> int:
        return len(self.extensions)

    @property
    def missing_parts(self) -> list[str]:
        """Assisting units whose part the lead still waits for (R-DSP-6)."""
        return [u for u in self.assist_units if u not in self.assist_parts and u not in self.waived_parts]

    @property
    def rated_since_reply(self) -> bool:
        """A rating was recorded for the current reply: the callback window's silence rule no longer
        applies (R-CB-2 is for silence only, R-DESK-6). A rehandled order's old rating does not count."""
        r = self.rating
        return r is not None and not r.deemed and (self.reply is None or r.at >= self.reply.at)

    def involves(self, unit_id: str) -> bool:
        return unit_id == self.lead_unit or unit_id in self.assist_units

    def referred_to(self, unit_id: str) -> bool:
        return any(r.open and r.to == unit_id for r in self.referrals)

    def sees(self, unit_id: str) -> bool:
        """Every unit with a part in the order reads it (R-UNIT-1): lead, assisting, handling,
        and a unit it was referred to (even after it answered: it coordinated this order)."""
        return self.involves(unit_id) or unit_id == self.handling_unit or any(r.to == unit_id for r in self.referrals)


class Event(BaseModel):
    """An append-only record of one transition: who, when, what, why (R-SEC-3)."""

    model_config = ConfigDict(frozen=True)
    ticket_id: str
    seq: int
    at: datetime
    actor: Actor
    action: str
    from_status: Status
    to_status: Status
    detail: dict[str, Any] = {}
