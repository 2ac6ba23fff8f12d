"""A function's entry loads its code on the first call, or at once where init is off the
request path (hotline/entry.py, issue 24)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from hotline.entry import entry

MAIN = """
LOADED = True
def handler(event, context):
    return {"echo": event}
"""


@pytest.fixture
def function(tmp_path: Path) -> Path:
    (tmp_path / "main.py").write_text(MAIN, encoding="utf-8")
    return tmp_path / "handler.py"


def test_on_demand_the_code_is_imported_by_the_first_call_not_by_the_entry(function, monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    handler, e = entry("fn_on_demand", str(function))
    assert "fn_on_demand_main" not in sys.modules and e.module is None
    assert handler({"a": 1}, None) == {"echo": {"a": 1}}
    assert sys.modules["fn_on_demand_main"] is e.module and e.attribute("LOADED") is True
    assert handler({"a": 2}, None) == {"echo": {"a": 2}} and e.load() is e.module  # imported once


@pytest.mark.parametrize("initialization", ["snap-start", "provisioned-concurrency"])
def test_where_init_runs_ahead_of_requests_the_code_is_imported_at_once(function, monkeypatch, initialization):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", initialization)
    _, e = entry(f"fn_{initialization.replace('-', '_')}", str(function))
    assert e.module is not None and e.module.LOADED is True


def test_the_entry_forwards_the_functions_names_but_not_dunders(function, monkeypatch):
    monkeypatch.delenv("AWS_LAMBDA_INITIALIZATION_TYPE", raising=False)
    _, e = entry("fn_names", str(function))
    assert callable(e.attribute("handler"))
    with pytest.raises(AttributeError):
        e.attribute("__path__")  # what the import system probes is not loaded for
    with pytest.raises(AttributeError):
        e.attribute("no_such_name")


def test_every_functions_entry_is_the_same_five_lines():
    """One entry for all: the code of a function lives in its main.py (issue 24)."""
    root = Path(__file__).resolve().parents[2] / "functions"
    entries = {p.parent.name: p.read_text(encoding="utf-8").split('"""', 2)[2] for p in root.glob("*/handler.py")
               if (p.parent / "main.py").exists()}  # fmt: skip
    assert len(entries) == 9 and len(set(entries.values())) == 1
