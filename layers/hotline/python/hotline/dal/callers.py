"""Caller records (R-INT-8): read, and written only over the version that was read."""

from __future__ import annotations

from hotline.dal.errors import store_errors
from hotline.dal.models import CallerItem
from hotline.domain.callers import CallerRecord


def _pk(caller_id: str) -> str:
    return f"CALLER#{caller_id}"


class CallerStore:
    def get(self, caller_id: str) -> CallerRecord | None:
        with store_errors("caller"):
            try:
                item = CallerItem.get(_pk(caller_id), "META", consistent_read=True)
            except CallerItem.DoesNotExist:
                return None
        return CallerRecord.model_validate({**item.data, "version": item.version})

    def save(self, record: CallerRecord) -> CallerRecord:
        item = CallerItem(
            pk=_pk(record.caller_id),
            sk="META",
            data=record.model_dump(mode="json", exclude={"version"}),
            version=record.version + 1,
        )
        read = record.version
        with store_errors("caller"):
            item.save(condition=CallerItem.version == read if read else CallerItem.pk.does_not_exist())
        return record.model_copy(update={"version": read + 1})
