"""The three rates (R-KPI-1): one scope's figures for the center and the units, and the monthly
publication to the archive (JSON and CSV under `kpi/`, kept by object lock)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from hotline.app.ports import Deps
from hotline.domain import kpi, records
from hotline.domain.errors import BadInput, Forbidden, NotFound
from hotline.domain.models import Actor, Role
from hotline.observability import count, logger


def figures(deps: Deps, actor: Actor, unit_id: str | None, district: str | None, period: str | None) -> dict[str, Any]:
    """One scope's counts and rates from the kept figures (one GetItem); a unit reads its own."""
    month = kpi.check_period(period or f"{deps.local(deps.now()):%Y-%m}")
    if unit_id and district:
        raise BadInput(
            "one_scope",
            "请只选一个范围：单位（unit_id）、区（district），或都不填查看全市",
            "ask for one scope: unit_id, district, or neither for the whole city",
        )
    if actor.role is Role.unit:
        unit_id = unit_id or actor.id
        if unit_id != actor.id or district:
            raise Forbidden(None, "承办单位只能查看本单位的考核数据", "a unit reads its own figures only (R-SEC-2)")
    scope = f"unit:{unit_id}" if unit_id else f"district:{district}" if district else "city"
    config = deps.config
    names = kpi.scope_names(config)
    if scope not in names:
        raise NotFound(
            None,
            f"{config.name}没有这个范围：{scope}",
            f"{scope.replace(':', ' ')} is not one of {config.name}'s",
        )
    return {**kpi.figures(month, scope, deps.kpi.get(month, scope)), "name": names[scope]}


def export(deps: Deps, period: str | None = None) -> dict[str, Any]:
    """Publish one month's figures, and the year's after December. By default the month just ended
    and, again, the month before it: orders dispatched late in a month are signed, rated and
    exempted after it ends, so a month is final only a month later (object lock keeps both)."""
    at = deps.now()
    config = deps.config
    if period:
        months = [kpi.check_period(period)]
    else:
        last = kpi.previous_month(deps.local(at))
        months = [kpi.previous_month(datetime.fromisoformat(f"{last}-01")), last]
    periods = [p for m in months for p in ([m, m[:4]] if m.endswith("-12") else [m])]
    written = []
    for one in periods:
        rows = deps.kpi.period(one)
        as_json, as_csv = kpi.report(config.city, one, rows, kpi.scope_names(config), at)
        for body, suffix, kind in ((as_json, "json", "application/json"), (as_csv, "csv", "text/csv")):
            key = f"kpi/city={config.city}/period={one}/figures.{suffix}"
            deps.archive.put(key, body, records.checksum(body), content_type=f"{kind}; charset=utf-8")
            written.append(key)
        count("KpiRowsExported", len(rows))
        if len(one) == 7:  # a month: its public report beside the figures (R-GOV-4)
            from hotline.app.governance import build_report

            body = json.dumps(build_report(deps, one, at), ensure_ascii=False, sort_keys=True, indent=1).encode()
            key = f"kpi/city={config.city}/period={one}/public-report.json"
            deps.archive.put(key, body, records.checksum(body), content_type="application/json; charset=utf-8")
            written.append(key)
    logger.info("figures published", extra={"keys": written})
    return {"routine": "kpi_export", "periods": periods, "keys": written}
