"""Clock warnings and breaches: the `clock_warning` and `clock_breach` jobs' handlers.

`accord.helpdesk.clock_jobs` schedules them at the engine's instants; when one runs, the clock
is recomputed and the notice sent only if it still holds.
"""

from __future__ import annotations

import logging
from datetime import datetime
from fractions import Fraction

from django.utils.translation import gettext_noop

from accord.engine.clocks import ClockResult, ClockState
from accord.engine.timeutil import from_epoch, to_epoch
from accord.helpdesk import services as helpdesk
from accord.helpdesk.models import Ticket
from accord.helpdesk.notices.fan_out import publish
from accord.helpdesk.notices.notice import Notice, Phrase, phrase
from accord.work import services as work
from accord.work.models import Job

logger = logging.getLogger(__name__)


def _skip(job: Job, why: str) -> None:
    """Record why a clock job ended without a notification (visible on the job row)."""
    logger.info("job %s: nothing sent, %s", job.key, why)
    Job.objects.filter(pk=job.pk).update(payload={**job.payload, "outcome": f"skipped: {why}"})


def _percent(fraction: Fraction) -> str:
    value = fraction * 100
    return str(value.numerator) if value.denominator == 1 else f"{float(value):g}"


def _evaluate(job: Job, now: datetime) -> tuple[Ticket, ClockResult] | None:
    ticket_id = job.subject_pk(Ticket._meta.label_lower)
    if ticket_id is None:
        return None
    ticket = (
        Ticket.objects.select_related("organisation__contract", "module", "region")
        .filter(pk=ticket_id)
        .first()
    )
    if ticket is None:
        return None  # the ticket is gone (its jobs outlive it once the foreign key goes)
    return ticket, helpdesk.recompute_clock(ticket, now=now)


@work.handler("clock_warning")
def clock_warning(job: Job, now: datetime) -> None:
    """Warn staff that a ticket has used a fraction of its target, if that is still true now:
    the clock still running, the threshold really reached, not yet breached. Runs in the
    transaction that marks the job done, so the warning is decided once per ticket and
    threshold however often a killed worker's job is claimed again."""
    evaluated = _evaluate(job, now)
    if evaluated is None:
        return _skip(job, "no ticket")
    ticket, result = evaluated
    fraction = Fraction(job.payload.get("fraction", "0"))
    warning = next((w for w in result.warnings if w.fraction == fraction), None)
    if result.state is not ClockState.RUNNING:
        return _skip(job, f"the clock is {result.state.value}")
    if warning is None or warning.at is None:
        return _skip(job, f"no {fraction} warning in the contract's clock rules")
    if result.breached:
        return _skip(job, "already breached (the breach notice says more)")
    if warning.at > to_epoch(now):
        raise work.Defer(from_epoch(warning.at), "threshold not reached yet")
    percent = _percent(fraction)
    # "50%" ("50 %" in German): the percentage of accord.core.display.format_percent
    shown = Phrase("%(number)s%%", {"number": percent}, context="a percentage")
    publish(
        Notice(
            ticket=ticket,
            event="clock.warning",
            slug=f"warning-{percent.replace('.', '_')}",
            at=from_epoch(warning.at),
            headline=phrase(
                gettext_noop("%(percent)s of the return-to-service target used"), percent=shown
            ),
            staff="all",
            subject_tag=phrase(gettext_noop("%(percent)s of target used:"), percent=shown),
            data={"warning": {"fraction": str(fraction), "percent": percent}},
        )
    )


@work.handler("clock_breach")
def clock_breach(job: Job, now: datetime) -> None:
    """Record and announce a breach the moment it happens (recompute_clock writes breached_at),
    once per ticket; if service came back in time there is nothing to announce."""
    evaluated = _evaluate(job, now)
    if evaluated is None:
        return _skip(job, "no ticket")
    ticket, result = evaluated
    if not result.breached:
        if result.state is ClockState.RUNNING and result.breach_at is not None:
            raise work.Defer(from_epoch(result.breach_at), "not breached yet")
        return _skip(job, f"not breached (the clock is {result.state.value})")
    at = from_epoch(result.breached_at) if result.breached_at is not None else now
    headline = phrase(gettext_noop("Return-to-service target breached"))
    publish(
        Notice(
            ticket=ticket,
            event="clock.breach",
            slug="breach",
            at=at,
            headline=headline,
            customer_headline=headline,
            staff="all",
            subject_tag=phrase(gettext_noop("BREACHED:")),
        )
    )
