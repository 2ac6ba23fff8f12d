"""Every action of the ticket lifecycle, declared once each (issue 16).

A declaration (`declaration.Action`) holds the action's rows of THE transition table, its
payload model, the outcome its decision selects, its guards, its effect and its notices; the
family modules below hold them, in the order the table lists them. `transitions.TABLE`,
`payloads.PAYLOADS` and the notice tables are read off `ALL`.

Adding an action: a member of `names.ActionName`, its `Action` in the family module it belongs
to (or a new module, listed in `_FAMILIES`), and a line in tests/unit/test_transitions.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hotline.domain.actions import (
    archive,
    assists,
    backlog,
    callback,
    corrections,
    dispatch,
    exemption,
    extensions,
    intake,
    reply,
    returns,
    sign,
    supervision,
    termination,
    timer_fires,
    units,
)
from hotline.domain.actions.declaration import Action
from hotline.domain.actions.names import ActionName

_FAMILIES = (
    intake,
    dispatch,
    corrections,
    sign,
    returns,
    extensions,
    assists,
    reply,
    termination,
    backlog,
    units,
    callback,
    exemption,
    supervision,
    timer_fires,
    archive,
)

ALL: tuple[Action[Any], ...] = tuple(a for family in _FAMILIES for a in family.ACTIONS)
BY_NAME: Mapping[str, Action[Any]] = {a.name.value: a for a in ALL}

if len(BY_NAME) != len(ALL) or set(BY_NAME) != set(ActionName):  # an import-time fact, not a test's
    _twice = sorted({a.name.value for a in ALL if sum(b.name is a.name for b in ALL) > 1})
    _missing = sorted(set(ActionName) - set(BY_NAME))
    raise RuntimeError(f"actions declared twice: {_twice}; named but not declared: {_missing}")


def declared(action: str) -> Action[Any] | None:
    """The declaration of an action named by a caller's string; None for an unknown one."""
    return BY_NAME.get(action)


__all__ = ["ALL", "BY_NAME", "Action", "ActionName", "declared"]
