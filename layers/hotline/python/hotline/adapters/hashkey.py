"""The stack's hash key (R-SEC-1), from the Secrets Manager secret the stack generates.

The stack passes the secret's ARN in `HASH_KEY_SECRET_ARN` to the functions that hash phones and
query codes (intake, callback). Its SecretString is JSON: `{"current": "<key>"}`, during a
rotation `{"current": "<new key>", "previous": "<old key>"}` (docs/runbook.md). Anything missing
or weak fails closed: the function refuses to hash, it never falls back to a key anyone can guess.
"""

from __future__ import annotations

import json
from typing import Any

from hotline.domain.filing import HashKeys
from hotline.settings import variable

ENV = "HASH_KEY_SECRET_ARN"
MIN_KEY_CHARS = 32


def _key(secret: dict[str, Any], field: str, arn: str) -> bytes | None:
    value = secret.get(field)
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) < MIN_KEY_CHARS:
        raise RuntimeError(
            f'the hash-key secret {arn}: "{field}" must be a string of at least {MIN_KEY_CHARS} characters '
            "(R-SEC-1); refusing to hash phones with a weak key"
        )
    return value.encode()


def load_hash_keys(arn: str | None = None, region: str | None = None, host: str | None = None) -> HashKeys:
    """Read the secret `arn` now (at `host`, the local cloud's endpoint, if given); every failure is
    a RuntimeError that says what is missing. Without `arn`, the one the environment names."""
    if arn is None:
        arn = variable(ENV)
    if not arn:
        raise RuntimeError(
            f"{ENV} is not set: the stack passes the ARN of the hash-key secret to the functions that hash "
            "phones and query codes (R-SEC-1); refusing to start without it"
        )
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        client = boto3.client("secretsmanager", region_name=region, endpoint_url=host)
        text = client.get_secret_value(SecretId=arn)["SecretString"]
    except (ClientError, BotoCoreError, KeyError) as exc:
        raise RuntimeError(
            f"the hash-key secret {arn} cannot be read ({exc}): the function needs secretsmanager:GetSecretValue "
            "on it (R-SEC-1); refusing to start without it"
        ) from exc
    try:
        secret = json.loads(text)
    except ValueError:
        secret = None
    if not isinstance(secret, dict):
        raise RuntimeError(f'the hash-key secret {arn} is not a JSON object like {{"current": "<key>"}} (R-SEC-1)')
    current = _key(secret, "current", arn)
    if current is None:
        raise RuntimeError(f'the hash-key secret {arn} has no "current" key (R-SEC-1); refusing to start')
    return HashKeys(current, _key(secret, "previous", arn))
