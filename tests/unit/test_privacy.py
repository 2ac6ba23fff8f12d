"""What the stored items say about a citizen's phone (R-SEC-1): without the per-stack secret, nothing.

A mainland mobile is a small space (10^11 at most, 10^6 once a mask shows five digits), so a
hash with a public key is as good as the number. The phone is hashed with a key that only the
functions that hash can read (a Secrets Manager secret, generated per stack), and the mask units
see keeps the first three and the last two digits only.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import secrets
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from hotline.adapters import runtime
from hotline.adapters.hashkey import MIN_KEY_CHARS, load_hash_keys
from hotline.config.loader import city_config
from hotline.domain.filing import Citizen, Filing, HashKeys, Sealed, file_request, mask, query_code_matches
from hotline.domain.knowledge import KnowledgeIndex
from hotline.domain.lifecycle import Lifecycle
from tests.conftest import cst

PHONE, CITY = "13912345678", "tianjin"
# What the key was, or could be guessed to be, before it was a secret: the old default, the
# tests' old value, the city's name, no key at all.
WEAK_KEYS = [f"hotline-{CITY}".encode(), f"test-{CITY}".encode(), CITY.encode(), b""]


@pytest.fixture
def secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A stack's hash-key secret in moto, its ARN in the function's environment."""
    with mock_aws():
        sm = boto3.client("secretsmanager")

        def put(value: Any, name: str = f"hotline-{CITY}-hash-key") -> str:
            text = value if isinstance(value, str) else json.dumps(value)
            arn: str = sm.create_secret(Name=name, SecretString=text)["ARN"]
            monkeypatch.setenv("HASH_KEY_SECRET_ARN", arn)
            return arn

        monkeypatch.setenv("HOTLINE_CITY", CITY)
        monkeypatch.setenv("TABLE_NAME", f"hotline-{CITY}-tickets")
        monkeypatch.delenv("HOTLINE_CITY_CONFIG", raising=False)
        monkeypatch.delenv("HOTLINE_HASH_KEY", raising=False)
        runtime.services.cache_clear()
        yield put
        runtime.services.cache_clear()


def stored_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from stored_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from stored_strings(v)


def consistent_with(masked: str) -> tuple[int, Iterator[str]]:
    """How many numbers the mask leaves, and all of them (lazily)."""
    hidden = masked.count("*")
    head, tail = masked.split("*")[0], masked.split("*")[-1]
    return 10**hidden, (f"{head}{''.join(d)}{tail}" for d in itertools.product("0123456789", repeat=hidden))


def test_a_known_phone_cannot_be_found_from_the_stored_ticket_without_the_secret_key(secret):
    """R-SEC-1: file a request with a known phone; take every string stored on the ticket (mask,
    citizen_key, query_code_hash, …); the mask leaves ≥ 10^6 numbers, no field holds the hidden
    digits, and hashing candidates with a guessable key or no key finds nothing — while the same
    search with the stack's key does find the phone (so this test can fail)."""
    secret({"current": secrets.token_urlsafe(32)})
    keys = runtime.services().keys
    config = city_config(CITY)
    body = {"type": "help", "content": "小区楼道灯坏了一个月没人修", "category": "property",
            "citizen": {"name": "张三", "phone": PHONE},
            "location": {"district": config.districts[0].code}}  # fmt: skip
    f = Filing.parse(body)
    filed = file_request(
        f, Lifecycle(config), "R1", keys, cst(2026, 11, 2, 10), query_code="q-code-123",
        knowledge=KnowledgeIndex([]), sealed=Sealed("kms-ciphertext", mask(f.citizen)), channel="phone",
    )  # fmt: skip
    ticket = filed.orders[0][-1].after
    stored = ticket.model_dump(mode="json", exclude={"citizen_sealed"})  # KMS ciphertext: opaque
    fields = set(stored_strings(stored))
    masked = ticket.citizen_masked["phone"]
    assert masked == "139******78"

    count, candidates = consistent_with(masked)
    assert count >= 10**6
    assert re.fullmatch(masked.replace("*", r"\d"), PHONE)
    for text in fields:  # nothing else carries the digits the mask hides
        assert PHONE not in text and PHONE[3:9] not in text

    unkeyed = {hashlib.new(h, PHONE.encode()).hexdigest() for h in ("md5", "sha1", "sha256", "sha512")}
    assert not unkeyed & fields
    # the attack of issue 15 — hash every number the mask allows with a guessable key — over a
    # slice of the 10^6 that holds the phone: with a weak key it finds nothing, with the stack's
    # key exactly the phone
    at = int(PHONE[3:9])  # the phone's place among the candidates
    sample = list(itertools.islice(candidates, at - 5_000, at + 5_000))
    assert PHONE in sample
    for weak in WEAK_KEYS:
        assert [c for c in sample if hmac.new(weak, c.encode(), hashlib.sha256).hexdigest() in fields] == []
    found = [c for c in sample if hmac.new(keys.current, c.encode(), hashlib.sha256).hexdigest() in fields]
    assert found == [PHONE]
    assert query_code_matches(ticket, keys, "q-code-123")
    assert not any(query_code_matches(ticket, HashKeys(w or b"x" * 32), "q-code-123") for w in WEAK_KEYS)


