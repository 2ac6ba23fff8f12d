"""What a new order costs the stream reader in AWS calls for the city's oversight (R-GOV-1..3).

On moto, one order as `orchestrate` sees it: its rates and volumes are counted (one read of the
share, one transaction: the volumes ride in the rates' transaction, no call of their own), then
`governance.observe` keeps the frequent-caller month, the street × category window where the
city warns (Hohhot), and looks up the open topics of its scopes. Counted by operation, in one
run, for Hohhot (warnings) and Tianjin (none): the count is the cost; time is not measured.
"""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, datetime
from typing import Any


def _order(city: str, district: str, street: str) -> Any:
    from hotline.domain.models import Ticket

    at = datetime(2026, 11, 2, 2, tzinfo=UTC)
    return Ticket.model_validate({
        "ticket_id": f"B-{city}-1", "request_id": f"B-{city}", "city": city, "channel": "phone", "type": "complaint",
        "content": "小区门口占道经营", "category": "urban_management", "citizen_key": "k" * 64, "version": 1,
        "location": {"district": district, "street": street}, "created_at": at, "updated_at": at,
    })  # fmt: skip


def _counted(svc: Any, ticket: Any) -> tuple[Counter[str], Counter[str]]:
    """The calls of counting the order's rates and volumes, and those of observing it."""
    from botocore.client import BaseClient

    from hotline.app import follow, governance

    calls: tuple[Counter[str], Counter[str]] = (Counter(), Counter())
    which = [0]
    make_call = BaseClient._make_api_call

    def counted(client: BaseClient, operation: str, params: dict[str, Any]) -> Any:
        calls[which[0]][operation] += 1
        return make_call(client, operation, params)

    BaseClient._make_api_call = counted  # type: ignore[method-assign]
    try:
        follow.count_rates(svc, ticket)
        which[0] = 1
        governance.observe(svc, None, ticket)
    finally:
        BaseClient._make_api_call = make_call  # type: ignore[method-assign]
    return calls


def calls_of_a_new_order() -> None:
    from moto import mock_aws

    rows: dict[str, tuple[Counter[str], Counter[str]]] = {}
    for city, district, street in (("hohhot", "xincheng", "hailaer-donglu"), ("tianjin", "heping", "wudadao")):
        os.environ.update(HOTLINE_CITY=city, TABLE_NAME=f"bench-{city}", STATS_TABLE=f"bench-{city}-stats",
                          AWS_DEFAULT_REGION="ap-southeast-1", AWS_ACCESS_KEY_ID="bench",
                          AWS_SECRET_ACCESS_KEY="bench")  # fmt: skip
        os.environ.pop("HOTLINE_CITY_CONFIG", None)
        with mock_aws():
            from hotline.adapters import runtime
            from hotline.dal.models import TicketItem
            from hotline.dal.stats import KpiItem

            runtime.services.cache_clear()
            svc = runtime.services()
            TicketItem.create_table(wait=True)
            KpiItem.create_table(wait=True)
            svc.__dict__["notifier"] = None  # no warning is raised by one order
            ticket = _order(city, district, street)
            rows[city] = _counted(svc, ticket)
            runtime.services.cache_clear()
    print("\nWhat a new order costs the stream reader for oversight (R-GOV-1..3), AWS calls, moto, same run")
    for city, (rates, gov) in rows.items():
        a, b = (", ".join(f"{k}×{v}" for k, v in sorted(c.items())) for c in (rates, gov))
        print(f"  {city:<8} rates + volumes {sum(rates.values())} ({a}); oversight adds {sum(gov.values())} ({b})")


if __name__ == "__main__":
    calls_of_a_new_order()
