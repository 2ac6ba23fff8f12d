"""Per-resource acknowledgements of cdk-nag findings; every one carries its reason."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def ack(construct: IConstruct, rule: str, reason: str) -> None:
    if len(reason) < 20:
        raise ValueError(f"{rule}: a real reason, please")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
