"""Time limits of a city (R-SLA-2, R-SLA-3, R-DSP-2/3/4/5/9): which limit, and when it falls due.

Pure: everything comes from the city config and the calendar, nothing from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from hotline.config.schema import (
    CityConfig,
    Duration,
    ExtensionRule,
    LimitRule,
    RequestType,
    Urgency,
)
from hotline.domain.calendar import FallbackObserver, WorkingCalendar, _log_fallback
from hotline.domain.errors import RuleViolation


@dataclass(frozen=True)
class Deadlines:
    sign_by: datetime
    return_by: datetime | None
    assist_by: datetime | None
    reply_by: datetime


class SlaPolicy:
    def __init__(self, config: CityConfig, on_fallback: FallbackObserver = _log_fallback) -> None:
        self.config = config
        cal = config.calendar
        self.calendar = WorkingCalendar.build(
            config.timezone,
            cal.office_hours.start,
            cal.office_hours.end,
            cal.extra_holidays,
            cal.extra_workdays,
            on_fallback,
            cal.published_years,
        )
        self._always_on = {c.code for c in config.categories if c.always_on}

    # -- which limit ---------------------------------------------------------------------------
    def is_always_on(self, category: str | None) -> bool:
        return category in self._always_on

    def limit_rule(self, type_: RequestType, urgency: Urgency, category: str | None) -> LimitRule:
        for rule in self.config.limits:
            if rule.match.matches(type_, urgency, category):
                return rule
        raise RuleViolation(
            "no_limit", "本市时限表未覆盖此类工单", f"no time limit covers {type_}/{urgency}/{category}"
        )

    def limit_for(
        self,
        type_: RequestType,
        urgency: Urgency,
        category: str | None,
        legal_limit: Duration | None = None,
    ) -> Duration:
        """A legal deadline stated on the order wins (Tianjin Art.19); 7×24 runs on natural hours."""
        limit = legal_limit or self.limit_rule(type_, urgency, category).limit
        if self.is_always_on(category) and limit.working_days is not None:
            return Duration(hours=24 * limit.working_days)
        return limit

    # -- when it falls due ---------------------------------------------------------------------
    def add(self, instant: datetime, duration: Duration, always_on: bool = False) -> datetime:
        if duration.hours is not None:
            return self.calendar.local(instant) + timedelta(hours=duration.hours)
        if always_on:
            return self.calendar.local(instant) + timedelta(days=duration.value)
        return self.calendar.add_working_days(instant, duration.value)

    def dispatch_at(self, accepted_at: datetime, type_: RequestType, category: str | None) -> datetime:
        """Off-hours orders wait for the next working morning where the city says so (Weixi Art.6)."""
        policy = self.config.dispatch
        immediate = (
            not policy.off_hours_deferral
            or type_ in policy.immediate_types
            or category in policy.immediate_categories
            or self.is_always_on(category)
            or self.calendar.in_office_hours(accepted_at)
        )
        if immediate:
            return self.calendar.local(accepted_at)
        return self.calendar.next_opening_by(accepted_at, policy.deferral_deadline)

    def queue_by(
        self, accepted_at: datetime, dispatch_by: datetime, category: str | None, urgency: Urgency
    ) -> datetime:
        """The dispatcher's deadline for an order no rule sends (R-DSP-2). A deferred order keeps
        its legal hour (Weixi Art.6: by 10:00 of the next working day); any other waits at most the
        city's queue limit, counted from the office's opening (natural time for 7×24 and urgent)."""
        if dispatch_by > accepted_at:
            return dispatch_by
        minutes = timedelta(minutes=self.config.dispatch.queue_minutes)
        if self.is_always_on(category) or urgency in (Urgency.critical, Urgency.urgent):
            return self.calendar.local(accepted_at) + minutes
        return self.calendar.clock_start(accepted_at) + minutes

    def dispatch_opens(self, dispatch_by: datetime) -> datetime:
        """When a deferred order may go out: the office opens that morning, before the deadline."""
        by = self.calendar.local(dispatch_by)
        opening = datetime.combine(by.date(), self.calendar.office_start, by.tzinfo)
        return min(opening, by)

    def deadlines(self, dispatched_at: datetime, limit: Duration, category: str | None) -> Deadlines:
        always_on = self.is_always_on(category)
        reply_by = self.add(dispatched_at, limit, always_on)
        window = self.config.return_window
        return_by = (
            self.add(dispatched_at, window.limit, always_on)
            if window.starts_at == "dispatched"
            else None  # starts when the unit signs
        )
        span = reply_by - self.calendar.local(dispatched_at)
        assist_by = self.calendar.local(dispatched_at) + span * self.config.assist_fraction
        return Deadlines(
            sign_by=self.add(dispatched_at, self.config.sign.limit, always_on),
            return_by=return_by,
            assist_by=assist_by,
            reply_by=reply_by,
        )

    def return_by_after_sign(self, signed_at: datetime, category: str | None) -> datetime | None:
        window = self.config.return_window
        if window.starts_at != "signed":
            return None
        return self.add(signed_at, window.limit, self.is_always_on(category))

    def latest_return(self, dispatched_at: datetime, return_by: datetime, category: str | None) -> datetime:
        """Complex orders may be returned a little later (Tianjin Art.18: 2 wd), never after."""
        window = self.config.return_window
        if window.complex_limit is None or window.starts_at != "dispatched":
            return return_by
        return self.add(dispatched_at, window.complex_limit, self.is_always_on(category))

    # -- extensions ----------------------------------------------------------------------------
    def extension_rule(self, type_: RequestType, urgency: Urgency, category: str | None) -> ExtensionRule:
        for rule in self.config.extensions:
            if rule.match.matches(type_, urgency, category):
                return rule
        raise RuleViolation("extension_refused", "本市规定未允许此类工单延期", f"no extension rule covers {type_}")

    def grant_extension(
        self,
        rule: ExtensionRule,
        original: Duration,
        used: list[Duration],
        requested: Duration | None,
        rehandling: bool,
    ) -> Duration:
        """The extension the city's rules allow for this request, or RuleViolation saying why."""
        where = rule.article

        def refuse(msg: str, zh: str) -> RuleViolation:
            return RuleViolation("extension_refused", f"延期申请未予受理：{zh}（{where}）", f"{msg} ({where})")

        if rehandling and not self.config.callback.rehandle_allows_extension:
            where = self.config.callback.article
            raise refuse("a rehandled order may not be extended", "重办工单不得延期")
        if not rule.allowed:
            raise refuse("this kind of order may not be extended", "此类工单不得延期")
        if rule.max_count is not None and len(used) >= rule.max_count:
            raise refuse(
                f"at most {rule.max_count} extension(s) per order; {len(used)} already granted",
                f"每件工单最多延期 {rule.max_count} 次，已延期 {len(used)} 次",
            )
        if requested is None:
            if not rule.each_equals_original and rule.max_each is None:
                raise refuse("say how long: `days` or `hours`", "请填写延期时长（days 或 hours）")
            requested = original if rule.each_equals_original else rule.max_each
        assert requested is not None
        if rule.each_equals_original and _cmp(requested, original, where) > 0:
            raise refuse(
                f"each extension may be at most the original limit {original}", f"每次延期不得超过原办理时限 {original}"
            )
        if rule.max_each is not None and _cmp(requested, rule.max_each, where) > 0:
            raise refuse(f"each extension may be at most {rule.max_each}", f"每次延期不得超过 {rule.max_each}")
        if rule.max_extension_total is not None:
            total = _sum([*used, requested], where)
            if _cmp(total, rule.max_extension_total, where) > 0:
                raise refuse(
                    f"extensions may add up to {rule.max_extension_total}; asked total {total}",
                    f"累计延期不得超过 {rule.max_extension_total}，本次申请后合计 {total}",
                )
        if rule.max_total_limit is not None:
            total = _sum([original, *used, requested], where)
            if _cmp(total, rule.max_total_limit, where) > 0:
                raise refuse(
                    f"the whole limit may be at most {rule.max_total_limit}; would be {total}",
                    f"办理总时限不得超过 {rule.max_total_limit}，延期后将为 {total}",
                )
        return requested


def _cmp(a: Duration, b: Duration, where: str) -> int:
    if a.unit != b.unit:
        raise RuleViolation(
            "extension_refused",
            f"请按规定的单位填写延期时长：{'小时' if b.unit == 'hours' else '工作日'}（{where}）",
            f"give the extension in {b.unit.replace('_', ' ')} as the rule does ({where})",
        )
    return (a.value > b.value) - (a.value < b.value)


def _sum(items: list[Duration], where: str) -> Duration:
    for d in items[1:]:
        _cmp(d, items[0], where)
    return Duration(**{items[0].unit: sum(d.value for d in items)})
