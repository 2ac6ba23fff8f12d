"""The three rates (R-KPI-1): read by the center and the units, published monthly to the archive.

`GET /stats/kpi?unit_id=|district=&period=` answers one scope's counts and rates from the kept
figures (one GetItem); the monthly routine writes the month just ended, and at the year's end
the year, as JSON and CSV under `kpi/` in the archive bucket, where object lock keeps them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from hotline.adapters.http import install_error_handlers, staff_actor
from hotline.adapters.runtime import now, services
from hotline.domain import kpi, records
from hotline.domain.errors import BadInput, Forbidden, NotFound
from hotline.domain.models import Role

logger = Logger()
metrics = Metrics(namespace="Hotline12345")
app = APIGatewayRestResolver()
install_error_handlers(app)


@app.get("/stats/kpi")
def figures() -> dict[str, Any]:
    actor, svc = staff_actor(app), services()
    unit_id = app.current_event.get_query_string_value("unit_id")
    district = app.current_event.get_query_string_value("district")
    local_now = svc.lifecycle.policy.calendar.local(now())
    period = kpi.check_period(app.current_event.get_query_string_value("period") or f"{local_now:%Y-%m}")
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
    names = kpi.scope_names(svc.config)
    if scope not in names:
        raise NotFound(
            None,
            f"{svc.config.name}没有这个范围：{scope}",
            f"{scope.replace(':', ' ')} is not one of {svc.config.name}'s",
        )
    return {**kpi.figures(period, scope, svc.kpi.get(period, scope)), "name": names[scope]}


def export(period: str | None = None) -> dict[str, Any]:
    """Publish one month's figures, and the year's after December. By default the month just ended
    and, again, the month before it: orders dispatched late in a month are signed, rated and
    exempted after it ends, so a month is final only a month later (object lock keeps both)."""
    svc = services()
    at = now()
    if period:
        months = [kpi.check_period(period)]
    else:
        last = kpi.previous_month(svc.lifecycle.policy.calendar.local(at))
        months = [kpi.previous_month(datetime.fromisoformat(f"{last}-01")), last]
    periods = [p for m in months for p in ([m, m[:4]] if m.endswith("-12") else [m])]
    written = []
    for one in periods:
        rows = svc.kpi.period(one)
        as_json, as_csv = kpi.report(svc.config.city, one, rows, kpi.scope_names(svc.config), at)
        for body, suffix, kind in ((as_json, "json", "application/json"), (as_csv, "csv", "text/csv")):
            key = f"kpi/city={svc.config.city}/period={one}/figures.{suffix}"
            svc.archive.put(key, body, records.checksum(body), content_type=f"{kind}; charset=utf-8")
            written.append(key)
        metrics.add_metric(name="KpiRowsExported", unit=MetricUnit.Count, value=len(rows))
    logger.info("figures published", extra={"keys": written})
    return {"routine": "kpi_export", "periods": periods, "keys": written}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "routine" in event:  # the monthly EventBridge rule, or an operator re-running a month
        if event["routine"] != "kpi_export":
            raise ValueError(f"unknown routine {event['routine']!r}; known: ['kpi_export']")
        return export(event.get("period"))
    return app.resolve(event, context)
