"""The city configuration schema (R-OPS-1).

One schema validates a city's YAML at synth time and the baked JSON at function start, so a
config that synthesizes is a config the functions accept. Every rule carries the article of
the city's regulation it encodes, so the config reads as an annotated copy of the law.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, time
from enum import StrEnum
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SLUG = r"^[a-z][a-z0-9_-]{1,40}$"


class RequestType(StrEnum):
    consultation = "consultation"
    help = "help"
    complaint = "complaint"
    report = "report"
    suggestion = "suggestion"
    other = "other"


class Urgency(StrEnum):
    """Baoding Art.19(2) grades handling by urgency; other cities use `normal` only."""

    critical = "critical"
    urgent = "urgent"
    normal = "normal"
    low = "low"


class Channel(StrEnum):
    phone = "phone"
    web = "web"
    app = "app"
    wechat = "wechat"
    weibo = "weibo"
    police_110 = "110"
    sub_hotline = "sub-hotline"
    open311 = "open311"  # civic apps through GeoReport v2 (R-O311-1): the key comes as `api_key`


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class Duration(Strict):
    """A time limit: natural `hours` or `working_days` (R-SLA-2), exactly one of them."""

    hours: int | None = Field(default=None, gt=0, le=24 * 366)
    working_days: int | None = Field(default=None, gt=0, le=366)

    @model_validator(mode="after")
    def _exactly_one(self) -> Self:
        if (self.hours is None) == (self.working_days is None):
            raise ValueError("give exactly one of `hours` or `working_days`")
        return self

    @property
    def unit(self) -> Literal["hours", "working_days"]:
        return "hours" if self.hours is not None else "working_days"

    @property
    def value(self) -> int:
        return self.hours if self.hours is not None else self.working_days  # type: ignore[return-value]

    def scaled(self, factor: int) -> Duration:
        return Duration(**{self.unit: self.value * factor})

    def __str__(self) -> str:
        return f"{self.value}h" if self.unit == "hours" else f"{self.value}wd"


class Match(Strict):
    """Which orders a rule applies to; an empty list or a missing field matches anything."""

    types: list[RequestType] = []
    urgency: list[Urgency] = []
    categories: list[str] = []

    def matches(self, type_: RequestType, urgency: Urgency, category: str | None) -> bool:
        return (
            (not self.types or type_ in self.types)
            and (not self.urgency or urgency in self.urgency)
            and (not self.categories or category in self.categories)
        )


class Cited(Strict):
    article: str = Field(min_length=3, description="the regulation article this rule encodes")


class LimitRule(Cited):
    match: Match = Match()
    limit: Duration


class SignLimit(Cited):
    """How soon a unit must sign a dispatched order (R-DSP-4)."""

    limit: Duration


class ExtensionRule(Cited):
    """How far an order may be extended (R-DSP-7, R-SLA-3). Omitted caps are unlimited."""

    match: Match = Match()
    allowed: bool = True
    max_count: int | None = Field(default=None, ge=0)
    max_each: Duration | None = None
    each_equals_original: bool = False
    max_extension_total: Duration | None = None
    max_total_limit: Duration | None = Field(default=None, description="cap on original limit plus all extensions")


class ReturnWindow(Cited):
    """When a unit may still ask to give an order back (R-DSP-5)."""

    starts_at: Literal["dispatched", "signed"]
    limit: Duration
    complex_limit: Duration | None = None


class OfficeHours(Strict):
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.start >= self.end:
            raise ValueError("office hours must start before they end")
        return self


class CalendarConfig(Strict):
    """Statutory calendar comes from chinesecalendar; these are the city's own changes."""

    office_hours: OfficeHours
    extra_holidays: list[date] = []
    extra_workdays: list[date] = []
    # Years whose State Council holiday notice the city entered above itself, before the calendar
    # library shipped it: the daily calendar check then counts them as covered (R-SLA-1).
    published_years: list[int] = []

    @model_validator(mode="after")
    def _disjoint(self) -> Self:
        both = set(self.extra_holidays) & set(self.extra_workdays)
        if both:
            raise ValueError(f"dates both holiday and workday: {sorted(both)}")
        return self


