"""A function's Lambda entry that imports the function's code on its first invocation (issue 24).

An on-demand cold start runs the init phase on the request path, and most of a function's
import (botocore through pynamodb, pydantic's models, the domain's declarations) is needed only
once a request arrives; the entry module Lambda imports is therefore tiny, and the function's
code (`main.py` beside it) is loaded by the first call. Where init is not on the request path —
SnapStart snapshots it, provisioned concurrency runs it ahead — the code is imported at once,
so the snapshot or the warm instance already holds it (`AWS_LAMBDA_INITIALIZATION_TYPE`).

Attributes of the function's module (its routes, use cases, processor) read through the entry
module as if they were its own, so tests and scripts import `functions.<fn>.handler` as before.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

AHEAD = {"snap-start", "provisioned-concurrency"}  # init runs before any request


class Entry:
    def __init__(self, module: str, file: str) -> None:
        self.name, self.path = f"{module}_main", Path(file).with_name("main.py")
        self.module: ModuleType | None = None

    def load(self) -> ModuleType:
        """The function's code, imported once (registered first, as the runtime's own import
        does: pydantic resolves postponed annotations through sys.modules)."""
        if self.module is None:
            spec = importlib.util.spec_from_file_location(self.name, self.path)
            assert spec and spec.loader, self.path
            module = importlib.util.module_from_spec(spec)
            sys.modules[self.name] = module
            try:
                spec.loader.exec_module(module)
            except BaseException:
                sys.modules.pop(self.name, None)
                raise
            self.module = module
        return self.module

    def handler(self, event: Any, context: Any) -> Any:
        return self.load().handler(event, context)

    def attribute(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.load(), name)


def entry(module: str, file: str) -> tuple[Callable[[Any, Any], Any], Entry]:
    """`handler` for Lambda and the entry itself (`load`, `attribute`) for the module's globals.
    The one variable read outside hotline.settings: the Lambda runtime's, not the stack's, and
    read before pydantic (which settings needs) is imported."""
    e = Entry(module, file)
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") in AHEAD:
        e.load()
    return e.handler, e
