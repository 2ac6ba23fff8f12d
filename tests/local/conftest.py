"""The local cloud, started once per test session as `make run` starts it, driven over HTTP only."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline_local.client import Hotline, StaleInfo, read_info

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 180


def spawn(state: Path, *args: str, city: str = "tianjin", log: Path | None = None) -> subprocess.Popen[bytes]:
    """`python -m hotline_local.run` as `make run` starts it, on a free port, its state in `state`."""
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers/hotline/python'}{os.pathsep}{ROOT}", "TZ": "UTC"}
    for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "PORT"):
        env.pop(key, None)
    out = (log or state / "run.log").open("w")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "hotline_local.run", "--city", city, "--port", "0", "--state-dir", str(state),
             *args],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    finally:
        out.close()  # the child has its own copy


def wait_ready(proc: subprocess.Popen[bytes], state: Path) -> dict[str, Any]:
    """local.json once this process serves (it is written last, with its pid); fails with the log if never."""
    info_file = state / "local.json"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            info = read_info(info_file)
        except StaleInfo:
            info = None  # a file left by an earlier run: ours replaces it
        if info is not None and info.get("pid") == proc.pid:
            return info
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the local cloud did not start:\n{(state / 'run.log').read_text()[-3000:]}")
        time.sleep(0.2)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="session")
def local_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session cloud's state folder: local.json, run.log (what `make run` printed), functions.log."""
    return tmp_path_factory.mktemp("hotline")


@pytest.fixture(scope="session")
def local_cloud(local_state: Path) -> Iterator[Hotline]:
    state = local_state
    proc = spawn(state)
    try:
        yield Hotline(wait_ready(proc, state))
    finally:
        stop(proc)


@pytest.fixture
def hotline(local_cloud: Hotline) -> Hotline:
    return local_cloud
