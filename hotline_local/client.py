"""A small HTTP client for SPEC §11 with the credentials of local.json (demo and tests)."""

from __future__ import annotations

import json
from typing import Any

import requests


class Hotline:
    """A thin HTTP client for SPEC §11, holding the credentials from local.json."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info, self.api = info, info["api"]
        self.http = requests.Session()

    def channel(self, name: str = "phone") -> dict[str, str]:
        return {"x-api-key": self.info["channels"][name]["api_key"]}

    def staff(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.info['staff'][role]['token']}"}

    def unit(self, unit_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.info['units'][unit_id]['token']}"}

    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> requests.Response:
        return self.http.get(f"{self.api}{path}", headers=headers, params=params or None, timeout=30)

    def post(self, path: str, body: Any, headers: dict[str, str] | None = None, **params: Any) -> requests.Response:
        data = body if isinstance(body, bytes | str) else json.dumps(body, ensure_ascii=False).encode()
        return self.http.post(
            f"{self.api}{path}", data=data, headers={"content-type": "application/json", **(headers or {})},
            params=params or None, timeout=60,
        )  # fmt: skip

    def act(self, ticket_id: str, who: dict[str, str], action: str, **body: Any) -> requests.Response:
        return self.post(f"/tickets/{ticket_id}/actions", {"action": action, **body}, who)

    def file(self, channel: str = "phone", **body: Any) -> dict[str, Any]:
        r = self.post("/requests", {"channel": channel, **body}, self.channel(channel))
        assert r.status_code == 201, r.text
        return r.json()  # type: ignore[no-any-return]

    def outbox(self, to: str | None = None) -> list[dict[str, Any]]:
        return self.get("/_local/outbox", to=to).json()["messages"]  # type: ignore[no-any-return]

    def advance(self, duration: str) -> dict[str, Any]:
        r = self.post("/_local/clock", {"advance": duration})
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]
