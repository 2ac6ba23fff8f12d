"""Delivering notices (R-DSP-13): one interface, SNS behind it by default.

A city in a China region may plug its own SMS gateway: implement `Notifier` and name the
class in `HOTLINE_NOTIFIER` (module:Class); nothing else changes.

Citizen SMS take two steps (R-SEC-2): `notify` queues an `SmsRequest` (the ticket, the request,
the text with `{query_code}` still in it, and the sealed contact — never the phone number) on the
city's citizen-SMS queue; the `sms` function opens the contact and calls `Notifier.to_citizen`.
Only `sms` may publish to a phone number, the one `sns:Publish` no policy can scope.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from hotline.domain.notices import CenterNotice, CitizenNotice, DeskNotice, Notice

MOBILE = re.compile(r"^1[3-9]\d{9}$")


def attributes(**values: str) -> dict[str, dict[str, str]]:
    """Message attributes for subscription filters; SNS and SQS refuse empty values (a KB notice
    is about no order), so those are left out."""
    return {name: {"DataType": "String", "StringValue": value} for name, value in values.items() if value}


class Notifier(Protocol):
    def to_unit(self, notice: Notice) -> None: ...

    def to_desk(self, notice: DeskNotice) -> None: ...

    def to_center(self, notice: CenterNotice) -> None: ...

    def to_citizen(self, phone: str, notice: CitizenNotice) -> None: ...


class SnsNotifier:
    """One topic per unit (`<prefix><unit_id>`), one for the emergency desks, SMS to citizens."""

    def __init__(
        self,
        unit_topic_arn_prefix: str,
        emergency_topic_arn: str = "",
        client: Any | None = None,
        center_topic_arn_prefix: str = "",
    ) -> None:
        import boto3  # only the notifying function pays for it

        self.prefix, self.emergency, self.center = unit_topic_arn_prefix, emergency_topic_arn, center_topic_arn_prefix
        self.sns = client or boto3.client("sns")

    def to_unit(self, notice: Notice) -> None:
        self.sns.publish(
            TopicArn=f"{self.prefix}{notice.unit_id}",
            Subject=notice.subject[:100],
            Message=notice.text,
            MessageAttributes=attributes(kind=notice.kind, ticket_id=notice.ticket_id, unit_id=notice.unit_id),
        )

    def to_center(self, notice: CenterNotice) -> None:
        """R-DESK-2: one topic per center role (`<prefix><role>`); staff subscribe by e-mail or SMS."""
        if not self.center:
            raise RuntimeError("CENTER_TOPIC_ARN_PREFIX is not set: the stack passes the center topics to notify")
        self.sns.publish(
            TopicArn=f"{self.center}{notice.role}",
            Subject=notice.subject[:100],
            Message=notice.text,
            MessageAttributes=attributes(kind=notice.kind, ticket_id=notice.ticket_id, role=notice.role),
        )

    def to_desk(self, notice: DeskNotice) -> None:
        """Each desk's integration subscribes to the emergency topic with a filter on `desk`."""
        self.sns.publish(
            TopicArn=self.emergency,
            Subject=f"12345 紧急转办 {notice.ticket_id}",
            Message=notice.text,
            MessageAttributes=attributes(desk=notice.desk, ticket_id=notice.ticket_id),
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


@dataclass(frozen=True)
class SmsRequest:
    """A citizen SMS waiting to be sent: the notice and the sealed contact it goes to."""

    notice: CitizenNotice
    sealed: str

    def to_json(self) -> str:
        return json.dumps({**asdict(self.notice), "sealed": self.sealed}, ensure_ascii=False)

    @classmethod
    def from_json(cls, body: str) -> SmsRequest:
        data = json.loads(body)
        notice = CitizenNotice(
            ticket_id=data["ticket_id"], request_id=data["request_id"], kind=data["kind"], text=data["text"]
        )
        return cls(notice, data["sealed"])


class CitizenSmsQueue:
    """The city's citizen-SMS queue (`CITIZEN_SMS_QUEUE_URL`), read by the `sms` function."""

    def __init__(self, queue_url: str, client: Any | None = None) -> None:
        import boto3

        self.url = queue_url
        self.sqs = client or boto3.client("sqs")

    def request(self, notice: CitizenNotice, sealed: str) -> None:
        self.sqs.send_message(
            QueueUrl=self.url,
            MessageBody=SmsRequest(notice, sealed).to_json(),
            MessageAttributes=attributes(kind=notice.kind, ticket_id=notice.ticket_id),
        )


def build_notifier(custom: str | None, **sns: str) -> Notifier:
    """The city's own notifier (`module:Class`, HOTLINE_NOTIFIER), or SNS with the stack's topics."""
    if custom:
        module, _, cls = custom.partition(":")
        impl: Notifier = getattr(importlib.import_module(module), cls)()
        return impl
    return SnsNotifier(**sns)
