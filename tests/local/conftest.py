"""The local cloud, started once per test session as `make run` starts it, driven over HTTP only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline_local.client import Hotline

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180


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