class DispatchPolicy(Cited):
    """When accepted orders go out (R-DSP-2, R-DSP-9)."""

    off_hours_deferral: bool = False
    deferral_deadline: time = time(10, 0)
    immediate_types: list[RequestType] = [RequestType.complaint, RequestType.report]
    immediate_categories: list[str] = []
    # R-DSP-2: an order no rule sends waits at most this long for the dispatcher (office time;
    # natural time for 7×24 and urgent matters), then reminds the dispatcher and goes overdue.
    queue_minutes: int = Field(default=30, ge=5, le=24 * 60)
    # R-UNIT-3, Hohhot Art.19: in a dispute between a city department and a district, the
    # department leads — when the district's return is approved, the rule's department leads.
    department_leads_disputes: Cited | None = None


class CallbackPolicy(Cited):
    """Callback window, silent citizens and rehandling (R-CB-1..3)."""

    window: Duration
    no_rating: Literal["keep_open", "deemed_basically_satisfied"] = "keep_open"
    rehandle_limit: int | None = Field(default=None, ge=0)
    rehandle_allows_extension: bool = True
    rehandle_mode: Literal["rehandle", "supplement"] = "rehandle"


class CallerSuspension(Cited):
    """Abusive or flooding callers: warn, then suspend for a while (R-INT-8)."""

    window: Duration
    warn_after: int = Field(gt=0)
    suspend_after: int = Field(gt=0)
    suspension: Duration

    @model_validator(mode="after")
    def _warn_first(self) -> Self:
        if self.warn_after >= self.suspend_after:
            raise ValueError("warn_after must be below suspend_after (warning comes first)")
        return self


class Features(Strict):
    """Per-city switches from SPEC §10; each names its article."""

    termination: Cited | None = None
    backlog: Cited | None = None
    kpi_exemption: Cited | None = None
    hand_down: Cited | None = None  # a lead passes the work to a unit below it (经办单位, R-UNIT-2)
    caller_suspension: CallerSuspension | None = None
    emergency_linkage: Literal["two_way", "transfer", "guide"] = "transfer"


class EarlyWarning(Cited):
    """R-GOV-2: so many requests about one category on one street within so many hours raise a
    warning, once per cluster (Hohhot Art.29, Baoding Art.31, Heze Art.27; N and H city-set)."""

    min_requests: int = Field(ge=2, le=1000)
    window_hours: int = Field(ge=1, le=24 * 31)


class Governance(Strict):
    """What the hotline's figures govern (SPEC §12.4): warnings where the regulation asks for
    them; the monthly count from which a caller is listed as frequent (Hohhot Art.24, Baoding
    Art.30: 高频诉求人), city-set."""

    warnings: EarlyWarning | None = None
    frequent_caller_min: int = Field(default=5, ge=2, le=1000)


class Reminders(Cited):
    at_fractions: list[float] = [0.75]
    before: list[Duration] = [Duration(hours=2)]

    @field_validator("at_fractions")
    @classmethod
    def _fractions(cls, v: list[float]) -> list[float]:
        if any(not 0 < f < 1 for f in v):
            raise ValueError("reminder fractions lie strictly between 0 and 1")
        return v


class EscalationLevel(Strict):
    level: int = Field(ge=1, le=9)
    notify: Literal["unit_head", "parent_unit", "district_leadership", "city_leadership"]
    deadline: Duration


