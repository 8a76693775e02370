"""A published SLA shipped as a policy file (AWS, Atlassian, GitHub, Slack, Google Cloud),
rendered as a help-centre page: its terms in words, a worked example the engine computes,
and where the file comes from. Public: these are the providers' own published terms."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from accord.engine.availability import floor_percent
from accord.engine.credit_forms import (
    FeeMultipleCredit,
    ServiceDaysCredit,
    TierCredit,
    period_credit,
)
from accord.engine.credits import TierTable
from accord.engine.measurement import DowntimeRule
from accord.engine.numbers import format_fraction
from accord.engine.periods import PeriodKind, PeriodRule
from accord.engine.policy import Policy
from accord.engine.policy_sla import credit_terms, measurement_rule
from accord.policies import builtin_names, load_builtin

# The worked example is measured in the period holding this instant (15 November 2026).
_EXAMPLE_INSTANT = calendar.timegm((2026, 11, 15, 0, 0, 0))


@dataclass(frozen=True)
class Published:
    id: str
    name: str


def published() -> list[Published]:
    """The shipped policies that state a published SLA (they carry their sources)."""
    out = []
    for name in builtin_names():
        policy = load_builtin(name)
        if policy.sources:
            out.append(Published(policy.id, policy.name))
    return out


def _period_text(rule: PeriodRule) -> str:
    texts = {
        PeriodKind.MONTH: _("each calendar month"),
        PeriodKind.QUARTER: _("each calendar quarter"),
        PeriodKind.BILLING_CYCLE: _("each billing cycle (from day %(day)s of the month)")
        % {"day": rule.anchor_day},
        PeriodKind.FISCAL_QUARTER: _("each fiscal quarter"),
    }
    return _("%(period)s, in the time zone %(zone)s") % {
        "period": texts[rule.kind],
        "zone": rule.timezone,
    }


def _downtime_text(policy: Policy) -> str:
    rule = measurement_rule(policy)
    settings = rule.error_rate
    if rule.downtime is DowntimeRule.OUTAGES or settings is None:
        return _("Downtime is the time the service is unavailable (its outages).")
    minutes = format_fraction(Fraction(settings.sample_seconds, 60))
    if rule.downtime is DowntimeRule.MEAN_ERROR_RATE:
        return _(
            "Uptime is 100%% minus the average error rate of every %(minutes)s-minute interval "
            "of the period; an interval without requests counts as 0%%."
        ) % {"minutes": minutes}
    threshold = format_fraction(settings.threshold_percent)
    text = (
        _(
            "an interval of %(minutes)s minutes is down when %(threshold)s%% or more "
            "of its requests fail"
        )
        if settings.threshold_inclusive
        else _(
            "an interval of %(minutes)s minutes is down when more than %(threshold)s%% "
            "of its requests fail"
        )
    ) % {"minutes": minutes, "threshold": threshold}
    if settings.min_run > 1:
        return _(
            "Downtime: %(rule)s, counted only in runs of at least %(count)s such intervals."
        ) % {
            "rule": text,
            "count": settings.min_run,
        }
    return _("Downtime: %(rule)s.") % {"rule": text}


def _rows(table: TierTable, values: list[str]) -> list[dict[str, str]]:
    return [
        {"uptime": tier.describe(), "credit": value}
        for tier, value in zip(table.tiers, values, strict=True)
    ]


def _credit(policy: Policy) -> dict[str, Any]:
    terms = credit_terms(policy)
    if terms is None:
        return {"text": _("This SLA states no credit."), "rows": []}
    form = terms.form
    cap = (
        _("The credit is capped at %(cap)s%% of the fee.")
        % {"cap": format_fraction(terms.cap_percent)}
        if terms.cap_percent is not None
        else ""
    )
    if isinstance(form, FeeMultipleCredit):
        text = _(
            "When a period misses the target, the credit is %(multiple)s times the fee paid for "
            "the downtime (the fee is spread evenly over the period)."
        ) % {"multiple": format_fraction(form.multiple)}
        return {"text": text, "rows": [], "cap": cap}
    if isinstance(form, ServiceDaysCredit):
        values = [_("%(days)s days of service") % {"days": days} for days in form.days]
        return {
            "text": _("Credit in days of service:"),
            "rows": _rows(form.table, values),
            "cap": cap,
        }
    assert isinstance(form, TierCredit)
    values = [f"{format_fraction(Fraction(tier.credit_percent))}%" for tier in form.table.tiers]
    return {
        "text": _("Credit as a percent of the fee:"),
        "rows": _rows(form.table, values),
        "cap": cap,
    }


def _example(policy: Policy) -> str:
    """One hour of downtime in an example period, worked by the engine."""
    rule = measurement_rule(policy)
    period = rule.period.containing(_EXAMPLE_INSTANT)
    label = period.label
    seconds = period.end - period.start
    uptime = 1 - Fraction(3600, seconds)
    percent = "0"
    if rule.credit is not None:
        following = rule.period.containing(period.end).label
        days = (rule.period.first_day(following) - rule.period.first_day(label)).days
        result = period_credit(
            rule.credit,
            uptime_fraction=uptime,
            met=uptime >= rule.target,
            downtime_seconds=Fraction(3600),
            period_seconds=seconds,
            period_days=days,
        )
        percent = format_fraction(result.percent)
    return _(
        "Example: one hour of downtime in %(period)s gives an uptime of %(uptime)s%% "
        "(target %(target)s%%) and a credit of %(credit)s%% of the fee."
    ) % {
        "period": label,
        "uptime": floor_percent(uptime),
        "target": format_fraction(rule.target * 100),
        "credit": percent,
    }


def page(policy_id: str) -> dict[str, Any]:
    """The page's context; Http404 for a policy that is not a shipped published SLA."""
    if policy_id not in builtin_names():
        raise Http404(policy_id)
    policy = load_builtin(policy_id)
    if not policy.sources:
        raise Http404(policy_id)
    rule = measurement_rule(policy)
    scope = (
        _("Each of these products is measured and credited on its own: %(modules)s.")
        if policy.availability.scope != "service"
        else _("These are measured as one service: %(modules)s.")
    ) % {"modules": ", ".join(policy.availability.modules)}
    return {
        "policy": policy,
        "target": format_fraction(policy.target * 100),
        "period": _period_text(rule.period),
        "downtime": _downtime_text(policy),
        "scope": scope,
        "credit": _credit(policy),
        "example": _example(policy),
        "published": published(),
    }
