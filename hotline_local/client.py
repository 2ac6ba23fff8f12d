"""A small HTTP client for SPEC §11 with the credentials of local.json (demo and tests).

local.json names the process that serves it (`pid`, `process_start`, `started_at`): a file whose
process is gone (killed with SIGKILL, the machine restarted) is stale, and `read_info` says so
instead of handing out an API that answers nothing.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import requests


class StaleInfo(RuntimeError):
    """local.json is there, but the process that wrote it no longer serves."""


def process_start(pid: int) -> str | None:
    """When `pid` started, as the kernel counts it (clock ticks since boot), where /proc tells."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, after the (command) that may hold spaces


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process, alive
    return True


def read_info(path: Path) -> dict[str, Any] | None:
    """local.json if it is there and its process still runs; None if absent; StaleInfo if stale."""
    try:
        info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise StaleInfo(f"{path} cannot be read ({exc})") from None
    pid = info.get("pid")
    if not isinstance(pid, int) or isinstance(pid, bool):
        raise StaleInfo(f"{path} names no process (written by an older local cloud)")
    if not alive(pid):
        raise StaleInfo(f"{path} is stale: pid {pid} is not running")
    recorded, now = info.get("process_start"), process_start(pid)
    if recorded and now and recorded != now:
        raise StaleInfo(f"{path} is stale: pid {pid} is another process now")
    return info


class Hotline:
    """A thin HTTP client for SPEC §11, holding the credentials from local.json."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info, self.api = info, info["api"]
        self.http = requests.Session()

    @classmethod
    def from_file(cls, path: Path) -> Hotline:
        """The local cloud that `path` (a local.json) names, if it still runs."""
        info = read_info(path)
        if info is None:
            raise StaleInfo(f"{path} does not exist: is `make run` running?")
        return cls(info)

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
