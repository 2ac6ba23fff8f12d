"""The local cloud stops within seconds on TERM and INT and frees its port (issue 15 item 15, R-OPS-3)."""

from __future__ import annotations

import signal
import socket
import subprocess
import time
from urllib.parse import urlsplit

import pytest

from tests.local.conftest import spawn, wait_ready

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("local-process")]
STOP_WITHIN = 10.0


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server binds
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def exits_within(proc: subprocess.Popen[bytes], seconds: float) -> float:
    started = time.monotonic()
    try:
        proc.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        pytest.fail(f"still running {seconds:.0f} s after the signal")
    return time.monotonic() - started


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_a_serving_local_cloud_stops_within_seconds_on_the_signal_frees_its_port_and_removes_local_json(tmp_path, sig):
    proc = spawn(tmp_path)
    info = wait_ready(proc, tmp_path)
    port = urlsplit(info["api"]).port
    assert port and not port_is_free(port)
    proc.send_signal(sig)
    exits_within(proc, STOP_WITHIN)
    assert port_is_free(port)
    assert not (tmp_path / "local.json").exists()
    assert "stopping the local cloud" in (tmp_path / "run.log").read_text()


def test_a_local_cloud_still_starting_stops_on_term(tmp_path):
    proc = spawn(tmp_path)
    deadline = time.monotonic() + 120
    while "[3/5]" not in (tmp_path / "run.log").read_text():  # the emulator serves; the stack is deploying
        assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "run.log").read_text()
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    exits_within(proc, STOP_WITHIN)
    assert not (tmp_path / "local.json").exists()
