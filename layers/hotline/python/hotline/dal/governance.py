"""What the city governs with (SPEC §12.4), in the statistics table beside the figures: frequent
callers, clusters and their warnings, governance topics, and each order's links to them.

    pk = CALLS#<month>          sk = <caller key>     the caller's orders that month (a set: a
                                                      redelivered record adds nothing)
    pk = FREQ#<month>           sk = <caller key>     callers at or above the city's bar (R-GOV-1):
                                                      one Query lists them
    pk = CLUSTER#<scope>        sk = WINDOW           a street × category's sliding window (R-GOV-2)
    pk = WARNINGS               sk = <raised, UTC>#<id>  every warning, newest first: one Query
    pk = LINKS#<ticket>         sk = <warning|topic>#<id> what an order is linked to
    pk = TOPIC#<id>             sk = META | ORDER#<ticket>  a topic and its linked orders (R-GOV-3)
    pk = TOPICS                 sk = <opened, UTC>#<id>  every topic's summary: one Query
    pk = TOPICSCOPE#<scope>     sk = OPEN             the open topics of one scope (a set)

No stream, as for the figures: these writes wake nobody. Keys hold keyed caller hashes and
codes, never a phone number, a name or a citizen's words.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from hotline.dal.errors import store_errors
from hotline.dal.repository import _decode, _encode, table_connection
from hotline.dal.stats import GovItem
from hotline.domain.errors import Conflict
from hotline.domain.governance import Cluster

WINDOW, META, OPEN = "WINDOW", "META", "OPEN"
KEEP_CALLS = timedelta(days=400)  # a caller's month is read for the year after it, then expires
CALLS_KEPT = 2000  # orders counted per caller and month (about 60 KB of ids): beyond it, "2000 or more"


def _page(pk: str, limit: int, cursor: str | None, newest_first: bool = True) -> tuple[list[Any], str | None]:
    """One page of a list, its cursor opaque and checked as every list's is (dal/repository.py)."""
    result = GovItem.query(pk, limit=limit, last_evaluated_key=_decode(cursor, pk), scan_index_forward=not newest_first)
    items = list(result)
    return items, _encode(result.last_evaluated_key)