class Supervision(Cited):
    ladder: list[EscalationLevel] = Field(min_length=1)
    # R-TMR-3 (Heze Art.22; Baoding Art.24; Tianjin Art.24): the citizen reporting the same unsolved
    # matter again is told it is in hand; at this many repeats the order comes under supervision.
    repeat_reports: int = Field(default=2, ge=1)
    # R-TMR-3: this many different citizens reporting one category in one street (or district)
    # on one day make a hotspot; each such order comes under supervision and its lead is told.
    hotspot_citizens: int = Field(default=5, ge=2)
    # R-TMR-2: who hears a rung of the ladder when nobody stands higher in the unit tree: the
    # city's supervision office (a unit of the tree), never the late unit itself.
    office: str | None = None
    # R-OPS-2: ops are paged when more orders than this go overdue in one day (city-set).
    overdue_alarm_per_day: int = Field(default=20, ge=0)

    @field_validator("ladder")
    @classmethod
    def _consecutive(cls, v: list[EscalationLevel]) -> list[EscalationLevel]:
        if [lv.level for lv in v] != list(range(1, len(v) + 1)):
            raise ValueError("ladder levels must be 1, 2, 3, … in order")
        return v


class Category(Strict):
    code: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    always_on: bool = False
    group: str | None = None  # the branch of the city's category tree (Open311 `group`, R-O311-1)


class Street(Strict):
    code: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)


class District(Strict):
    code: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    streets: list[Street] = []


class Unit(Strict):
    """A government unit in the city's tree (SPEC §1 `unit`)."""

    id: str = Field(pattern=SLUG)
    name: str = Field(min_length=1)
    kind: Literal["government", "department", "district", "street", "community", "utility"]
    parent: str | None = None
    district: str | None = None


class Route(Cited):
    """category × district/street → lead and assisting units (R-DSP-1, R-DSP-6)."""

    category: str
    district: str = "*"
    street: str = "*"
    lead: str
    assist: list[str] = []
    principle: Literal["territorial", "sector", "tiered"]


class Guidance(Strict):
    """What the citizen is told for each outcome that is not a work order (R-INT-4)."""

    emergency: str
    legal_procedure: str
    secret_or_privacy: str
    unlawful: str
    not_government: str
    duplicate: str
    held: str = "您的诉求已收到，需工作人员核实后处理，处理结果将以短信告知。"  # R-TRI-2


Refusal = Literal["legal_procedure", "secret_or_privacy", "unlawful", "not_government"]
Reason = Literal["emergency"] | Refusal
Desk = Literal["110", "119", "120", "122"]


class EmergencyPolicy(Cited):
    """Where present dangers go (R-TRI-1): each concept's desk, the city's article. The ways
    people say them are language, the same everywhere (`domain/lexicon.py`)."""

    desks: dict[
        Literal[
            "violence", "kidnapping", "suicide", "traffic_injury", "fire", "gas_leak", "trapped", "drowning", "medical"
        ],
        Desk,
    ] = {}


class RefusalGround(Cited):
    """A ground on which the city's regulation lets the hotline refuse (R-INT-4). `auto`: the
    machine may refuse alone on clear evidence; otherwise a person decides (R-TRI-2)."""

    reason: Refusal
    auto: bool = True


class UtilityAlert(Cited):
    """An emergency that involves a public utility's network (gas, water, power): besides the
    desk, the utility's unit is told at once (issue 15.3). A term matches when it occurs."""

    unit: str
    terms: list[str] = Field(min_length=1)


class HandOff(Cited):
    """A body outside government that takes a kind of matter the hotline does not (R-DESK-5:
    Baoding Art.16(4) 转交有关部门办理; Hohhot Art.11, Art.22 other platforms, volunteers)."""

    id: str = Field(pattern=r"^[a-z0-9-]{2,40}$")
    name: str = Field(min_length=2)
    contact: str | None = None
    terms: list[str] = []  # a held matter whose text has one is suggested for this body