@pytest.mark.parametrize(
    ("phone", "shown"),
    [("13800138000", "138******00"), ("022-23456789", "022******89"), ("0471-1234567", "047******67")],
)
def test_the_mask_shows_three_leading_and_two_trailing_digits_only(phone, shown):
    """R-SEC-1: a unit sees `139******78` — one star per hidden digit, six of eleven hidden."""
    assert mask(Citizen(name="欧阳娜娜", phone=phone)) == {"name": "欧***", "phone": shown}


def test_the_hash_key_is_read_from_the_stacks_secret_once_per_container(secret, monkeypatch):
    """R-SEC-1: the key comes from the secret named by HASH_KEY_SECRET_ARN, read at first use and
    kept; `previous` is tried for lookups while a rotation runs."""
    current, previous = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    secret({"current": current, "previous": previous})
    svc = runtime.services()
    assert svc.keys.current == current.encode()
    assert svc.keys.all == (current.encode(), previous.encode())
    monkeypatch.delenv("HASH_KEY_SECRET_ARN")
    assert runtime.services().keys is svc.keys  # cached: not read again
    monkeypatch.setenv("HOTLINE_HASH_KEY", "x" * 40)  # the old variable is not read any more
    with pytest.raises(RuntimeError, match="HASH_KEY_SECRET_ARN"):
        load_hash_keys()


def test_no_secret_no_start_the_function_fails_closed(secret, monkeypatch):
    """R-SEC-1: a missing variable, a missing secret, a malformed or short key each refuse with a
    RuntimeError saying what is missing — never a fallback key."""
    monkeypatch.setenv("HOTLINE_HASH_KEY", "a-key-that-must-be-ignored-" + "x" * 40)
    monkeypatch.delenv("HASH_KEY_SECRET_ARN", raising=False)
    with pytest.raises(RuntimeError, match="HASH_KEY_SECRET_ARN is not set"):
        _ = runtime.services().keys
    runtime.services.cache_clear()
    monkeypatch.setenv(
        "HASH_KEY_SECRET_ARN", "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:hotline-nope-AbCdEf"
    )
    with pytest.raises(RuntimeError, match="hotline-nope"):
        load_hash_keys()
    secret({"current": "short"}, name="short")
    with pytest.raises(RuntimeError, match=f"at least {MIN_KEY_CHARS}"):
        load_hash_keys()
    secret({"current": "x" * 40, "previous": "short"}, name="short-previous")
    with pytest.raises(RuntimeError, match="previous"):
        load_hash_keys()
    secret({"key": "x" * 40}, name="no-current")
    with pytest.raises(RuntimeError, match='"current"'):
        load_hash_keys()
    secret("x" * 40, name="not-json")
    with pytest.raises(RuntimeError, match="JSON"):
        load_hash_keys()
