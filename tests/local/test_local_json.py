"""local.json names the process that serves it; one whose process is gone is stale (issue 15 item 14)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hotline_local.client import StaleInfo, read_info
from tests.local.conftest import spawn, stop, wait_ready


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write(path: Path, **fields: object) -> Path:
    path.write_text(json.dumps({"api": "http://127.0.0.1:1", "city": "tianjin", **fields}), encoding="utf-8")
    return path


def test_a_local_json_whose_process_is_gone_is_stale_and_says_which_pid(tmp_path):
    info = write(tmp_path / "local.json", pid=dead_pid(), started_at="2026-01-01T00:00:00+00:00")
    with pytest.raises(StaleInfo, match=r"pid \d+ is not running"):
        read_info(info)


def test_a_local_json_of_a_live_process_with_its_start_is_read(tmp_path):
    from hotline_local.client import process_start

    info = write(tmp_path / "local.json", pid=os.getpid(), process_start=process_start(os.getpid()))
    assert read_info(info)["pid"] == os.getpid()


def test_a_reused_pid_started_at_another_time_is_stale(tmp_path):
    """The pid is alive, but it is another process than the one that wrote the file."""
    info = write(tmp_path / "local.json", pid=os.getpid(), process_start="1")
    with pytest.raises(StaleInfo, match="another process"):
        read_info(info)


def test_a_local_json_without_a_pid_is_stale(tmp_path):
    """Written by a local cloud before pids were recorded: nothing says it still serves."""
    with pytest.raises(StaleInfo):
        read_info(write(tmp_path / "local.json"))


def test_no_local_json_is_none(tmp_path):
    assert read_info(tmp_path / "local.json") is None


@pytest.mark.local
@pytest.mark.xdist_group("local-process")
def test_make_run_replaces_a_stale_local_json_with_a_message_and_refuses_to_share_a_live_ones_folder(tmp_path):
    write(tmp_path / "local.json", pid=dead_pid(), started_at="2026-01-01T00:00:00+00:00")
    first = spawn(tmp_path)
    try:
        info = wait_ready(first, tmp_path)
        assert info["pid"] == first.pid and info["process_start"] and info["started_at"]
        log = (tmp_path / "run.log").read_text()
        assert "stale" in log and "is not running" in log
        second = spawn(tmp_path, log=tmp_path / "second.log")  # the same state folder
        started = time.monotonic()
        assert second.wait(timeout=60) == 1
        assert time.monotonic() - started < 30  # refused before synth, deploy or any port
        said = (tmp_path / "second.log").read_text()
        assert f"pid {first.pid}" in said and "already running" in said
        assert json.loads((tmp_path / "local.json").read_text())["pid"] == first.pid  # left alone
    finally:
        stop(first)


def test_the_demo_has_its_own_state_folder_and_a_free_port_so_it_never_touches_make_runs(monkeypatch):
    from hotline_local.run import ROOT, where

    monkeypatch.setenv("PORT", "3100")
    assert where(demo=False) == (3100, ROOT / ".hotline")
    assert where(demo=True) == (0, ROOT / ".hotline" / "demo")
    assert where(demo=True, port=3200, state_dir=Path("/x")) == (3200, Path("/x"))
