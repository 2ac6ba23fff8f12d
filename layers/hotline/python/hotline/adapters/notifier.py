"""Delivering notices (R-DSP-13): one interface, SNS behind it by default.

A city in a China region may plug its own SMS gateway: implement `Notifier` and name the
class in `HOTLINE_NOTIFIER` (module:Class); nothing else changes.
"""

from __future__ import annotations

import importlib
import os
import re
from functools import cache
from typing import Any, Protocol

from hotline.domain.notices import CitizenNotice, DeskNotice, Notice

MOBILE = re.compile(r"^1[3-9]\d{9}$")


class Notifier(Protocol):
    def to_unit(self, notice: Notice) -> None: ...

    def to_desk(self, notice: DeskNotice) -> None: ...

    def to_citizen(self, phone: str, notice: CitizenNotice) -> None: ...


class SnsNotifier:
    """One topic per unit (`<prefix><unit_id>`), one for the emergency desks, SMS to citizens."""

    def __init__(self, unit_topic_arn_prefix: str, emergency_topic_arn: str = "", client: Any | None = None) -> None:
        import boto3  # only the notifying function pays for it

        self.prefix, self.emergency = unit_topic_arn_prefix, emergency_topic_arn
        self.sns = client or boto3.client("sns")

    def to_unit(self, notice: Notice) -> None:
        self.sns.publish(
            TopicArn=f"{self.prefix}{notice.unit_id}",
            Subject=notice.subject[:100],
            Message=notice.text,
            MessageAttributes={
                name: {"DataType": "String", "StringValue": value}
                for name, value in (("kind", notice.kind), ("ticket_id", notice.ticket_id), ("unit_id", notice.unit_id))
                if value  # SNS refuses empty attribute values; a KB notice is about no order
            },
        )

    def to_desk(self, notice: DeskNotice) -> None:
        """Each desk's integration subscribes to the emergency topic with a filter on `desk`."""
        self.sns.publish(
            TopicArn=self.emergency,
            Subject=f"12345 紧急转办 {notice.ticket_id}",
            Message=notice.text,
            MessageAttributes={
                "desk": {"DataType": "String", "StringValue": notice.desk},
                "ticket_id": {"DataType": "String", "StringValue": notice.ticket_id},
            },
        )

    def to_citizen(self, phone: str, notice: CitizenNotice) -> None:
        """SMS reaches mobiles only; a landline caller hears from the hotline by phone instead."""
        if not MOBILE.match(phone):
            return
        self.sns.publish(
            PhoneNumber="+86" + phone,
            Message=notice.text,
            MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}},
        )


@cache
def notifier() -> Notifier:
    custom = os.environ.get("HOTLINE_NOTIFIER")
    if custom:
        module, _, cls = custom.partition(":")
        impl: Notifier = getattr(importlib.import_module(module), cls)()
        return impl
    return SnsNotifier(os.environ["UNIT_TOPIC_ARN_PREFIX"], os.environ.get("EMERGENCY_TOPIC_ARN", ""))
