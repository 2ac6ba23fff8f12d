"""Ratings by SMS reply (R-CB-1): the citizen answers the reply's text with 1, 2 or 3.

The reply SMS asks "1 满意 / 2 基本满意 / 3 不满意"; the operator's two-way SMS gateway posts each
answer to `POST /sms/inbound`. The answer is matched to the citizen's order that awaits a rating
through the keyed hash of the phone (the same one duplicates use), never the number itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from hotline.domain.errors import BadInput
from hotline.domain.filing import ascii_digits
from hotline.domain.models import Satisfaction, Status, Ticket

ANSWERS = {"1": Satisfaction.satisfied, "2": Satisfaction.basically_satisfied, "3": Satisfaction.unsatisfied}
ASK = "请回复数字评价：1 满意，2 基本满意，3 不满意（可在数字后附意见）"
_ANSWER = re.compile(r"^\s*([123])(?![0-9])[\s,，。.:：、-]*(.*)$", re.S)
_FULLWIDTH = str.maketrans("１２３", "123")
_MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")


@dataclass(frozen=True)
class SmsAnswer:
    satisfaction: Satisfaction
    comment: str


def parse_answer(text: str) -> SmsAnswer:
    """`1`, `2 还行`, `３不满意,路灯还是不亮` → the rating; anything else is not an answer."""
    m = _ANSWER.match(text.translate(_FULLWIDTH))
    if m is None:
        raise BadInput("unrecognised_answer", f"an SMS rating starts with 1, 2 or 3 ({ASK})")
    return SmsAnswer(ANSWERS[m[1]], m[2].strip()[:2000])


def mobile(number: str) -> str:
    """The 11-digit mainland mobile a gateway's sender number (+8613…, 8613…, 13…) stands for."""
    m = _MOBILE.match(re.sub(r"[\s-]", "", ascii_digits(number)))
    if m is None:
        raise BadInput("bad_sender", "the sender is not a mainland mobile number; ratings come from mobiles only")
    return m[1]


def awaiting_rating(tickets: Iterable[Ticket]) -> Ticket | None:
    """The citizen's order whose reply came last and that still waits for a rating: not one rated
    since its reply (an unsatisfied rating waits for a reviewer, not for another SMS)."""
    waiting = [
        t
        for t in tickets
        if t.status is Status.replied and t.reply is not None and (t.rating is None or t.rating.at < t.reply.at)
    ]
    return max(waiting, key=lambda t: t.reply.at if t.reply else t.updated_at, default=None)
