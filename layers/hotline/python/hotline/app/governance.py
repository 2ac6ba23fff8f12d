"""Oversight and proactive governance (SPEC §12.4, R-GOV-1..4): the counts that show where the
city's problems are, warnings of clusters, governance topics, rankings and the public report.

`observe` runs in the stream reader (`orchestrate`) for every new order, after its figures and
volumes are counted: the frequent-caller list, the cluster window, and the open topics whose
scope it falls in. The reads answer the center and the public from kept items: one Query each.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from hotline.app.ports import Deps
from hotline.domain import governance as gov
from hotline.domain import kpi
from hotline.domain.actions.payload import parse_strictly
from hotline.domain.codes import check_codes
from hotline.domain.errors import BadInput, Conflict, Forbidden, NotFound
from hotline.domain.models import Actor, Role, Ticket
from hotline.domain.notices import CenterNotice, Notice, place
from hotline.domain.routing import route
from hotline.observability import count, logger

CENTER = frozenset({Role.dispatcher, Role.reviewer, Role.callback, Role.supervisor})
TOP = 10
CLUSTER_ATTEMPTS = 5


def _center(actor: Actor, what: str) -> None:
    if actor.role not in CENTER:
        raise Forbidden(None, f"{what}仅限中心工作人员查看", f"{what}: the center's roles only (R-SEC-2)")


def _month(deps: Deps, period: str | None) -> str:
    month = period or f"{deps.local(deps.now()):%Y-%m}"
    if not gov.MONTH.match(month):
        raise BadInput("bad_period", f"请填月份（如 2026-11），不是 {month!r}", "period must be a month (2026-11)")
    return month


# -- R-GOV-1: hotspots and frequent callers ------------------------------------------------------


def hotspots(deps: Deps, actor: Actor, period: str | None, by: str | None, top: str | None) -> dict[str, Any]:
    """`GET /stats/hotspots?period=&by=&top=`: the most frequent districts, streets or categories
    of a day, ISO week or month, or the days of a month; one Query of the kept counts."""
    _center(actor, "热点统计")
    by = by or "category"
    if by not in gov.BY:
        raise BadInput("bad_by", f"统计维度须为：{'、'.join(gov.BY)}", f"by must be one of {gov.BY}")
    chosen = gov.check_period(period or f"{deps.local(deps.now()):%Y-%m}", by)
    try:
        n = int(top) if top else TOP
    except ValueError:
        n = 0
    if not 1 <= n <= 100:
        raise BadInput("bad_top", "top 须为 1 到 100 的整数", "top must be an integer from 1 to 100")
    rows = gov.top(deps.kpi.volumes(f"VOL#{chosen}#{by}"), n, by)
    names = _names(deps, by)
    return {"period": chosen, "by": by,
            "rows": [{"key": k, "name": names.get(k, k), "requests": v} for k, v in rows]}  # fmt: skip


def _names(deps: Deps, by: str) -> dict[str, str]:
    c = deps.config
    if by == "district":
        return {d.code: d.name for d in c.districts}
    if by == "street":
        return {f"{d.code}/{s.code}": f"{d.name}{s.name}" for d in c.districts for s in d.streets}
    if by == "category":
        return {x.code: x.name for x in c.categories} | {gov.NO_CATEGORY: "未分类"}
    return {}


def callers(deps: Deps, actor: Actor, period: str | None) -> dict[str, Any]:
    """`GET /stats/callers?period=YYYY-MM`: callers at or above the city's monthly bar, by keyed
    id (Hohhot Art.24, Baoding Art.30); never a phone (the id opens `GET /callers/{id}`)."""
    _center(actor, "高频来电统计")
    month = _month(deps, period)
    rows = sorted(deps.governance.frequent_callers(month), key=lambda r: (-r[1], r[0]))
    return {"period": month, "min_requests": deps.config.governance.frequent_caller_min,
            "callers": [{"caller_id": c, "requests": n} for c, n in rows]}  # fmt: skip


# -- what the stream reader does with a new order --------------------------------------------------


def observe(deps: Deps, old: Ticket | None, new: Ticket) -> None:
    """A new order: the frequent-caller list, its cluster's window, the open topics of its scope;
    a risk a unit just reported becomes a warning. Each is once-only: the stream redelivers."""
    if old is None and gov.counted(new):
        if new.citizen_key:
            month = f"{deps.local(new.created_at):%Y-%m}"
            deps.governance.caller_seen(
                month, new.citizen_key, new.ticket_id, deps.config.governance.frequent_caller_min
            )
        _cluster(deps, new)
        _link_topics(deps, new)
    first = len(old.risks) if old else 0
    for n, risk in enumerate(new.risks[first:], start=first + 1):
        loc = risk.location
        scope = {"district": loc.district, "street": loc.street, "category": new.category}
        _warn(deps, new, f"W-{new.ticket_id}-R{n}", "unit", scope, [new.ticket_id], risk.at,
              text=risk.text, by=risk.by, tell=False)  # fmt: skip


def _cluster(deps: Deps, t: Ticket) -> None:
    """R-GOV-2: N requests about one category on one street within H hours raise one warning."""
    rule = deps.config.governance.warnings
    d, s, c = t.location.district, t.location.street, t.category
    if rule is None or not (d and s and c):
        return
    scope = gov.scope_key(d, s, c)
    window = timedelta(hours=rule.window_hours)
    for _ in range(CLUSTER_ATTEMPTS):
        state = deps.governance.cluster(scope)
        after, raised = gov.arrive(state, t.ticket_id, t.created_at, rule.min_requests, window)
        if raised:  # told and recorded before the window moves on: a crash in between raises it again
            members = [tid for tid, _ in after.arrivals]
            _warn(deps, t, f"W-{t.ticket_id}", "cluster", {"district": d, "street": s, "category": c}, members,
                  t.created_at, window_hours=rule.window_hours, min_requests=rule.min_requests,
                  article=rule.article)  # fmt: skip
        try:
            deps.governance.save_cluster(scope, after, t.created_at + 2 * window)
            return
        except Conflict:
            continue  # another filing of the same cluster moved it: read again
    raise Conflict(None, "cluster kept changing", f"cluster {scope} kept changing")


def _responsible(deps: Deps, scope: dict[str, str | None]) -> list[str]:
    """Who must act on a place × category: the rule's units and the place's government."""
    found = route(deps.config, scope.get("category"), scope.get("district"), scope.get("street"))
    units = [found.lead_unit, *found.assist_units] if found else []
    units += [u.id for u in deps.config.units if u.kind == "district" and u.district == scope.get("district")]
    return list(dict.fromkeys(units))


def _warn(
    deps: Deps, t: Ticket, warning_id: str, kind: str, scope: dict[str, str | None], tickets: list[str],
    at: datetime, tell: bool = True, **extra: Any,
) -> None:  # fmt: skip
    units = _responsible(deps, scope)
    warning = {"warning_id": warning_id, "kind": kind, "scope": scope,
               "scope_key": gov.scope_key(scope.get("district"), scope.get("street"), scope.get("category")),
               "tickets": tickets, "raised_at": at.isoformat(), "units": units, **extra}  # fmt: skip
    if deps.governance.warning_recorded(warning):
        return  # a redelivered record: told and recorded already
    if tell:  # a unit's risk needs none here: its event told the supervisors already (notify)
        _tell(deps, t, warning_id, scope, tickets, units, extra)
    if deps.governance.raise_warning(warning):  # told first: a crash before this tells again, never nobody
        count("EarlyWarnings")
        logger.info("warning raised", extra={"warning_id": warning_id, "kind": kind, "orders": len(tickets)})


def _tell(
    deps: Deps, t: Ticket, warning_id: str, scope: dict[str, str | None], tickets: list[str], units: list[str],
    extra: dict[str, Any],
) -> None:  # fmt: skip
    category = next((x.name for x in deps.config.categories if x.code == scope.get("category")), "")
    where = place(deps.config, t)
    hours, article, orders = extra.get("window_hours"), extra.get("article", ""), "、".join(tickets[:10])
    text = (f"【12345】预警 {warning_id}：{where}“{category}”类诉求 {hours} 小时内已有 {len(tickets)} 件"
            f"（{article}），请研判处置。涉及工单：{orders}")  # fmt: skip
    for unit in units:
        deps.notifier.to_unit(Notice(unit, "early_warning", f"预警 {warning_id}", text, t.ticket_id))
    deps.notifier.to_center(CenterNotice("supervisor", "early_warning", f"预警 {warning_id}", text, t.ticket_id))


def warnings(deps: Deps, actor: Actor, cursor: str | None) -> dict[str, Any]:
    """`GET /warnings`: every warning, newest first, for the center and the units it names."""
    if actor.role not in CENTER and actor.role is not Role.unit:
        raise Forbidden(None, "无权查看预警", "the center's roles and units only")
    rows, nxt = deps.governance.warnings(cursor=cursor, unit=actor.id if actor.role is Role.unit else None)
    return {"warnings": rows, "next": nxt}


# -- R-GOV-3: governance topics ------------------------------------------------------------------


class Scope(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    district: str | None = None
    street: str | None = None
    category: str | None = None


class OpenTopic(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    title: str = Field(min_length=4, max_length=100)
    scope: Scope
    lead_unit: str = Field(min_length=1)
    plan: str = Field(min_length=10, max_length=4000)
    review_on: date
    warning_id: str | None = Field(default=None, max_length=80)


class TopicAction(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: str
    text: str | None = Field(default=None, min_length=4, max_length=2000)
    outcome: str | None = Field(default=None, min_length=4, max_length=4000)


def _check_scope(deps: Deps, scope: Scope) -> None:
    if not scope.district and not scope.category:
        raise BadInput(
            "bad_scope", "专题范围至少要有区县（district）或类别（category）", "a scope names a district or category"
        )
    check_codes(deps.config, category=scope.category, district=scope.district, street=scope.street)


def open_topic(deps: Deps, actor: Actor, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /topics` by a supervisor (Hohhot Art.24, Heze Art.25, Baoding Art.33, Tianjin Art.26):
    orders filed from now on in the scope link themselves to it."""
    if actor.role is not Role.supervisor:
        raise Forbidden(None, "只有督办人员可以设立治理专题", "only a supervisor opens a topic")
    pl = parse_strictly(OpenTopic, body, "设立治理专题", "open_topic")
    _check_scope(deps, pl.scope)
    if pl.lead_unit not in {u.id for u in deps.config.units}:
        raise BadInput("unknown_unit", f"未知的单位：{pl.lead_unit}", f"unknown unit {pl.lead_unit!r}")
    now = deps.now()
    today = deps.local(now).date()
    if not today < pl.review_on <= today + timedelta(days=366):
        raise BadInput(
            "bad_review_date", "复核日期须在今天之后、一年之内", "review_on must be after today, within a year"
        )
    topic_id = f"TP-{deps.local(now):%Y%m%d}-{secrets.token_hex(3)}"
    sc = pl.scope
    topic: dict[str, Any] = {"topic_id": topic_id, "title": pl.title, "scope": sc.model_dump(),
             "lead_unit": pl.lead_unit,
             "scope_key": gov.scope_key(sc.district, sc.street, sc.category), "plan": pl.plan,
             "review_on": pl.review_on.isoformat(), "warning_id": pl.warning_id, "status": "open",
             "opened_by": actor.id, "opened_at": now.isoformat(), "progress": [], "closed_at": None,
             "outcome": None, "counts": None}  # fmt: skip
    deps.governance.save_topic(topic, 0)
    logger.info("topic opened", extra={"topic_id": topic_id})
    return _topic_view(deps, {**topic, "version": 1}, [])


