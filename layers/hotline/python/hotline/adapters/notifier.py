"""Delivering notices (R-DSP-13): one interface, SNS behind it by default.

A city in a China region may plug its own SMS gateway: implement `Notifier` and name the
class in `HOTLINE_NOTIFIER` (module:Class); nothing else changes.
"""

from __future__ import annotations

import importlib
import os
from functools import cache
from typing import Any, Protocol

from hotline.domain.notices import Notice


class Notifier(Protocol):
    def to_unit(self, notice: Notice) -> None: ...


class SnsNotifier:
    """One topic per unit (`<prefix><unit_id>`); message attributes let subscribers filter."""

    def __init__(self, unit_topic_arn_prefix: str, client: Any | None = None) -> None:
        import boto3  # only the notifying function pays for it

        self.prefix = unit_topic_arn_prefix
        self.sns = client or boto3.client("sns")

    def to_unit(self, notice: Notice) -> None:
        self.sns.publish(
            TopicArn=f"{self.prefix}{notice.unit_id}",
            Subject=notice.subject[:100],
            Message=notice.text,
            MessageAttributes={
                "kind": {"DataType": "String", "StringValue": notice.kind},
                "ticket_id": {"DataType": "String", "StringValue": notice.ticket_id},
                "unit_id": {"DataType": "String", "StringValue": notice.unit_id},
            },
        )


@cache
def notifier() -> Notifier:
    custom = os.environ.get("HOTLINE_NOTIFIER")
    if custom:
        module, _, cls = custom.partition(":")
        impl: Notifier = getattr(importlib.import_module(module), cls)()
        return impl
    return SnsNotifier(os.environ["UNIT_TOPIC_ARN_PREFIX"])
