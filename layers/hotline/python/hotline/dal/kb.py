"""Knowledge entries in the store (R-KB-4): heads in one partition, versions in each entry's own.

    pk = KBENTRY          sk = <entry id>   the head (domain/kb.py `Entry`), optimistic lock `version`
    pk = KBENTRY          sk = #REVISION    a counter moved by every write that changes what answers
    pk = KBENTRY#<id>     sk = V#<n:04d>    each version as proposed, and its decision

A city's KB is hundreds to a few thousand entries: the heads are one Query (a page or a few),
which every container runs again only when the revision moved. Each write is one transaction:
the head on the version it read, the version item, and the revision when answers change.
"""

from __future__ import annotations

from collections.abc import Iterable

from pynamodb.transactions import TransactWrite

from hotline.dal.errors import store_errors
from hotline.dal.models import KbItem
from hotline.dal.repository import table_connection
from hotline.domain.errors import Conflict, NotFound
from hotline.domain.kb import ENTRY_ID, Entry, Version

HEADS = "KBENTRY"
REVISION = "#REVISION"
SEED_CHUNK = 40  # entries per seeding transaction: a head and a version each, under the 100-item limit


def _version_sk(n: int) -> str:
    return f"V#{n:04d}"


class KnowledgeBase:
    """The store's side of the living KB; the caching and the rules are the application's."""

    def revision(self) -> int | None:
        """The revision of what answers, or None while the store was never seeded."""
        with store_errors("knowledge base"):
            try:
                return int(KbItem.get(HEADS, REVISION, consistent_read=True).revision or 0)
            except KbItem.DoesNotExist:
                return None

    def heads(self) -> tuple[int | None, list[Entry]]:
        """Every entry's head and the revision they are at, read together (one Query)."""
        revision: int | None = None
        entries: list[Entry] = []
        with store_errors("knowledge base"):
            for item in KbItem.query(HEADS, consistent_read=True):
                if item.sk == REVISION:
                    revision = int(item.revision or 0)
                else:
                    entries.append(Entry.model_validate({**item.data, "version": item.version}))
        return revision, entries

    def get(self, entry_id: str) -> Entry:
        if not ENTRY_ID.match(entry_id):  # never a key the store would refuse (500)
            raise NotFound(None, f"没有编号为 {entry_id[:64]} 的知识条目", "no such entry")
        with store_errors("knowledge entry"):
            try:
                item = KbItem.get(HEADS, entry_id, consistent_read=True)
            except KbItem.DoesNotExist:
                raise NotFound(None, f"没有编号为 {entry_id} 的知识条目", f"no entry {entry_id}") from None
        if item.sk == REVISION:
            raise NotFound(None, f"没有编号为 {entry_id} 的知识条目", f"no entry {entry_id}")
        return Entry.model_validate({**item.data, "version": item.version})

    def versions(self, entry_id: str) -> list[Version]:
        if not ENTRY_ID.match(entry_id):
            return []
        with store_errors("knowledge entry"):
            return [Version.model_validate(i.data) for i in KbItem.query(f"{HEADS}#{entry_id}", consistent_read=True)]

    def save(self, entry: Entry, version: Version | None = None, *, answers_change: bool = False) -> Entry:
        """The head on the version it was read at (a new one only if none exists), the version
        item it carries, and the revision when what answers changes — all or nothing."""
        with store_errors("knowledge entry"), TransactWrite(connection=table_connection(KbItem)) as tx:
            self._write(tx, entry, version)
            if answers_change:
                tx.update(KbItem(pk=HEADS, sk=REVISION), actions=[KbItem.revision.add(1)])
        return entry.model_copy(update={"version": entry.version + 1})

    @staticmethod
    def _write(tx: TransactWrite, entry: Entry, version: Version | None) -> None:
        head = KbItem(pk=HEADS, sk=entry.entry_id, data=entry.model_dump(mode="json", exclude={"version"}),
                      version=entry.version + 1, unit=entry.unit)  # fmt: skip
        read = entry.version
        tx.save(head, condition=KbItem.version == read if read else KbItem.pk.does_not_exist())
        if version is not None:
            tx.save(
                KbItem(pk=f"{HEADS}#{entry.entry_id}", sk=_version_sk(version.n), data=version.model_dump(mode="json"))
            )

    def seed(self, entries: Iterable[Entry]) -> bool:
        """The city's seed file as the first load, once: every head on the condition that it is
        not there, then the revision on the same condition. A chunk that meets an entry already
        there (another container seeding, or a load cut short) is written entry by entry, so a
        partial load is completed and nothing here overwrites an entry. False if the revision
        was there first."""
        todo = list(entries)
        for start in range(0, len(todo), SEED_CHUNK):
            chunk = todo[start : start + SEED_CHUNK]
            try:
                self._seed_chunk(chunk)
            except Conflict:
                for entry in chunk:
                    try:
                        self._seed_chunk([entry])
                    except Conflict:
                        continue  # there already: whoever wrote it stands
        try:
            with store_errors("knowledge base"):
                KbItem(pk=HEADS, sk=REVISION, revision=1).save(condition=KbItem.pk.does_not_exist())
        except Conflict:
            return False
        return True

    def _seed_chunk(self, chunk: list[Entry]) -> None:
        with store_errors("knowledge base"), TransactWrite(connection=table_connection(KbItem)) as tx:
            for entry in chunk:
                assert entry.current is not None
                self._write(tx, entry, entry.current)