def _link_topics(deps: Deps, t: Ticket) -> None:
    for topic_id in deps.governance.open_topics(gov.scopes_of(t)):
        if deps.governance.link_topic(topic_id, t.ticket_id, t.created_at):
            count("TopicLinks")


def _topic_view(deps: Deps, topic: dict[str, Any], orders: list[str]) -> dict[str, Any]:
    lead = next((u.name for u in deps.config.units if u.id == topic["lead_unit"]), topic["lead_unit"])
    return {**{k: v for k, v in topic.items() if k != "version"}, "lead_unit_name": lead, "orders": orders,
            "linked": len(orders)}  # fmt: skip


def topic(deps: Deps, actor: Actor, topic_id: str) -> dict[str, Any]:
    found = deps.governance.topic(topic_id)
    if found is None:
        raise NotFound(None, f"没有编号为 {topic_id} 的专题", f"no topic {topic_id}")
    if actor.role not in CENTER and not (actor.role is Role.unit and found[0]["lead_unit"] == actor.id):
        raise Forbidden(None, "只有中心和专题牵头单位可以查看专题", "the center and the topic's lead unit only")
    return _topic_view(deps, *found)


def topics(deps: Deps, actor: Actor, cursor: str | None) -> dict[str, Any]:
    _center(actor, "治理专题")
    rows, nxt = deps.governance.topics(cursor=cursor)
    return {"topics": rows, "next": nxt}