class KnowledgePolicy(Strict):
    """When the KB answers (R-INT-3, R-KB-2). Scores are the share of the question's weight found."""

    answer_min: float = Field(default=0.55, gt=0, le=1, description="instant answer at intake")
    search_min: float = Field(default=0.2, gt=0, le=1, description="listed by public search")
    suggest_min: float = Field(
        default=0.3, gt=0, le=1, description="below the answer bar, offered with the order as a suggestion (R-KB-4)"
    )


class AttachmentPolicy(Strict):
    """Voice, image and video evidence (R-INT-2, Hohhot Art.9): what a channel may upload."""

    max_count: int = Field(default=5, ge=0, le=20)
    max_bytes: dict[str, int] = {
        "image/jpeg": 10 * 2**20,
        "image/png": 10 * 2**20,
        "audio/mpeg": 20 * 2**20,
        "audio/amr": 20 * 2**20,
        "video/mp4": 100 * 2**20,
    }


class IntakePolicy(Strict):
    """How intake sorts (R-INT-3/4, R-TRI-1..3): dangers, refusal grounds, who may decide, duplicates,
    KB answers, attachments."""

    emergencies: EmergencyPolicy = EmergencyPolicy(article="SPEC R-TRI-1")
    refusals: list[RefusalGround] = []
    staffed_channels: list[Channel] = Field(
        default=[], description="channels where a person takes the request and may decide it (R-TRI-3)"
    )
    handoffs: list[HandOff] = []
    utilities: list[UtilityAlert] = []
    duplicate_window_days: int = Field(default=90, gt=0, le=3660)
    duplicate_min_overlap: float = Field(
        default=0.7, gt=0, le=1, description="share of the new text's bigrams already in the earlier request"
    )
    knowledge: KnowledgePolicy = KnowledgePolicy()
    attachments: AttachmentPolicy = AttachmentPolicy()


class Regulation(Strict):
    title: str
    source: str


class Records(Strict):
    """How long the archive keeps each record under object lock (R-CB-5). The regulations require
    a complete archive "按照档案管理要求" (Baoding Art.27) without a period; 30 years is the
    default a city's archive office may change."""

    retention_years: int = Field(default=30, ge=1, le=100)
    article: str = "Baoding Art.27 (archive-management requirements; period city-set)"


class KpiPolicy(Strict):
    """How the three rates count (R-KPI-1, formulas in docs/kpi.md). Matters the regulation says
    are not judged by satisfaction (Tianjin Art.25: 行政调解类、执法办案类) keep their response
    rate but leave the two rating-based rates."""

    unjudged_categories: list[str] = []
    article: str = "Hohhot Art.31; Baoding Art.36"


class Security(Strict):
    """Optional hardening of the city's API (R-SEC-2): AWS WAF with AWS's managed rule groups and
    a per-address rate limit, in front of the API keys, usage plans and Cognito it always has."""

    waf: bool = False
    waf_rate_limit: int = Field(default=1000, ge=100, description="requests per 5 minutes from one address")


class Runtime(Strict):
    """How the city's functions run (issue 24, docs/cost.md). `snapstart`: Lambda SnapStart on
    every function — each published version is initialised once and new instances resume from
    its snapshot, so a cold start no longer imports the code on the request path; it costs the
    snapshot's cache per GB-second for as long as the version is live, and each restore per GB."""

    snapstart: bool = False