class GovernanceStore:
    # -- frequent callers (R-GOV-1) -------------------------------------------------------------
    def caller_seen(self, month: str, caller: str, ticket_id: str, bar: int) -> int:
        """Add the order to the caller's month; list the caller as frequent at the bar. The orders
        a month has so far."""
        expires = int((datetime.fromisoformat(f"{month}-01").replace(tzinfo=UTC) + KEEP_CALLS).timestamp())
        with store_errors("callers"):
            item = GovItem(pk=f"CALLS#{month}", sk=caller)
            try:  # a set of ids, so a redelivery adds nothing; capped, so an item stays far below 400 KB
                room = GovItem.tickets.does_not_exist() | (size(GovItem.tickets) < CALLS_KEPT)
                item.update(actions=[GovItem.tickets.add({ticket_id}), GovItem.expires_at.set(expires)], condition=room)
                n = len(item.tickets or ())  # the item as it is now (pynamodb reads ALL_NEW back)
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
                n = CALLS_KEPT  # the count saturates: listed as "at least" that many
            if n >= bar:  # only ever up: a slower writer with an older count loses (no lost update)
                listed = GovItem(pk=f"FREQ#{month}", sk=caller)
                try:
                    listed.update(actions=[GovItem.requests.set(n), GovItem.expires_at.set(expires)],
                                  condition=GovItem.requests.does_not_exist() | (GovItem.requests < n))  # fmt: skip
                except UpdateError as exc:
                    if exc.cause_response_code != "ConditionalCheckFailedException":
                        raise
            return n

    def frequent_callers(self, month: str) -> list[tuple[str, int]]:
        with store_errors("callers"):
            return [(i.sk, int(i.requests or 0)) for i in GovItem.query(f"FREQ#{month}")]

    # -- clusters and warnings (R-GOV-2) --------------------------------------------------------
    def cluster(self, scope: str) -> Cluster:
        with store_errors("cluster"):
            try:
                item = GovItem.get(f"CLUSTER#{scope}", WINDOW, consistent_read=True)
            except GovItem.DoesNotExist:
                return Cluster([])
        raw = item.data or {}
        arrivals = [(tid, datetime.fromisoformat(at)) for tid, at in raw.get("arrivals", [])]
        quiet = raw.get("quiet_until")
        return Cluster(arrivals, datetime.fromisoformat(quiet) if quiet else None, int(item.version or 0))

    def save_cluster(self, scope: str, c: Cluster, expires_at: datetime) -> None:
        """Conditioned on the version read: two filings at once never lose an arrival (Conflict)."""
        data = {"arrivals": [[tid, at.isoformat()] for tid, at in c.arrivals],
                "quiet_until": c.quiet_until.isoformat() if c.quiet_until else None}  # fmt: skip
        item = GovItem(pk=f"CLUSTER#{scope}", sk=WINDOW, data=data, version=c.version + 1,
                       expires_at=int(expires_at.timestamp()))  # fmt: skip
        condition = GovItem.version == c.version if c.version else GovItem.pk.does_not_exist()
        with store_errors("cluster"):  # a Conflict when another filing moved the cluster first
            item.save(condition=condition)

    @staticmethod
    def _warning_sk(warning: dict[str, Any]) -> str:
        at = datetime.fromisoformat(warning["raised_at"])
        return f"{at.astimezone(UTC).isoformat()}#{warning['warning_id']}"

    def warning_recorded(self, warning: dict[str, Any]) -> bool:
        with store_errors("warning"):
            try:
                GovItem.get("WARNINGS", self._warning_sk(warning), consistent_read=True)
            except GovItem.DoesNotExist:
                return False
        return True

    def raise_warning(self, warning: dict[str, Any]) -> bool:
        """Link its orders, then record the warning once: a warning id already there is a replay.
        Links are puts of the same key (a replay rewrites them), 90 to a transaction."""
        tickets = list(warning["tickets"])
        first = 90 - len(list(warning.get("units", []))[:8])
        for start in range(first, len(tickets), 90):
            with store_errors("warning links"), TransactWrite(connection=table_connection(GovItem)) as tx:
                for tid in tickets[start : start + 90]:
                    tx.save(GovItem(pk=f"LINKS#{tid}", sk=f"warning#{warning['warning_id']}",
                                    data={"at": warning["raised_at"]}))  # fmt: skip
        try:
            with store_errors("warning"), TransactWrite(connection=table_connection(GovItem)) as tx:
                sk = self._warning_sk(warning)
                tx.save(GovItem(pk="WARNINGS", sk=sk, data=warning), condition=GovItem.pk.does_not_exist())
                units = list(warning.get("units", []))[:8]
                for unit in units:  # each named unit's own list: its pages are full (R-GOV-2)
                    tx.save(GovItem(pk=f"WARNINGS#{unit}", sk=sk, data=warning))
                for tid in tickets[: 90 - len(units)]:  # a transaction holds 100 items
                    tx.save(GovItem(pk=f"LINKS#{tid}", sk=f"warning#{warning['warning_id']}",
                                    data={"at": warning["raised_at"]}))  # fmt: skip
        except Conflict:
            return False  # raised before: a replay
        return True

    def warnings(
        self, limit: int = 50, cursor: str | None = None, unit: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """Every warning, or those naming `unit`, newest first: one Query of full pages."""
        with store_errors("warnings"):
            items, nxt = _page(f"WARNINGS#{unit}" if unit else "WARNINGS", limit, cursor)
            return [dict(i.data) for i in items], nxt

    # -- links ----------------------------------------------------------------------------------
    def links(self, ticket_id: str) -> dict[str, list[str]]:
        """What an order is linked to: its warnings and topics (one Query)."""
        out: dict[str, list[str]] = {"warnings": [], "topics": []}
        with store_errors("links"):
            for i in GovItem.query(f"LINKS#{ticket_id}"):
                kind, _, ident = i.sk.partition("#")
                out["warnings" if kind == "warning" else "topics"].append(ident)
        return out

    # -- topics (R-GOV-3) -----------------------------------------------------------------------
    def topic(self, topic_id: str) -> tuple[dict[str, Any], list[str]] | None:
        """The topic and its linked orders: one Query of its partition."""
        with store_errors("topic"):
            items = list(GovItem.query(f"TOPIC#{topic_id}"))
        meta = next((i for i in items if i.sk == META), None)
        if meta is None:
            return None
        orders = [i.sk.removeprefix("ORDER#") for i in items if i.sk.startswith("ORDER#")]
        return {**dict(meta.data), "version": int(meta.version or 0)}, orders

    def save_topic(self, topic: dict[str, Any], read_version: int) -> None:
        """The topic, its list row and its scope's open set, on the version read (Conflict)."""
        body = {k: v for k, v in topic.items() if k != "version"}
        opened = datetime.fromisoformat(topic["opened_at"]).astimezone(UTC).isoformat()
        summary = {k: body[k] for k in ("topic_id", "title", "scope", "lead_unit", "status", "review_on",
                                          "opened_at", "closed_at") if k in body}  # fmt: skip
        scope_index = GovItem(pk=f"TOPICSCOPE#{topic['scope_key']}", sk=OPEN)
        meta = GovItem(pk=f"TOPIC#{topic['topic_id']}", sk=META, data=body, version=read_version + 1)
        condition = GovItem.version == read_version if read_version else GovItem.pk.does_not_exist()
        with store_errors("topic"), TransactWrite(connection=table_connection(GovItem)) as tx:  # Conflict: moved
            tx.save(meta, condition=condition)
            tx.save(GovItem(pk="TOPICS", sk=f"{opened}#{topic['topic_id']}", data=summary))
            change = GovItem.ids.add if topic["status"] == "open" else GovItem.ids.delete
            tx.update(scope_index, actions=[change({topic["topic_id"]})])

    def topics(self, limit: int = 50, cursor: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        with store_errors("topics"):
            items, nxt = _page("TOPICS", limit, cursor)
            return [dict(i.data) for i in items], nxt

    def open_topics(self, scopes: list[str]) -> list[str]:
        """The open topics of any of these scopes: one BatchGetItem."""
        if not scopes:
            return []
        with store_errors("topics"):
            found = GovItem.batch_get([(f"TOPICSCOPE#{s}", OPEN) for s in scopes])
            return sorted({t for i in found for t in (i.ids or ())})

    def link_topic(self, topic_id: str, ticket_id: str, at: datetime) -> bool:
        """Link an order to a topic once (both ways) and count it on the topic; False if it was."""
        try:
            with store_errors("topic link"), TransactWrite(connection=table_connection(GovItem)) as tx:
                tx.save(GovItem(pk=f"TOPIC#{topic_id}", sk=f"ORDER#{ticket_id}", data={"at": at.isoformat()}),
                        condition=GovItem.pk.does_not_exist())  # fmt: skip
                tx.save(GovItem(pk=f"LINKS#{ticket_id}", sk=f"topic#{topic_id}", data={"at": at.isoformat()}))
        except Conflict:
            return False  # linked before: a replay
        return True


__all__ = ["GovItem", "GovernanceStore"]
