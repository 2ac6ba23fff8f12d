"""Which channel is calling (R-INT-1): the API key API Gateway checked, never the request body.

Each channel has its own key, named `hotline-<city>-<channel>` by the stack. The gateway passes
the key's id; its name is looked up once per container and kept.
"""

from __future__ import annotations

import hmac
import time
from typing import Any

from hotline.config.schema import Channel
from hotline.dal.errors import store_errors
from hotline.domain.errors import DomainError, NotFound


class UnknownCaller(DomainError):
    status = 401
    code = "unauthenticated"


from hotline.app.ports import SMS_GATEWAY  # noqa: E402  the port's contract

__all__ = ["SMS_GATEWAY", "ChannelKeys", "UnknownCaller"]


REREAD_SECONDS = 60


class ChannelKeys:
    def __init__(self, city: str, client: Any | None = None, form_keys: dict[str, str] | None = None) -> None:
        self.prefix = f"hotline-{city}-"
        self._client = client
        self._known: dict[str, str] = {}
        self._form_keys = form_keys or {}  # holder → the id of the key it sends in a form (the stack's)
        self._values: dict[str, tuple[bytes, float]] = {}  # holder → (its key's value, when read)

    def _api(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("apigateway")
        return self._client

    def is_key_of(self, holder: str, value: str | None) -> bool:
        """Whether `value` is the key of `holder`: for a standard that sends its key in the form
        (Open311's `api_key`), past the gateway. The key the stack made for it is read by its id,
        at most once a minute per container, so a disabled key stops working within a minute."""
        key_id = self._form_keys.get(holder)
        if not value or not key_id:
            return False
        known, read_at = self._values.get(holder, (b"", -REREAD_SECONDS))
        if time.monotonic() - read_at >= REREAD_SECONDS:
            try:
                with store_errors("channel key"):
                    key = self._api().get_api_key(apiKey=key_id, includeValue=True)
            except NotFound:
                key = {}
            known = str(key.get("value", "")).encode() if key.get("enabled", True) else b""
            self._values[holder] = (known, time.monotonic())
        return bool(known) and hmac.compare_digest(known, value.encode("utf-8", "surrogatepass"))

    def holder(self, api_key_id: str | None) -> str:
        """Who holds this key: the part of its name after `hotline-<city>-`, or 401."""
        if not api_key_id:
            raise UnknownCaller(None, "an x-api-key is required")
        if api_key_id not in self._known:
            try:
                with store_errors("channel key"):
                    name = str(self._api().get_api_key(apiKey=api_key_id).get("name", ""))
            except NotFound:
                name = ""
            self._known[api_key_id] = name.removeprefix(self.prefix) if name.startswith(self.prefix) else ""
        found = self._known[api_key_id]
        if not found:
            raise UnknownCaller(None, "this API key belongs to no channel of this city")
        return found

    def channel(self, api_key_id: str | None) -> Channel:
        holder = self.holder(api_key_id)
        if holder not in set(Channel):
            raise UnknownCaller(None, "this API key belongs to no channel of this city")
        return Channel(holder)