class CityConfig(Strict):
    city: str = Field(pattern=SLUG)
    name: str
    timezone: str = "Asia/Shanghai"
    regulation: Regulation
    channels: list[Channel] = Field(min_length=1)
    max_content_chars: int = Field(default=2000, gt=0, le=20000)
    calendar: CalendarConfig
    limits: list[LimitRule] = Field(min_length=1)
    sign: SignLimit
    return_window: ReturnWindow
    assist_fraction: float = Field(
        default=0.5, gt=0, lt=1, description="assist parts due at this share of the reply limit"
    )
    extensions: list[ExtensionRule] = Field(min_length=1)
    dispatch: DispatchPolicy
    callback: CallbackPolicy
    features: Features = Features()
    reminders: Reminders
    supervision: Supervision
    guidance: Guidance
    intake: IntakePolicy = IntakePolicy()
    records: Records = Records()
    kpi: KpiPolicy = KpiPolicy()
    governance: Governance = Governance()
    security: Security = Security()
    runtime: Runtime = Runtime()
    categories: list[Category] = Field(min_length=1)
    districts: list[District] = Field(min_length=1)
    units: list[Unit] = Field(min_length=12)
    routing: list[Route] = Field(min_length=1)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        from zoneinfo import ZoneInfo

        ZoneInfo(v)
        return v

    @model_validator(mode="after")
    def _references(self) -> Self:
        problems: list[str] = []
        cats = _unique(problems, "categories", [c.code for c in self.categories])
        dists = _unique(problems, "districts", [d.code for d in self.districts])
        streets = {d.code: {s.code for s in d.streets} for d in self.districts}
        # a street names its district on its own (Open311's `attribute[street]`, the hotspots' keys)
        _unique(problems, "streets", [s.code for d in self.districts for s in d.streets])
        units = _unique(problems, "units", [u.id for u in self.units])
        for i, u in enumerate(self.units):
            if u.parent is not None and u.parent not in units:
                problems.append(f"units[{i}].parent: unknown unit {u.parent!r}")
            if u.district is not None and u.district not in dists:
                problems.append(f"units[{i}].district: unknown district {u.district!r}")
        for i, r in enumerate(self.routing):
            if r.category != "*" and r.category not in cats:
                problems.append(f"routing[{i}].category: unknown category {r.category!r}")
            if r.district != "*" and r.district not in dists:
                problems.append(f"routing[{i}].district: unknown district {r.district!r}")
            if r.street != "*" and r.street not in streets.get(r.district, set()):
                problems.append(f"routing[{i}].street: {r.street!r} is not in {r.district!r}")
            for ref in [r.lead, *r.assist]:
                if ref not in units:
                    problems.append(f"routing[{i}]: unknown unit {ref!r}")
        sections: tuple[tuple[str, Sequence[LimitRule | ExtensionRule]], ...] = (
            ("limits", self.limits),
            ("extensions", self.extensions),
        )
        for section, rules in sections:
            for i, rule in enumerate(rules):
                for c in rule.match.categories:
                    if c not in cats:
                        problems.append(f"{section}[{i}].match.categories: unknown {c!r}")
            if any(rule.match == Match() for rule in rules[:-1]):
                problems.append(f"{section}: a catch-all rule may only come last")
            for t in RequestType:
                if not any(r.match.matches(t, Urgency.normal, None) for r in rules):
                    problems.append(f"{section}: no rule covers type {t.value!r}")
        if self.supervision.office is not None and self.supervision.office not in units:
            problems.append(f"supervision.office: unknown unit {self.supervision.office!r}")
        for i, alert in enumerate(self.intake.utilities):
            if alert.unit not in units:
                problems.append(f"intake.utilities[{i}].unit: unknown unit {alert.unit!r}")
        for c in self.dispatch.immediate_categories:
            if c not in cats:
                problems.append(f"dispatch.immediate_categories: unknown category {c!r}")
        for c in self.kpi.unjudged_categories:
            if c not in cats:
                problems.append(f"kpi.unjudged_categories: unknown category {c!r}")
        if self._cycle():
            problems.append("units: the parent chain has a cycle")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _cycle(self) -> bool:
        parent = {u.id: u.parent for u in self.units}
        for start in parent:
            seen: set[str] = set()
            node: str | None = start
            while node is not None:
                if node in seen:
                    return True
                seen.add(node)
                node = parent.get(node)
        return False


def _unique(problems: list[str], field: str, codes: list[str]) -> set[str]:
    dup = sorted({c for c in codes if codes.count(c) > 1})
    if dup:
        problems.append(f"{field}: duplicate codes {dup}")
    return set(codes)
