"""The center's desk (R-DESK-1, R-DESK-4): each role's queues with their counts, one queue a page
at a time, nearest deadline first, and the backlog ledger. Entries are kept by the order's own
writes (dal/repository.py)."""

from __future__ import annotations

from typing import Any

from hotline.app.ports import Deps
from hotline.domain import queues
from hotline.domain.errors import Forbidden, NotFound
from hotline.domain.models import Actor, Role
from hotline.domain.transitions import role_name
from hotline.observability import logger

CENTER = frozenset({Role.dispatcher, Role.reviewer, Role.callback, Role.supervisor})
PAGE = 50


def _center(actor: Actor) -> None:
    if actor.role not in CENTER:
        raise Forbidden(
            None, f"{role_name(actor.role)}没有中心工作队列", f"role {actor.role.value} has no center queues"
        )


def overview(deps: Deps, actor: Actor) -> dict[str, Any]:
    """`GET /queues`: the role's queues and how many orders wait in each (one count per queue)."""
    _center(actor)
    mine = queues.readable(actor.role)
    return {"queues": [{"name": q.name, "label": q.label, "count": deps.tickets.queue_count(q.name)} for q in mine]}


def page(deps: Deps, actor: Actor, name: str, cursor: str | None) -> dict[str, Any]:
    """`GET /queues/{name}?cursor=`: one page, nearest deadline first; another role's queue is 403."""
    _center(actor)
    queue = queues.BY_NAME.get(name)
    if queue is None:
        names = "、".join(q.name for q in queues.QUEUES)
        raise NotFound("unknown_queue", f"没有名为 {name} 的队列（可选：{names}）", f"no queue {name!r}")
    if queue not in queues.readable(actor.role):
        readers = "、".join(role_name(r) for r in sorted(queue.readers | {Role.supervisor}))
        raise Forbidden(
            None, f"“{queue.label}”队列仅限{readers}查看", f"the {name} queue is not the {actor.role.value}'s"
        )
    rows, nxt = deps.tickets.queue(name, limit=PAGE, cursor=cursor)
    return {"queue": name, "label": queue.label, "tickets": rows, "next": nxt}


def ledger(deps: Deps, actor: Actor, cursor: str | None) -> dict[str, Any]:
    """`GET /backlog`: the approved backlog, nearest review date first (R-DESK-4, Baoding Art.19(4))."""
    _center(actor)
    rows, nxt = deps.tickets.queue(queues.LEDGER, limit=PAGE, cursor=cursor)
    return {"tickets": rows, "next": nxt}


def requeue(deps: Deps, cursor: str | None = None) -> dict[str, Any]:
    """The operator's routine after an upgrade from a release without queues (docs/runbook.md):
    one page of the table; call again with `next` until it is null."""
    written, nxt = deps.tickets.requeue(cursor=cursor)
    logger.info("queue entries rebuilt", extra={"orders": written, "more": nxt is not None})
    return {"orders": written, "next": nxt}
