"""The matrix's patterns that name an object by id: Acme's object behind each, and what to send.

test_objects.py requests each from every kind of person; test_every_url.py checks that every
pattern with an id is here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .harness import STAFF, Body, Scene, form, upload

# Who reaches an object: Acme's people and the staff; the staff alone; its owner alone.
INSIDERS: dict[str, frozenset[str]] = {
    "acme": frozenset({"acme_reporter", "acme_admin", *STAFF}),
    "staff": frozenset(STAFF),
    "owner": frozenset({"acme_reporter"}),
    # Monthly reports: Acme's customer admin and the staff; regenerating one: the managers.
    "acme_admin": frozenset({"acme_admin", *STAFF}),
    "managers": frozenset({"manager", "vendor_admin"}),
    # A person's account: their organisation's customer admin and the vendor admins.
    "people_admins": frozenset({"acme_admin", "vendor_admin"}),
}


@dataclass(frozen=True)
class Case:
    """Acme's object behind one URL pattern, and what to send to it."""

    method: str
    kwargs: Callable[[Scene], dict[str, int]]  # reverse() arguments naming Acme's object
    body: Body = None
    insiders: str = "acme"
    label: str = ""
    # The same pattern reached through one of Globex's own objects (e.g. its ticket with
    # Acme's file id): must be as unknown as the rest.
    crossed: Callable[[Scene], dict[str, int]] | None = None


def ticket(scene: Scene) -> dict[str, int]:
    return {"pk": scene.ticket.pk}


def api_ticket(scene: Scene) -> dict[str, int]:
    return {"ticket_id": scene.ticket.pk}


# Incidents, external monitors and ad-hoc maintenance are the staff's, not tenant data: every
# customer, Acme's included, gets 404. Made on first use, before the matrix's snapshot.


def _release_us(scene: Scene) -> Any:
    from accord.monitoring.models import ModuleRegion

    return ModuleRegion.objects.get(module=scene.world.module, region__code="us")


def _incident(scene: Scene) -> Any:
    if not hasattr(scene, "incident"):
        from django.utils import timezone

        from accord.incidents import services as incidents

        scene.incident = incidents.declare(  # type: ignore[attr-defined]
            title="Matrix incident",
            message="Investigating.",
            impacts={_release_us(scene): "major_outage"},
            actor=scene.world.agent,
            now=timezone.now(),
        )
    return scene.incident  # type: ignore[attr-defined]


def incident(scene: Scene) -> dict[str, int]:
    return {"pk": _incident(scene).pk}


def api_incident(scene: Scene) -> dict[str, int]:
    return {"incident_id": _incident(scene).pk}


def external_source(scene: Scene) -> dict[str, int]:
    if not hasattr(scene, "source"):
        from accord.incidents import alerts

        scene.source = alerts.create_source(  # type: ignore[attr-defined]
            name="Matrix Prometheus", kind="alertmanager", actor=scene.world.vendor_admin
        )[0]
    return {"pk": scene.source.pk}  # type: ignore[attr-defined]


def maintenance_window(scene: Scene) -> dict[str, int]:
    if not hasattr(scene, "window"):
        from datetime import timedelta

        from django.utils import timezone

        from accord.incidents import services as incidents

        now = timezone.now()
        scene.window = incidents.schedule_maintenance(  # type: ignore[attr-defined]
            region=scene.world.acme.region,
            title="Matrix maintenance",
            start=now + timedelta(days=3),
            end=now + timedelta(days=3, hours=1),
            actor=scene.world.agent,
            now=now,
        )
    return {"pk": scene.window.pk}  # type: ignore[attr-defined]


# A monthly report is named by its customer and month; the month is closed, so reading it
# freezes version 1 (made on first use, before the matrix's snapshot).
REPORT_MONTH = "2026-01"


def report(scene: Scene) -> dict[str, Any]:
    contract = scene.world.acme.contract
    if contract.starts_on is None:  # the month must be one of the contract's
        from datetime import date

        contract.starts_on = date(2025, 1, 1)
        contract.save()
    return {"slug": scene.world.acme.slug, "month": REPORT_MONTH}


def report_version(scene: Scene) -> dict[str, Any]:
    if not hasattr(scene, "report_version"):
        from django.utils import timezone

        from accord.reports import services as reports

        scene.report_version = reports.freeze(  # type: ignore[attr-defined]
            scene.world.acme, REPORT_MONTH, now=timezone.now()
        )[0]
    return {**report(scene), "number": scene.report_version.version}  # type: ignore[attr-defined]


