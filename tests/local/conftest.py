"""The local cloud, started once per test session as `make run` starts it, driven over HTTP only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180


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


@pytest.fixture(scope="session")
def local_cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    state = tmp_path_factory.mktemp("hotline")
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/hotline/python'}{os.pathsep}{ROOT}", "TZ": "UTC"}
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        env.pop(key, None)
    log = (state / "run.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "hotline_local.run", "--city", "tianjin", "--port", "0", "--state-dir", str(state)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    info_file = state / "local.json"
    deadline = time.monotonic() + START_TIMEOUT
    while not info_file.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the local cloud did not start:\n{(state / 'run.log').read_text()[-3000:]}")
        time.sleep(0.2)
    try:
        yield Hotline(json.loads(info_file.read_text()))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def hotline(local_cloud: Hotline) -> Hotline:
    return local_cloud
