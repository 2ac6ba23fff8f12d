"""SNS: one topic per unit, one for ops, one for citizen SMS (R-DSP-13, R-OPS-2)."""

from __future__ import annotations

from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from hotline.config.schema import CityConfig


class Notifications(Construct):
    def __init__(self, scope: Construct, id: str, *, config: CityConfig, key: kms.IKey) -> None:
        super().__init__(scope, id)

        def topic(cid: str, name: str, display: str) -> sns.Topic:
            return sns.Topic(self, cid, topic_name=name, display_name=display[:100], master_key=key, enforce_ssl=True)

        prefix = f"hotline-{config.city}"
        self.ops = topic("Ops", f"{prefix}-ops", f"{config.name} 12345 运维告警")
        self.citizen_sms = topic("CitizenSms", f"{prefix}-citizen-sms", f"{config.name} 12345")
        self.units: dict[str, sns.Topic] = {
            u.id: topic(f"Unit-{u.id}", f"{prefix}-unit-{u.id}", u.name) for u in config.units
        }
