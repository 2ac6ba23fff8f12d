from __future__ import annotations

import os

import pytest

os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

_SYNTHS: dict[tuple[str, str], dict] = {}


def synth(city: str, stage: str = "dev", tmp: str = "") -> dict:
    """Synthesize once per (city, stage) per session; cdk-nag runs inside synth and fails it."""
    if (city, stage) not in _SYNTHS:
        import tempfile

        from infra.app import build_app

        app = build_app(city, outdir=tempfile.mkdtemp(prefix=f"cdk-{city}-"), stage=stage)
        assembly = app.synth()
        stack = assembly.get_stack_by_name(f"Hotline-{city}")
        _SYNTHS[(city, stage)] = {"template": stack.template, "path": stack.template_full_path}
    return _SYNTHS[(city, stage)]


@pytest.fixture(scope="session")
def synthesized():
    return synth
