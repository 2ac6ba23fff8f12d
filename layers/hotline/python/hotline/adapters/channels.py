"""Which channel is calling (R-INT-1): the API key API Gateway checked, never the request body.

Each channel has its own key, named `hotline-<city>-<channel>` by the stack. The gateway passes
the key's id; its name is looked up once per container and kept.
"""

from __future__ import annotations

from typing import Any

from hotline.config.schema import Channel
from hotline.dal.errors import store_errors
from hotline.domain.errors import DomainError, NotFound


class UnknownCaller(DomainError):
    status = 401
    code = "unauthenticated"


from hotline.app.ports import SMS_GATEWAY  # noqa: E402  the port's contract

__all__ = ["SMS_GATEWAY", "ChannelKeys", "UnknownCaller"]


class ChannelKeys:
    def __init__(self, city: str, client: Any | None = None) -> None:
        self.prefix = f"hotline-{city}-"
        self._client = client
        self._known: dict[str, str] = {}

    def holder(self, api_key_id: str | None) -> str:
        """Who holds this key: the part of its name after `hotline-<city>-`, or 401."""
        if not api_key_id:
            raise UnknownCaller(None, "an x-api-key is required")
        if api_key_id not in self._known:
            if self._client is None:
                import boto3

                self._client = boto3.client("apigateway")
            try:
                with store_errors("channel key"):
                    name = str(self._client.get_api_key(apiKey=api_key_id).get("name", ""))
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
