"""Every curl line `make run` prints, and the README's quick start, work when pasted (issue 15 item 7)."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.local.conftest import ROOT

pytestmark = [pytest.mark.local, pytest.mark.xdist_group("local")]
STATUS = " --fail-with-body -o /dev/null -w '%{http_code}\\n'"


def complete(command: str) -> bool:
    try:
        shlex.split(command)
    except ValueError:  # a quote still open: the command goes on on the next line
        return False
    return not command.endswith("\\")


def curls(text: str) -> list[str]:
    """Each curl command in `text`, with its continuation lines, as a person would select it."""
    lines, found, i = text.splitlines(), [], 0
    while i < len(lines):
        at = lines[i].find("curl ")
        if at >= 0:
            command = lines[i][at:]
            while not complete(command) and i + 1 < len(lines):
                i += 1
                command += "\n" + lines[i]
            found.append(command)
        i += 1
    return found


def run(script: str) -> list[str]:
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, f"{script}\n→ {done.returncode}: {done.stdout[-800:]} {done.stderr[-800:]}"
    return done.stdout.split()


def printed_guide(local_state) -> str:
    """What `make run` printed; the guide follows local.json by a moment, so wait for it."""
    import time

    deadline = time.monotonic() + 20
    while True:
        printed = (local_state / "run.log").read_text()
        if "Ctrl-C stops everything" in printed or time.monotonic() > deadline:
            return printed
        time.sleep(0.1)


def test_every_curl_line_make_run_prints_answers_2xx_when_pasted(hotline, local_state):
    printed = printed_guide(local_state)
    commands = curls(printed[printed.index("is running on the local cloud") :])
    paths = " ".join(commands)
    for route in ("/catalog", "/requests", "/units/", "/queues", "/_local/outbox", "/stats/kpi", "/_local/clock"):
        assert route in paths, route
    catalog = next(c for c in commands if "/catalog" in c)
    assert "x-api-key" in catalog  # a channel route: the guide says so
    for command in commands:
        assert "<" not in command.replace("<<", ""), f"a placeholder to fill in: {command}"
        (status,) = run(command + STATUS)
        assert status.startswith("2"), (command, status)


def test_the_readme_quick_start_curls_answer_2xx_when_pasted(hotline, local_state):
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Quick start")
    blocks = re.findall(r"```bash\n(.*?)```", readme[start : readme.index("\n## ", start + 5)], re.S)
    (block,) = [b for b in blocks if "curl " in b]
    # The README speaks of `make run`'s defaults: here they are the session cloud's folder and port.
    block = block.replace(".hotline/local.json", str(Path(local_state) / "local.json"))
    block = block.replace("http://127.0.0.1:3000", hotline.api)
    for command in curls(block):
        block = block.replace(command, command + STATUS)
    statuses = run("set -e\n" + block)
    assert statuses and all(s.startswith("2") for s in statuses), statuses
