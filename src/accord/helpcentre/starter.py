"""The starter articles the SLA links to: how to use support, how to raise a ticket, the
service model. Written for Accord (its portal, email intake and API), with the figures that
matter (support hours, severities, release cadence) taken from the policy when they are
created.

Migration 0005 creates them once on every installation; `ensure_starter_articles()` does the
same at any time and is idempotent: an article whose address exists is left alone, so staff's
edits (and deletions followed by an article of their own at that address) are never replaced.
They are ordinary articles afterwards: staff edit them like any other. `text()` is pure (plain
data in, Markdown out) and `install()` takes the model classes, so the migration can pass its
historical models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse

from accord.helpcentre import sla


@dataclass(frozen=True)
class Starter:
    slug: str
    title: str
    category: str
    body: str


def _url(name: str, **kwargs: Any) -> str:
    return reverse(name, kwargs=kwargs or None)


def _article(slug: str) -> str:
    return _url("help_article", slug=slug)


def _hours(data: dict[str, Any]) -> list[str]:
    hours = data["support_hours"]
    if hours.get("always"):
        return ["- Around the clock, every day of the year."]
    lines = []
    for day, spans in hours["weekly"].items():
        text = ", ".join(f"{a}–{b}" for a, b in spans)
        lines.append(f"- {sla.DAY_NAMES[sla.DAYS[day]]}: {text}")
    where = (
        "your region's time zone"
        if hours["timezone"] == "region"
        else f"the {hours['timezone']} time zone"
    )
    lines += ["", f"Times are in {where}."]
    if hours.get("region_holidays"):
        lines[-1] += " The help desk's clock does not count your region's public holidays."
    always = sla._always(data)
    if always:
        lines += [
            "",
            f"{sla._levels(always)} {'is' if len(always) == 1 else 'are'} counted around the "
            "clock, outside these hours too.",
        ]
    return lines


def _severity_table(data: dict[str, Any]) -> list[str]:
    lines = [
        "| Severity | Choose it when | Service restored within | Counted |",
        "|---|---|---|---|",
    ]
    for s in data["severities"]:
        lines.append(
            f"| {s['level']} {s['name']} | {s['description']} | {sla._target(s['target'])} "
            f"| {sla._counted(data, s)} |"
        )
    return lines


def use_support(data: dict[str, Any], support_address: str) -> Starter:
    modules = data["availability"]["modules"]
    body = [
        "Our help desk restores service when one of our applications stops working for you: "
        + sla._and(modules)
        + ". This article explains how to reach it, when it works on your ticket and how you "
        "follow the ticket until service is back.",
        "",
        "## Who can contact support",
        "",
        "Anyone in your organisation with an Accord account. Your organisation's customer "
        "administrators invite colleagues from the **People** page after signing in. Every "
        "ticket raised by someone in your organisation is visible to your colleagues and to "
        "nobody outside it.",
        "",
        "## Three ways to reach the help desk",
        "",
        f"- **The portal**: sign in and choose [Report a fault]({_url('ticket_new')}). Your "
        f"tickets are listed under [Tickets]({_url('ticket_list')}).",
        f"- **Email**: write to <{support_address}> from the address of your Accord account. "
        "Our replies come by email too; answer them to add a comment to the ticket.",
        f"- **The API**, for your own tools and monitors: create a token on the "
        f"[API tokens]({_url('tokens')}) page and see the [API documentation]"
        f"({_url('api:openapi-view')}).",
        "",
        f"[How to raise a support ticket]({_article(sla.RAISE_TICKET)}) goes through each of "
        "them step by step.",
        "",
        "## When we work on your ticket",
        "",
        "The help desk takes reports at any hour, every day. The return-to-service clock of a "
        "ticket counts our support hours:",
        "",
        *_hours(data),
        "",
        "A fault reported outside these hours is recorded straight away; its clock starts "
        "counting at the next opening. Your contract may set other hours: the ticket's page "
        "always shows when service is due, in your time zone.",
        "",
        "## Before you report",
        "",
        f"Look at the [service status page]({_url('status_overall')}): when a fault is "
        "already known there, we are working on it, and the page is updated as we go. Report "
        "it anyway if it stops your work: your ticket then carries your own clock.",
        "",
        "## Following your ticket",
        "",
        "- The ticket's page shows its status, its severity, the time used and when service "
        "is due, and every change with who made it and when.",
        "- We email the person who reported the fault and your organisation's customer "
        "administrators when the ticket changes: acknowledged, being worked on, service "
        "restored, a comment from us.",
        "- When service is restored with a temporary repair, we keep working on the permanent "
        "fix and tell you which release carries it.",
        "- If the fault comes back, reopen the ticket on its page (or through the API): the "
        "clock continues with the time already used.",
        "",
        f"The [Service Level Agreement]({_url('help_sla')}) sets out every target and how it is "
        "measured.",
    ]
    return Starter(sla.USE_SUPPORT, "How to use support", "Support", "\n".join(body) + "\n")


def raise_ticket(data: dict[str, Any], support_address: str) -> Starter:
    severities = data["severities"]
    example = severities[min(1, len(severities) - 1)]
    body = [
        "Report one fault per ticket, as soon as you notice it: the return-to-service clock "
        "starts when the help desk receives your report, whichever way you send it.",
        "",
        "## Choose the severity",
        "",
        "The severity is yours to designate. Choose it by what the fault does to your use of "
        "the application:",
        "",
        *_severity_table(data),
        "",
        "Not sure? Report the fault without a severity and designate it on the ticket as soon "
        "as you can: its target still counts from the time you reported. If we think another "
        "severity fits better, we propose it with a reason; yours stays in force until you "
        "accept the proposal, and the agreed severity applies from the time of your report. "
        "Once service is restored, or a severity was agreed, you change it by proposing "
        "another on the ticket, which one of our support managers accepts or rejects.",
        "",
        "## What to tell us",
        "",
        "- which application and what you were doing; the page or step where it fails;",
        "- what you expected and what happened instead, with any error message word for word;",
        "- since when, how many people it affects, and whether there is a way around it;",
        "- screenshots or log files, attached to the ticket.",
        "",
        "## In the portal",
        "",
        f"1. Sign in and choose [Report a fault]({_url('ticket_new')}).",
        "2. Pick the application, write a one-line summary and the description.",
        "3. Choose the severity (each one is described beside its button), then **Report the "
        "fault**.",
        "4. Attach files on the ticket's page.",
        "",
        "## By email",
        "",
        f"Write to <{support_address}> from the address of your Accord account (mail from "
        "any other address is refused). The subject becomes the ticket's summary and the text "
        "its description; attachments are kept with the ticket.",
        "",
        f"- **Severity**: put `[Sev {example['level']}]` in the subject, or a line "
        f"`Severity: {example['level']}` in the text. Without one, the ticket waits for you to "
        "designate it.",
        f"- **Application**: a line such as `Module: {data['availability']['modules'][0]}` in "
        "the text, or name the application in the subject.",
        "- We answer by email. Reply to our messages, keeping `[#123]` (your ticket's number) "
        "in the subject, to add a comment.",
        "",
        "## Through the API",
        "",
        f"Create a token on the [API tokens]({_url('tokens')}) page, then send one request per "
        "fault with a new `Idempotency-Key` (a UUID): if the answer is lost, sending the same "
        "request again never opens a second ticket.",
        "",
        "```",
        "curl -X POST https://accord.example.com/api/tickets \\",
        '     -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \\',
        '     -H "Idempotency-Key: $(uuidgen)" \\',
        '     -d \'{"module": "release-manager", "summary": "Release page is down",',
        f'          "severity": {example["level"]}}}\'',
        "```",
        "",
        f"The [API documentation]({_url('api:openapi-view')}) lists every field.",
        "",
        "## What happens next",
        "",
        "1. **Reported**: the ticket exists and its clock runs (in support hours, or around the "
        "clock for a severity counted that way).",
        "2. **Acknowledged** and **in progress**: an engineer has it; comments and questions "
        "reach you by email and on the ticket's page.",
        "3. **Service restored**: you can use the application again, by a permanent fix or a "
        "temporary repair. The clock stops here. If the fault returns, reopen the ticket and "
        "the clock continues.",
        "4. **Fix delivered** (after a temporary repair) and **closed**: you may close the "
        "ticket yourself once service is restored.",
        "",
        "Our support staff are warned before a target is reached; a target missed is recorded "
        "at once and appears in your monthly SLA report.",
        "",
        f"See [How to use support]({_article(sla.USE_SUPPORT)}) for support hours and the "
        f"[Service Level Agreement]({_url('help_sla')}) for every target.",
    ]
    return Starter(
        sla.RAISE_TICKET, "How to raise a support ticket", "Support", "\n".join(body) + "\n"
    )


def service_model(data: dict[str, Any]) -> Starter:
    a = data["availability"]
    m = a["maintenance"]
    r = data["releases"]
    windows = [
        f"{sla.DAY_NAMES[sla.DAYS[w['day']]]} {w['start']}–{w['end']} ({m['timezone']})"
        for w in m["weekly"]
    ]
    body = [
        "Our applications run as a service: we host, operate and upgrade them; you use them in "
        "a browser.",
        "",
        "## One version per region",
        "",
        "Each customer's service runs in one region. We keep a single version of each "
        "application in a region, so everyone there uses the same release and every fix "
        "reaches everyone:",
        "",
        *[f"- {x}" for x in a["modules"]],
        "",
        "## Releases",
        "",
        f"Minor releases (small enhancements and fixes) come {r['minor']}, major releases "
        f"(new functionality) {r['major']}"
        + (", in the maintenance window." if r["in_maintenance_window"] else ".")
        + " Urgent fixes ship between them. A major release supersedes every earlier minor "
        "release and emergency fix; a minor release supersedes earlier emergency fixes. Each "
        "is an increment you can adopt without a change programme.",
        "",
        f"Signed-in users see the planned releases of their region in the [release calendar]"
        f"({_url('release_calendar')}); a fault ticket shows the release that carried its "
        "permanent fix.",
        "",
        "## Availability and maintenance",
        "",
        f"Each application is available at least **{a['target_percent']}%** of each month, "
        "measured per application and region.",
        "",
        "Scheduled maintenance: " + (sla._and(windows) if windows else "none") + ". "
        f"Other maintenance is announced at least {m['adhoc_notice_hours']} hours ahead.",
        "",
        f"The [service status page]({_url('status_overall')}) shows the state of every "
        "application in every region, incidents as they happen and the maintenance planned.",
        "",
        "## Browsers",
        "",
        *[f"- {b}" for b in data["supported_browsers"]],
        "",
        f"The [Service Level Agreement]({_url('help_sla')}) has the details.",
    ]
    return Starter(
        sla.SERVICE_MODEL, "Our service model", "About the service", "\n".join(body) + "\n"
    )


def text(data: dict[str, Any], support_address: str) -> list[Starter]:
    return [
        use_support(data, support_address),
        raise_ticket(data, support_address),
        service_model(data),
    ]


def install(
    article_model: Any, revision_model: Any, version_model: Any, starters: list[Starter]
) -> list[str]:
    """Create each starter whose address is free, published as version 1 of revision 1; the
    slugs created. Rows are written directly (no `Article.save()`, which a migration's
    historical model does not have), the same on both databases."""
    created = []
    for starter in starters:
        if article_model.objects.filter(slug=starter.slug).exists():
            continue
        fields = {
            "title": starter.title,
            "category": starter.category,
            "visibility": "public",
            "body": starter.body,
        }
        (article,) = article_model.objects.bulk_create(
            [article_model(slug=starter.slug, status="published", **fields)]
        )
        if article.pk is None:  # a database that returns no ids from a bulk insert
            article = article_model.objects.get(slug=starter.slug)
        revision = revision_model.objects.create(article=article, number=1, kind="draft", **fields)
        version_model.objects.create(article=article, number=1, revision=revision, **fields)
        created.append(starter.slug)
    return created


def ensure_starter_articles() -> list[str]:
    """Create the starter articles that do not exist yet, from the current policy."""
    from accord.helpcentre.models import Article, ArticleRevision, ArticleVersion

    starters = text(sla.current_policy_data(), settings.ACCORD_SUPPORT_ADDRESS)
    return install(Article, ArticleRevision, ArticleVersion, starters)