def act_on_topic(deps: Deps, actor: Actor, topic_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /topics/{id}/actions`: `report_progress {text}` by the lead unit or a supervisor;
    `close {outcome}` by a supervisor, with the scope's counts before and after (R-GOV-3)."""
    pl = parse_strictly(TopicAction, body, "更新治理专题", "topic_action")
    found = deps.governance.topic(topic_id)
    if found is None:
        raise NotFound(None, f"没有编号为 {topic_id} 的专题", f"no topic {topic_id}")
    current, orders = found
    is_lead = actor.role is Role.unit and actor.id == current["lead_unit"]
    if pl.action not in ("report_progress", "close"):
        raise BadInput("unknown_action", f"未知的操作：{pl.action!r}（可选：report_progress、close）", "unknown action")
    if actor.role is not Role.supervisor and not (pl.action == "report_progress" and is_lead):
        raise Forbidden(None, "只有督办人员或专题牵头单位可以更新专题", "a supervisor, or the lead unit for progress")
    if current["status"] != "open":
        raise Conflict("topic_closed", "专题已结束，不能再更新", "the topic is closed")
    now = deps.now()
    after = dict(current)
    if pl.action == "report_progress":
        if not pl.text:
            raise BadInput("text_required", "请填写进展内容（text）", "say what progressed (`text`)")
        after["progress"] = [*current["progress"], {"at": now.isoformat(), "by": actor.id, "text": pl.text}]
    else:
        if not pl.outcome:
            raise BadInput("outcome_required", "请填写专题结果（outcome）", "say what the topic achieved (`outcome`)")
        after.update(status="closed", closed_at=now.isoformat(), outcome=pl.outcome,
                     counts=_before_after(deps, current, now))  # fmt: skip
    deps.governance.save_topic(after, int(current["version"]))
    return _topic_view(deps, after, orders)


def _before_after(deps: Deps, topic: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The scope's requests while the topic ran, and in as many days just before it opened."""
    opened = deps.local(datetime.fromisoformat(topic["opened_at"])).date()
    closed = deps.local(now).date()
    days = (closed - opened).days + 1
    before_first, before_last = opened - timedelta(days=days), opened - timedelta(days=1)
    key = topic["scope_key"]
    return {"days": days,
            "before": deps.kpi.series(key, before_first.isoformat(), before_last.isoformat()),
            "after": deps.kpi.series(key, opened.isoformat(), closed.isoformat())}  # fmt: skip


def topic_reviews(deps: Deps) -> dict[str, Any]:
    """The daily routine: each open topic whose review date is today tells its lead unit and the
    supervisors, once (one routine run a day)."""
    today = deps.local(deps.now()).date().isoformat()
    due, cursor = [], None
    while True:
        rows, cursor = deps.governance.topics(cursor=cursor)
        due += [r for r in rows if r.get("status") == "open" and r.get("review_on") == today]
        if cursor is None:
            break
    for row in due:
        text = f"【12345】治理专题 {row['topic_id']}“{row['title']}”今日到复核日期，请报告进展或结束专题。"
        deps.notifier.to_unit(Notice(row["lead_unit"], "topic_review", f"专题复核 {row['topic_id']}", text, ""))
        deps.notifier.to_center(CenterNotice("supervisor", "topic_review", f"专题复核 {row['topic_id']}", text, ""))
    return {"routine": "topic_reviews", "reminded": [r["topic_id"] for r in due]}


# -- R-GOV-4: rankings and the public report ------------------------------------------------------


def ranking(deps: Deps, actor: Actor, period: str | None, level: str | None) -> dict[str, Any]:
    """`GET /stats/ranking?period=&level=unit|district`: one Query of the period's figures."""
    _center(actor, "考核排名")
    level = level or "unit"
    if level not in ("unit", "district"):
        raise BadInput("bad_level", "排名层级须为 unit 或 district", "level must be unit or district")
    month = kpi.check_period(period or f"{deps.local(deps.now()):%Y-%m}")
    rows = gov.ranking(deps.kpi.period(month), level, kpi.scope_names(deps.config))
    return {"period": month, "level": level, "rows": rows}


REPORT_FRESH = timedelta(minutes=10)
REPORTS_KEPT = 24  # months per container: a public route must not grow a cache without bound
_REPORTS: dict[tuple[str, str], tuple[datetime, dict[str, Any]]] = {}  # per container, per period


def public_report(deps: Deps, period: str | None) -> dict[str, Any]:
    """`GET /public/report?period=YYYY-MM`, no credential (Hohhot Art.32, Baoding Art.37, Heze
    Art.21): volumes by category and district, the three rates, the rankings — counts, rates and
    public names only: no person, phone, address or citizen's words. Kept for ten minutes per
    period in the container (three Queries and a GetItem to build)."""
    month = _month(deps, period)
    now = deps.now()
    if month > f"{deps.local(now):%Y-%m}":
        raise BadInput("future_period", f"{month} 尚未开始，没有报告", f"{month} has not begun")
    cached = _REPORTS.get((deps.config.city, month))
    if cached and now - cached[0] < REPORT_FRESH:
        return cached[1]
    report = build_report(deps, month, now)
    if len(_REPORTS) >= REPORTS_KEPT:
        _REPORTS.pop(min(_REPORTS, key=lambda k: _REPORTS[k][0]))  # the oldest built goes
    _REPORTS[(deps.config.city, month)] = (now, report)
    return report


def build_report(deps: Deps, month: str, now: datetime) -> dict[str, Any]:
    c = deps.config
    names = kpi.scope_names(c)
    figures = deps.kpi.period(month)
    city = next((counts for scope, counts in figures if scope == "city"), {})

    def volume(by: str) -> list[dict[str, Any]]:
        rows = gov.top(deps.kpi.volumes(f"VOL#{month}#{by}"), 1000, by)
        label = _names(deps, by)
        return [{"code": k, "name": label.get(k, k), "requests": n} for k, n in rows]

    def public(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        keep = ("id", "name", "response_rate", "resolution_rate", "satisfaction_rate", "rank", "mean_rank")
        return [{k: r[k] for k in keep} | {"dispatched": r["counts"].get("dispatched", 0)} for r in rows]

    by_category, by_district = volume("category"), volume("district")
    return {
        "city": c.city,
        "name": c.name,
        "period": month,
        "generated_at": now.isoformat(),
        "requests": sum(r["requests"] for r in by_category),
        "by_category": by_category,
        "by_district": by_district,
        "rates": kpi.rates(city),
        "ranking": {
            "units": public(gov.ranking(figures, "unit", names)),
            "districts": public(gov.ranking(figures, "district", names)),
        },
    }
