"""What each action carries (SPEC §11 `POST /tickets/{id}/actions`). Unknown fields are refused."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from hotline.config.schema import Desk, Duration, Refusal
from hotline.domain.models import Satisfaction

Text = Field(min_length=2, max_length=4000)
Reason = Field(min_length=2, max_length=2000)


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Empty(Payload):
    pass


class Answer(Payload):
    answer: str = Text
    kb_entry: str | None = None


class Transfer(Payload):
    desk: Desk
    reason: str = Reason


class Refuse(Payload):
    reason: Refusal
    guidance: str = Text
    rule: str | None = None  # which rule and term decided, for the record (R-INT-4)


class MarkDuplicate(Payload):
    duplicate_of: str = Field(min_length=4)
    guidance: str = Text


class Dispatch(Payload):
    lead_unit: str
    assist_units: list[str] = []
    note: str | None = None


class RequestReturn(Payload):
    reason: str = Reason
    evidence: str | None = None
    complex: bool = False


class Decision(Payload):
    approve: bool
    reason: str = Reason


class DecideReturn(Decision):
    redispatch_to: str | None = None
    assist_units: list[str] = []


class RequestExtension(Payload):
    days: int | None = Field(default=None, gt=0, le=60)
    hours: int | None = Field(default=None, gt=0, le=24 * 60)
    reason: str = Reason

    @model_validator(mode="after")
    def _one(self) -> Self:
        if self.days is not None and self.hours is not None:
            raise ValueError("give `days` or `hours`, not both")
        return self

    @property
    def duration(self) -> Duration | None:
        if self.days is not None:
            return Duration(working_days=self.days)
        if self.hours is not None:
            return Duration(hours=self.hours)
        return None


class SubmitAssist(Payload):
    text: str = Text


class DecideAssist(Payload):
    """R-DSP-6: the center waives an assisting unit's part (`waive: true`) or removes the unit."""

    unit: str = Field(min_length=1)
    waive: bool
    reason: str = Reason


class ReplyPayload(Payload):
    """R-DSP-8: time, what was done, the result, how the citizen was answered."""

    handled_at: AwareDatetime
    process: str = Field(min_length=4, max_length=4000)
    result: str = Field(min_length=2, max_length=4000)
    citizen_contacted: bool
    no_contact_reason: str | None = None


class RequestTermination(Payload):
    reason: str = Reason
    evidence: str | None = None


class RequestBacklog(Payload):
    plan: str = Text
    review_on: date
    scope: str | None = None


class ReferUp(Payload):
    reason: str = Reason
    to: str | None = None


class Rate(Payload):
    resolved: bool | None  # None: not asked or not answered (an SMS rating); leaves the resolution rate
    satisfaction: Satisfaction
    comment: str = Field(default="", max_length=2000)


class RecordCallback(Rate):
    reasonable: bool | None = None


class RequestExemption(Payload):
    reason: str = Reason
    evidence: str = Text


class Supervise(Payload):
    level: int = Field(ge=1, le=9)
    note: str = Reason


Deadline = Literal["sign", "return", "assist", "reply", "callback", "dispatch", "queue"]


class TimerFire(Payload):
    """A timer's fire carries the deadline version it was set for (R-TMR-4)."""

    deadline: Deadline
    deadline_version: int = Field(ge=0)


class Escalate(Payload):
    level: int = Field(ge=2, le=9)
    deadline_version: int = Field(ge=0)
    deadline: Deadline | None = None


class AutoClose(Payload):
    """The callback window's timer (R-CB-2); tests and tools may close without naming a version."""

    deadline_version: int | None = Field(default=None, ge=0)
    deadline: Literal["callback"] | None = None


class NoteRepeat(Payload):
    request_id: str = Field(min_length=4)  # the repeat filing, answered as a duplicate


class NoteHotspot(Payload):
    citizens: int = Field(ge=2)  # different citizens who reported it that day


class Archive(Payload):
    key: str = Field(min_length=3)
    checksum: str = Field(min_length=8)
    at: datetime | None = None


PAYLOADS: dict[str, type[Payload]] = {
    "accept": Empty,
    "answer": Answer,
    "transfer": Transfer,
    "refuse": Refuse,
    "mark_duplicate": MarkDuplicate,
    "dispatch": Dispatch,
    "sign": Empty,
    "request_return": RequestReturn,
    "decide_return": DecideReturn,
    "request_extension": RequestExtension,
    "decide_extension": Decision,
    "submit_assist": SubmitAssist,
    "decide_assist": DecideAssist,
    "reply": ReplyPayload,
    "request_termination": RequestTermination,
    "decide_termination": Decision,
    "request_backlog": RequestBacklog,
    "refer_up": ReferUp,
    "rate": Rate,
    "record_callback": RecordCallback,
    "auto_close": AutoClose,
    "request_exemption": RequestExemption,
    "decide_exemption": Decision,
    "supervise": Supervise,
    "remind": TimerFire,
    "mark_overdue": TimerFire,
    "escalate": Escalate,
    "archive": Archive,
    "note_repeat": NoteRepeat,
    "note_hotspot": NoteHotspot,
}