def contract_terms(scene: Scene) -> dict[str, str]:
    return {"organisation": scene.world.acme.slug}


def new_terms_version(scene: Scene) -> dict[str, str]:
    from datetime import timedelta

    from django.utils import timezone

    from accord.policies import builtin_text

    next_month = (timezone.now().replace(day=1) + timedelta(days=40)).replace(day=1)
    return {
        "policy_text": builtin_text("plutora-standard"),
        "effective_from": f"{next_month:%Y-%m-%d}",
        "note": "From the matrix",
    }


def impact_body(scene: Scene) -> dict[str, str]:
    return {"impact-target": f"mr:{_release_us(scene).pk}", "impact-impact": "degraded"}


OBJECTS: dict[str, list[Case]] = {
    # --- the portal's pages and forms
    "ticket_detail": [Case("get", ticket)],
    "ticket_comment": [Case("post", ticket, form(**{"comment-body": "hello"}))],
    "ticket_attach": [Case("post", ticket, upload("attach-"))],
    "ticket_designate": [Case("post", ticket, form(**{"designate-severity": "1"}))],
    "ticket_answer": [Case("post", ticket, form(**{"answer-decision": "accept"}))],
    "ticket_status": [Case("post", ticket, form(**{"status-status": "acknowledged"}))],
    "ticket_close": [Case("post", ticket, form(**{"close-note": "done"}))],
    "ticket_reopen": [Case("post", ticket, form(**{"reopen-reason": "it is back"}))],
    "ticket_pause": [Case("post", ticket, form(**{"pause-reason": "waiting for logs"}))],
    "ticket_resume": [Case("post", ticket, form(**{"resume-note": "back"}))],
    "ticket_propose": [
        Case("post", ticket, form(**{"propose-severity": "3", "propose-reason": "why"}))
    ],
    # Nothing to settle on Acme's ticket: its insiders are refused too (409 by API)
    "ticket_settle": [
        Case(
            "post",
            ticket,
            form(**{"settle-held_on": "2026-01-05", "settle-attendees": "both sides"}),
        )
    ],
    # Contested restorations: the customer contests, a manager answers (the services refuse
    # the others on the page; Acme's ticket is not restored, so contesting it is refused too)
    "ticket_contest": [Case("post", ticket, form(**{"contest-reason": "still down"}))],
    "ticket_contest_answer": [Case("post", ticket, form(**{"contest-answer-decision": "accept"}))],
    # Ownership: staff only on the page (customers: not found); by API the customer who sees
    # the ticket is refused (403), the staff assign (a second assigner: 409, already so)
    "ticket_assign": [
        Case(
            "post",
            ticket,
            lambda s: {"assign-assignee": s.world.agent.pk},
            insiders="staff",
        )
    ],
    "attachment_download": [
        Case("get", lambda s: {"pk": s.public_file.pk}, label="public file"),
        Case("get", lambda s: {"pk": s.internal_file.pk}, insiders="staff", label="staff file"),
    ],
    # The role they have already: the insiders' request changes nothing.
    "person_change": [
        Case(
            "post",
            lambda s: {"pk": s.world.acme_reporter.pk},
            body=form(role="reporter"),
            insiders="people_admins",
        )
    ],
    "token_revoke": [Case("post", lambda s: {"pk": s.token.pk}, insiders="owner")],
    # --- the JSON API
    "api:get_ticket": [Case("get", api_ticket)],
    "api:add_comment": [Case("post", api_ticket, form(body="hello"))],
    "api:change_status": [Case("post", api_ticket, form(status="acknowledged"))],
    "api:assign_ticket": [Case("post", api_ticket, lambda s: {"assignee": s.world.agent.pk})],
    "api:reopen_ticket": [Case("post", api_ticket, form(reason="it is back"))],
    "api:pause_ticket": [Case("post", api_ticket, form(reason="waiting for logs"))],
    "api:resume_ticket": [Case("post", api_ticket, form(note="back"))],
    "api:designate_severity": [Case("post", api_ticket, form(severity=1))],
    "api:propose_severity": [Case("post", api_ticket, form(severity=3, reason="why"))],
    "api:answer_proposal": [Case("post", api_ticket, form(accept=True))],
    "api:settle_dispute": [
        Case("post", api_ticket, form(held_on="2026-01-05", attendees="both sides"))
    ],
    "api:get_restoration": [Case("get", api_ticket)],
    "api:contest_restoration": [Case("post", api_ticket, form(reason="still down"))],
    "api:answer_contest": [Case("post", api_ticket, form(accept=True))],
    "api:upload_attachment": [Case("post", api_ticket, upload())],
    "api:download_attachment": [
        Case(
            "get",
            lambda s: {"ticket_id": s.ticket.pk, "attachment_id": s.public_file.pk},
            label="public file",
            crossed=lambda s: {"ticket_id": s.globex_ticket.pk, "attachment_id": s.public_file.pk},
        ),
        Case(
            "get",
            lambda s: {"ticket_id": s.ticket.pk, "attachment_id": s.internal_file.pk},
            insiders="staff",
            label="staff file",
            crossed=lambda s: {
                "ticket_id": s.globex_ticket.pk,
                "attachment_id": s.internal_file.pk,
            },
        ),
    ],
    "api:revoke_token": [Case("delete", lambda s: {"token_id": s.token.pk}, insiders="owner")],
    # --- incidents, external monitors, maintenance: the staff's alone
    "ticket_confirm_outage": [
        Case(
            "post",
            ticket,
            form(**{"outage-scope": "region", "outage-incident": "new"}),
            insiders="staff",
        )
    ],
    "incident_detail": [Case("get", incident, insiders="staff")],
    "incident_update": [
        Case(
            "post",
            incident,
            form(**{"update-status": "identified", "update-message": "Found it"}),
            insiders="staff",
        )
    ],
    "incident_impact": [Case("post", incident, impact_body, insiders="staff")],
    "incident_resolve": [
        Case("post", incident, form(**{"resolve-message": "Fixed"}), insiders="staff")
    ],
    "external_source_rotate": [Case("post", external_source, insiders="staff")],
    "maintenance_cancel": [Case("post", maintenance_window, insiders="staff")],
    "api:get_incident": [Case("get", api_incident, insiders="staff")],
    "api:add_incident_update": [
        Case("post", api_incident, form(status="identified", message="Found"), insiders="staff")
    ],
    "api:set_incident_impact": [
        Case(
            "post",
            api_incident,
            form(module="release-manager", region="us", impact="degraded"),
            insiders="staff",
        )
    ],
    "api:resolve_incident": [Case("post", api_incident, form(message="Fixed"), insiders="staff")],
    # Acme's customers see the ticket, so the API says why they may not (403), as the help
    # desk's ticket actions do; the portal's page for it is the staff's (404).
    "api:confirm_total_outage": [Case("post", api_ticket, form(customer_only=False))],
    # --- monthly SLA reports: Acme's customer admin and the staff; regenerating, the managers
    "report_detail": [Case("get", report, insiders="acme_admin")],
    "report_export": [
        Case("get", lambda s, f=fmt: {**report(s), "fmt": f}, insiders="acme_admin", label=fmt)
        for fmt in ("pdf", "csv", "json")
    ],
    "report_versions": [Case("get", report, insiders="acme_admin")],
    "report_version": [Case("get", report_version, insiders="acme_admin")],
    "report_version_export": [
        Case(
            "get",
            lambda s, f=fmt: {**report_version(s), "fmt": f},
            insiders="acme_admin",
            label=fmt,
        )
        for fmt in ("pdf", "csv", "json")
    ],
    "report_regenerate": [
        Case("post", report, form(reason="From the matrix"), insiders="managers")
    ],
    # --- contract terms: Acme's people read them, the managers add a version
    "contract_terms": [Case("get", contract_terms, insiders="acme")],
    "contract_terms_new": [Case("post", contract_terms, new_terms_version, insiders="managers")],
    # --- the SLA data by API: the pages' rules (reports: Acme's admin; contracts: its people)
    "api:get_report": [
        Case(
            "get",
            lambda s: {"organisation": report(s)["slug"], "month": REPORT_MONTH},
            insiders="acme_admin",
        )
    ],
    "api:get_contract": [Case("get", contract_terms, insiders="acme")],
    # --- the status page's demo switch (a module-region is not tenant data): the staff's alone
    "status_simulate": [
        Case(
            "post",
            lambda s: {"pk": _release_us(s).pk},
            form(action="down"),
            insiders="staff",
        )
    ],
}
