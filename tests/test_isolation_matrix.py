"""Tenant isolation over every URL Accord serves: the matrix issue 3 asks for.

The URLs come from Django's resolver, not from a list kept by hand: `test_every_url_pattern_is_
in_the_matrix` walks `get_resolver().url_patterns` (the django-ninja API's patterns included)
and fails for any pattern that has neither a matrix entry here nor a place, with its reason, in
the short allow-list of things that are not tenant data. A new page, endpoint, export or
download therefore fails this file until someone says who may reach it.

The world (tests/conftest.py): Acme and Globex, a reporter and an admin in each, three staff.
Acme has a ticket with a public comment, a staff-only note, a public and a staff-only file, and
Acme's reporter has an API token. Every piece of it carries a marker (`ACME_MARKERS`).

* `OBJECTS`, the patterns that name an object by id: Acme's object is requested by every kind
  of person, with the entry's method and a valid body. Those who may not reach it (Globex's
  people always; for a staff-only file Acme's customers too; for a token everyone but its owner)
  get 404, exactly the answer for an id that does not exist, whatever the method, by session
  and (for the API) by token, and the database and the stored files are unchanged afterwards.
  Those who may reach it get through: 200/302 on the portal (its forms show refusals on the
  page), and on the API at most a refusal for their role or the ticket's state (403/409).
  Anonymous callers are sent to sign in (portal) or get 401 (API).
* `LISTS`, the patterns without an id (lists, forms, creates, "who am I"): nothing Globex's
  people get ever mentions Acme's data, with the entry's filters (including ones naming Acme),
  and nothing they create lands in Acme or changes Acme's rows; where a list is meant to show
  Acme's ticket to Acme's people or the staff, it does, so the markers are known to be visible.
* `PUBLIC`, the pages anyone reaches without signing in (the status page, its feed, the
  subscription form): nothing Globex's people get there mentions Acme, though Acme's people
  see their own organisation's figures on them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

# ---------------------------------------------------------------------------------------------
# What is not tenant data: the only patterns without a matrix entry, each with its reason.
# Static files are not in the URLconf (the web server or runserver serves them).

NOT_TENANT_DATA_PREFIXES: dict[str, str] = {
    "admin/": "the vendor's Django admin, shut as a whole to anyone without the is_staff flag, "
    "which no customer has (test_customers_are_shut_out_of_the_admin below)",
}
NOT_TENANT_DATA_ROUTES: dict[str, str] = {
    "accounts/login/": "the sign-in form",
    "accounts/logout/": "signing out",
    "accounts/invitation/<str:token>/": "reached by the secret in an emailed link, never by an "
    "id (tests/portal/test_accounts.py)",
    "healthz": "the load balancer's liveness probe",
    "api/": "django-ninja's API root",
    "api/openapi.json": "the API's schema",
    "api/docs": "the API's documentation page",
    "maintenance/": "the public maintenance calendar: the same for everyone, no tenant data",
    "maintenance/<slug:region>/": "one region's public maintenance calendar",
    "status/maintenance.ics": "the public maintenance calendar as an iCalendar feed",
    "status/<slug:region>/maintenance.ics": "one region's public iCalendar feed",
    "status/subscription/<str:token>/confirm/": "reached by the signed token in an emailed "
    "link, never by an id; no tenant data (tests/status/test_subscriptions.py)",
    "status/subscription/<str:token>/unsubscribe/": "the same, to unsubscribe",
    "help/<slug:slug>/": "a help-centre article: vendor content, the same for every customer; "
    "organisation-only articles need any sign-in (tests/helpcentre)",
    "help/<slug:slug>/vote/": "a vote on an article; no tenant data (tests/helpcentre)",
    "help/sla/versions/<int:number>/": "a past version of the public SLA article",
    "help/staff/articles/<int:pk>/": "the staff's article editor: vendor content, no tenant "
    "data; 404 for every customer (tests/helpcentre)",
    "help/staff/articles/<int:pk>/versions/<int:number>/": "a published version of an "
    "article, staff only: vendor content, no tenant data (tests/helpcentre)",
    "status/demo-health/<int:pk>/": "the demo's stand-in health endpoint of a module-region "
    "(not tenant data): 200 or 503 for anyone, 404 unless the demo switch is enabled "
    "(tests/status/test_demo_health.py)",
}

ACME_SUMMARY = "Zeppelin console is down at Acme"
ACME_MARKERS = (
    ACME_SUMMARY,
    "ZEPPELIN-DESCRIPTION",
    "ZEPPELIN-PUBLIC-COMMENT",
    "ZEPPELIN-STAFF-NOTE",
    "zeppelin-screen",
    "zeppelin-trace",
    "zeppelin-token",
    "Acme Corp",
    "rita@acme.test",
    "adam@acme.test",
)
MISSING = 987_654  # an id no row has
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32

CUSTOMERS = ("acme_reporter", "acme_admin", "globex_reporter", "globex_admin")
STAFF = ("agent", "manager", "vendor_admin")
GLOBEX = ("globex_reporter", "globex_admin")
ROLES = CUSTOMERS + STAFF
# Who reaches an object: Acme's people and the staff; the staff alone; its owner alone.
INSIDERS: dict[str, frozenset[str]] = {
    "acme": frozenset({"acme_reporter", "acme_admin", *STAFF}),
    "staff": frozenset(STAFF),
    "owner": frozenset({"acme_reporter"}),
    # Monthly reports: Acme's customer admin and the staff; regenerating one: the managers.
    "acme_admin": frozenset({"acme_admin", *STAFF}),
    "managers": frozenset({"manager", "vendor_admin"}),
}
PORTAL_REACHED = frozenset({200, 302})
# The API says why an action is refused to a person who can see the ticket (403: not for your
# role, 409: not in the ticket's state); it never hides the ticket from them. A 422 would mean
# the matrix sent a malformed body, so it is not accepted here.
API_REACHED = frozenset({200, 201, 204, 403, 409})
PROBED_METHODS = ("get", "post", "put", "patch", "delete")


def png(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


# ---------------------------------------------------------------------------------------------
# The world


@dataclass
class Scene:
    world: Any
    ticket: Any  # Acme's
    globex_ticket: Any
    public_file: Any
    internal_file: Any
    token: Any  # Acme's reporter's
    media: Path
    tokens: dict[str, str] = field(default_factory=dict)  # role -> bearer secret
    sessions: dict[str, Client] = field(default_factory=dict)  # role -> signed-in client

    def user(self, role: str) -> Any:
        return getattr(self.world, role)


@pytest.fixture
def scene(world: Any, settings: Any, tmp_path: Path) -> Scene:
    settings.ACCORD_STATUS_DEMO = True  # the status page's demo switch, for the staff
    from accord.accounts.models import ApiToken
    from accord.helpdesk import services
    from accord.helpdesk.attachments import attach

    settings.MEDIA_ROOT = tmp_path / "media"
    ticket = services.report(
        reporter=world.acme_reporter,
        organisation=world.acme,
        new=services.NewTicket(
            module=world.module,
            summary=ACME_SUMMARY,
            description="ZEPPELIN-DESCRIPTION",
            severity=2,
        ),
    )
    services.add_comment(ticket, author=world.acme_reporter, body="ZEPPELIN-PUBLIC-COMMENT")
    services.add_comment(ticket, author=world.agent, body="ZEPPELIN-STAFF-NOTE", internal=True)
    public_file = attach(ticket, uploaded_by=world.acme_reporter, upload=png("zeppelin-screen.png"))
    internal_file = attach(
        ticket, uploaded_by=world.agent, upload=png("zeppelin-trace.png"), internal=True
    )
    globex_ticket = services.report(
        reporter=world.globex_reporter,
        organisation=world.globex,
        new=services.NewTicket(module=world.module, summary="Globex fault", severity=3),
    )
    token, _ = ApiToken.issue(world.acme_reporter, "zeppelin-token")
    scene = Scene(world, ticket, globex_ticket, public_file, internal_file, token, tmp_path)
    for role in ROLES:
        user = getattr(world, role)
        scene.tokens[role] = ApiToken.issue(user, "matrix")[1]
        scene.sessions[role] = Client()
        scene.sessions[role].force_login(user)
    return scene


# ---------------------------------------------------------------------------------------------
# Calling Accord

Body = Callable[[Scene], Any] | None


def call(
    scene: Scene,
    role: str | None,
    method: str,
    url: str,
    body: Body = None,
    *,
    api: bool,
    via: str = "session",
    headers: Mapping[str, str] | None = None,
) -> Any:
    """One request as `role` (None: anonymous). Portal bodies are form data, API bodies JSON
    (a body holding a file is sent as a multipart form, as uploads are)."""
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in (headers or {}).items()}
    if role is None:
        client = Client()
    elif api and via == "token":
        client = Client()
        extra["HTTP_AUTHORIZATION"] = f"Bearer {scene.tokens[role]}"
    else:
        client = scene.sessions[role]
    data = body(scene) if body is not None else None
    if method == "get":
        return client.get(url, **extra)
    if api and not (isinstance(data, dict) and any(hasattr(v, "read") for v in data.values())):
        payload = json.dumps(data if data is not None else {})
        return client.generic(method.upper(), url, payload, "application/json", **extra)
    if method == "post":
        return client.post(url, data or {}, **extra)
    return client.generic(method.upper(), url, "", **extra)


def text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


def peek(response: Any) -> Any:
    """The start of a response, for an assertion's message (a file is not read)."""
    return "<a file>" if getattr(response, "streaming", False) else response.content[:300]


def snapshot(scene: Scene) -> dict[str, Any]:
    """Every row of every Accord table, and the stored files. `last_login` and an API token's
    `last_used_at` change whenever someone signs in or calls the API, and are left out."""
    volatile = {"last_login", "last_used_at"}
    rows: dict[str, Any] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("accord."):
            continue
        rows[model._meta.label] = [
            {k: v for k, v in row.items() if k not in volatile}
            for row in model._base_manager.order_by("pk").values()
        ]
    media = scene.media / "media"
    rows["files"] = sorted(str(p) for p in media.rglob("*")) if media.exists() else []
    return rows


def acme_rows_touched(scene: Scene, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What a create by an outsider did to Acme: changed or deleted rows anywhere, and new rows
    that belong to Acme (its organisation, its tickets, its people)."""
    from accord.accounts.models import User
    from accord.helpdesk.models import Ticket

    acme = scene.world.acme.pk
    acme_tickets = set(Ticket.objects.filter(organisation_id=acme).values_list("pk", flat=True))
    acme_people = set(User.objects.filter(organisation_id=acme).values_list("pk", flat=True))
    problems = []
    for label, old_rows in before.items():
        if label == "files":
            continue
        new_by_pk = {row["id"]: row for row in after[label]}
        for row in old_rows:
            new = new_by_pk.get(row["id"])
            if new == row:
                continue
            # An outsider's own settings (account_settings/post) are theirs to change.
            own_settings = (
                label == "accounts.User"
                and new is not None
                and row["organisation_id"] != acme
                and {key for key in row if row[key] != new[key]} <= {"timezone"}
            )
            if own_settings:
                continue
            problems.append(f"{label} #{row['id']} changed or deleted")
        old_pks = {row["id"] for row in old_rows}
        for row in after[label]:
            if row["id"] in old_pks:
                continue
            if (
                row.get("organisation_id") == acme
                or row.get("ticket_id") in acme_tickets
                or row.get("user_id") in acme_people
                or (label == "accounts.User" and row["organisation_id"] == acme)
            ):
                problems.append(f"new {label} #{row['id']} belongs to Acme")
    return problems


def assert_sent_to_sign_in(response: Any, *, api: bool) -> None:
    if api:
        assert response.status_code == 401, peek(response)
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login")), response.url


def assert_no_acme(response: Any, where: str) -> None:
    assert response.status_code < 500, (where, response.status_code)
    body = text(response)
    leaked = [marker for marker in ACME_MARKERS if marker in body]
    assert not leaked, (where, leaked)


# ---------------------------------------------------------------------------------------------
# The matrix: patterns that name an object


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


def form(**fields: Any) -> Body:
    return lambda scene: dict(fields)


def upload(prefix: str = "") -> Body:
    return lambda scene: {f"{prefix}file": png("matrix.png")}


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
    # Contested restorations: the customer contests, a manager answers (the services refuse
    # the others on the page; Acme's ticket is not restored, so contesting it is refused too)
    "ticket_contest": [Case("post", ticket, form(**{"contest-reason": "still down"}))],
    "ticket_contest_answer": [Case("post", ticket, form(**{"contest-answer-decision": "accept"}))],
    "attachment_download": [
        Case("get", lambda s: {"pk": s.public_file.pk}, label="public file"),
        Case("get", lambda s: {"pk": s.internal_file.pk}, insiders="staff", label="staff file"),
    ],
    "token_revoke": [Case("post", lambda s: {"pk": s.token.pk}, insiders="owner")],
    # --- the JSON API
    "api:get_ticket": [Case("get", api_ticket)],
    "api:add_comment": [Case("post", api_ticket, form(body="hello"))],
    "api:change_status": [Case("post", api_ticket, form(status="acknowledged"))],
    "api:reopen_ticket": [Case("post", api_ticket, form(reason="it is back"))],
    "api:pause_ticket": [Case("post", api_ticket, form(reason="waiting for logs"))],
    "api:resume_ticket": [Case("post", api_ticket, form(note="back"))],
    "api:designate_severity": [Case("post", api_ticket, form(severity=1))],
    "api:propose_severity": [Case("post", api_ticket, form(severity=3, reason="why"))],
    "api:answer_proposal": [Case("post", api_ticket, form(accept=True))],
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


# Not ids: a report's month and an export's format stay as they are, the customer goes missing.
NOT_IDS = ("month", "fmt")


def missing(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {key: value if key in NOT_IDS else MISSING for key, value in kwargs.items()}


OBJECT_CASES = [
    pytest.param(name, case, id=f"{name}{'-' + case.label if case.label else ''}")
    for name, cases in OBJECTS.items()
    for case in cases
]


@pytest.mark.parametrize(("name", "case"), OBJECT_CASES)
def test_objects_are_found_only_by_those_who_may_see_them(
    scene: Scene, name: str, case: Case
) -> None:
    api = name.startswith("api:")
    url = reverse(name, kwargs=case.kwargs(scene))
    nowhere = reverse(name, kwargs=missing(case.kwargs(scene)))
    crossed = [reverse(name, kwargs=case.crossed(scene))] if case.crossed else []
    insiders = INSIDERS[case.insiders]
    outsiders = [role for role in ROLES if role not in insiders]
    assert set(GLOBEX) <= set(outsiders)
    credentials = ("token", "session") if api else ("session",)

    before = snapshot(scene)
    for role in outsiders:
        for via in credentials:
            for method in PROBED_METHODS:
                body = case.body if method == case.method else None
                theirs = call(scene, role, method, url, body, api=api, via=via)
                absent = call(scene, role, method, nowhere, body, api=api, via=via)
                where = (role, via, method, name)
                if method == case.method:
                    assert theirs.status_code == 404, (*where, peek(theirs))
                # Indistinguishable from an id that does not exist, whatever the method.
                assert theirs.status_code == absent.status_code, where
                assert text(theirs) == text(absent), where
            for other in crossed:
                response = call(scene, role, case.method, other, case.body, api=api, via=via)
                assert response.status_code == 404, (role, via, "crossed", name)
    assert snapshot(scene) == before, f"{name}: a refused request changed the database"

    for via in ("token",) if api else ("session",):
        anonymous = call(scene, None, case.method, url, case.body, api=api, via=via)
        assert_sent_to_sign_in(anonymous, api=api)
    assert snapshot(scene) == before, f"{name}: an anonymous request changed the database"

    for role in sorted(insiders):
        response = call(scene, role, case.method, url, case.body, api=api, via="token")
        reached = API_REACHED if api else PORTAL_REACHED
        assert response.status_code in reached, (role, name, peek(response))
        if response.status_code == 302:
            assert not response.url.startswith(reverse("login")), (role, name)


# ---------------------------------------------------------------------------------------------
# The matrix: lists, forms and creates


@dataclass(frozen=True)
class Listing:
    """A pattern without an id. `queries` (given the scene) are tried each, some naming Acme;
    `sees` are the people whose answer must show Acme's data (to `marker`), proving the
    markers would be seen if they leaked."""

    method: str = "get"
    queries: Callable[[Scene], list[str]] = lambda scene: [""]
    body: Body = None
    headers: Mapping[str, str] = field(default_factory=dict)
    sees: frozenset[str] = frozenset()
    marker: str = ACME_SUMMARY


ALL_SEE_ACME = frozenset({"acme_reporter", "acme_admin", *STAFF})


def queue_filters(scene: Scene) -> list[str]:
    acme = scene.world.acme.pk
    return ["", f"?customer={acme}", "?severity=2", f"?module={scene.world.module.pk}"]


LISTS: dict[str, Listing] = {
    "home": Listing(),
    "ticket_list": Listing(queries=lambda s: ["", "?show=all", "?show=closed"], sees=ALL_SEE_ACME),
    "queue": Listing(queries=queue_filters, sees=frozenset(STAFF)),
    "ticket_new": Listing(),
    "ticket_new/post": Listing(
        method="post",
        body=lambda s: {
            "organisation": s.world.acme.pk,
            "channel": "portal",
            "module": s.world.module.pk,
            "summary": "Raised in the matrix",
            "severity": "2",
        },
    ),
    "people": Listing(sees=frozenset({"acme_admin", "vendor_admin"}), marker="rita@acme.test"),
    "people/post": Listing(
        method="post",
        body=lambda s: {
            "email": "newcomer@example.test",
            "role": "customer_admin",
            "organisation": s.world.acme.pk,
        },
    ),
    "tokens": Listing(sees=frozenset({"acme_reporter"}), marker="zeppelin-token"),
    "tokens/post": Listing(method="post", body=form(name="from the matrix")),
    "account_settings": Listing(sees=frozenset({"acme_reporter"}), marker="rita@acme.test"),
    "account_settings/post": Listing(method="post", body=form(timezone="Europe/Berlin")),
    "api:me": Listing(sees=frozenset({"acme_reporter"}), marker="rita@acme.test"),
    "api:list_tokens": Listing(sees=frozenset({"acme_reporter"}), marker="zeppelin-token"),
    "api:create_token": Listing(method="post", body=form(name="from the matrix")),
    "api:list_modules": Listing(),
    "api:list_regions": Listing(),
    "api:list_tickets": Listing(
        queries=lambda s: [
            "",
            "?organisation=acme",
            "?open=true",
            "?severity=2",
            "?module=release-manager",
            "?ordering=due_at&limit=200",
        ],
        sees=ALL_SEE_ACME,
    ),
    "api:create_ticket": Listing(
        method="post",
        body=form(module="release-manager", summary="Raised in the matrix", organisation="acme"),
        headers={"Idempotency-Key": "matrix-1"},
    ),
    # Probe agents' endpoints: an agent token only; every person's token or session is a 401.
    "api:probe_checks": Listing(),
    "api:probe_results": Listing(method="post", body=form(results=[])),
    # Incidents, external monitors and maintenance: staff only (404 for every customer).
    "incident_list": Listing(),
    # The help centre's least helpful articles: staff only (404 for every customer).
    "help_least_helpful": Listing(),
    # The help centre's article editor: staff only (404 for every customer, nothing written).
    "help_staff_articles": Listing(),
    "help_staff_article_new": Listing(),
    "help_staff_article_new/post": Listing(
        method="post", body=form(slug="from-the-matrix", title="M", body="m", action="publish")
    ),
    "incident_new": Listing(),
    "incident_new/post": Listing(
        method="post", body=form(title="From the matrix", status="investigating", message="m")
    ),
    "external_sources": Listing(),
    "external_sources/post": Listing(
        method="post",
        body=form(
            name="From the matrix",
            kind="webhook",
            module_label="module",
            region_label="region",
            impact="major_outage",
        ),
    ),
    "maintenance_schedule": Listing(),
    "maintenance_schedule/post": Listing(
        method="post",
        body=lambda s: {
            "region": str(s.world.acme.region.pk),
            "title": "From the matrix",
            "start": "2099-01-01 00:00",
            "end": "2099-01-01 01:00",
        },
    ),
    "api:list_incidents": Listing(),
    "api:create_incident": Listing(method="post", body=form(title="From the matrix", message="m")),
    # Releases are public product information (docs/releases.md): anyone signed in reads any
    # region's; only the staff record a deployment (403 for customers, nothing touched).
    "release_calendar": Listing(queries=lambda s: ["", "?region=us"]),
    "api:list_releases": Listing(queries=lambda s: ["", "?region=us", "?upcoming=true"]),
    "api:record_deployment": Listing(
        method="post",
        body=lambda s: {
            "module": "release-manager",
            "region": "us",
            "version": "9.9.9",
            "kind": "emergency",
            "tickets": [s.ticket.pk],
        },
    ),
    # The webhook receivers take an external source's token only: a person's is a 401.
    "api:alertmanager_webhook": Listing(
        method="post",
        body=form(
            version="4",
            status="firing",
            alerts=[{"fingerprint": "matrix", "startsAt": "2026-03-11T10:00:00Z"}],
        ),
    ),
    "api:generic_webhook": Listing(method="post", body=form(status="down")),
    # Monthly reports: customer admins see their own organisation's, the staff every one.
    "report_index": Listing(
        queries=lambda s: ["", "?customer=acme&month=2026-01", "?customer=globex&month=2026-01"],
        sees=frozenset({"acme_admin", *STAFF}),
        marker="Acme Corp",
    ),
    # The audit log: vendor admins read every organisation's entries, a customer admin its own
    # (agents, managers and reporters: 403); naming another organisation shows nothing of it.
    "audit_log": Listing(
        queries=lambda s: ["", "?organisation=acme", "?organisation=globex&type=accounts.user"],
        sees=frozenset({"acme_admin", "vendor_admin"}),
        marker="rita@acme.test",
    ),
    "api:list_audit": Listing(
        queries=lambda s: [
            "",
            "?organisation=acme",
            "?object_type=accounts.user&limit=200",
            "?since=2000-01-01",
        ],
        sees=frozenset({"acme_admin", "vendor_admin"}),
        marker="rita@acme.test",
    ),
    # The SLA dashboard: the staff's (404 for every customer); the simulator: managers and
    # vendor admins (404 for agents and customers). GET only, nothing saved.
    "dashboard": Listing(
        queries=lambda s: ["", "?customer=acme", "?sort=-credit&at_risk=on&module=stryka"],
        sees=frozenset(STAFF),
        marker="Acme Corp",
    ),
    "dashboard_simulator": Listing(
        queries=lambda s: [
            "",
            "?customer=acme",
            "?customer=acme&month_from=2026-10&calendar=always&calendar_1=always",
        ],
        sees=frozenset({"manager", "vendor_admin"}),
        marker="Acme Corp",
    ),
}


@pytest.mark.parametrize("key", list(LISTS))
def test_lists_and_creates_never_reach_another_organisation(scene: Scene, key: str) -> None:
    listing = LISTS[key]
    name = key.split("/")[0]
    api = name.startswith("api:")
    base = reverse(name)
    urls = [base + query for query in listing.queries(scene)]
    credentials = ("token", "session") if api else ("session",)

    before = snapshot(scene)
    for url in urls:
        assert_sent_to_sign_in(
            call(scene, None, listing.method, url, listing.body, api=api, headers=listing.headers),
            api=api,
        )
        for role in GLOBEX:
            for via in credentials:
                response = call(
                    scene,
                    role,
                    listing.method,
                    url,
                    listing.body,
                    api=api,
                    via=via,
                    headers=listing.headers,
                )
                assert_no_acme(response, f"{role} {via} {listing.method} {url}")
    touched = acme_rows_touched(scene, before, snapshot(scene))
    assert not touched, (key, touched)

    for role in sorted(listing.sees):
        response = call(scene, role, listing.method, base, listing.body, api=api, via="token")
        assert response.status_code == 200, (role, key)
        assert listing.marker in text(response), (role, key)


def test_customers_are_shut_out_of_the_admin(scene: Scene) -> None:
    pages = [
        reverse("admin:index"),
        reverse("admin:helpdesk_ticket_changelist"),
        reverse("admin:helpdesk_ticket_change", args=[scene.ticket.pk]),
        reverse("admin:helpdesk_attachment_change", args=[scene.public_file.pk]),
        reverse("admin:accounts_organisation_change", args=[scene.world.acme.pk]),
    ]
    for role in CUSTOMERS:
        for url in pages:
            response = scene.sessions[role].get(url)
            assert response.status_code == 302, (role, url)
            assert response.url.startswith(reverse("admin:login")), (role, url)


# ---------------------------------------------------------------------------------------------
# Public pages: anyone reaches them, signed in or not. A signed-in customer also sees its own
# figures there (the status page's month panel), so Globex's people must never see Acme's.


@dataclass(frozen=True)
class Public:
    method: str = "get"
    kwargs: Mapping[str, str] = field(default_factory=dict)
    body: Body = None
    sees: frozenset[str] = frozenset()  # who must see Acme (to `marker`) there
    marker: str = "Acme Corp"


ACME_PEOPLE = frozenset({"acme_reporter", "acme_admin"})
PUBLIC: dict[str, Public] = {
    "status_overall": Public(sees=ACME_PEOPLE),
    "status_region": Public(kwargs={"region": "us"}, sees=ACME_PEOPLE),
    "status_feed": Public(),
    "status_region_feed": Public(kwargs={"region": "us"}),
    "status_subscribe": Public(),
    "release_ics": Public(kwargs={"region": "us"}),
    "help_index": Public(),
    "help_sla": Public(),
    "status_subscribe/post": Public(
        method="post", body=form(email="someone@example.test", region="us")
    ),
}


@pytest.mark.parametrize("key", list(PUBLIC))
def test_public_pages_never_show_another_organisation(scene: Scene, key: str) -> None:
    entry = PUBLIC[key]
    url = reverse(key.split("/")[0], kwargs=dict(entry.kwargs))
    before = snapshot(scene)
    anonymous = call(scene, None, entry.method, url, entry.body, api=False)
    assert anonymous.status_code in (200, 302), (key, peek(anonymous))
    if anonymous.status_code == 302:
        assert not anonymous.url.startswith(reverse("login")), key
    for role in (*GLOBEX, *STAFF):
        response = call(scene, role, entry.method, url, entry.body, api=False)
        assert response.status_code in (200, 302), (role, key)
        if role in GLOBEX:
            assert_no_acme(response, f"{role} {entry.method} {url}")
    touched = acme_rows_touched(scene, before, snapshot(scene))
    assert not touched, (key, touched)
    for role in sorted(entry.sees):
        response = call(scene, role, entry.method, url, entry.body, api=False)
        assert response.status_code == 200, (role, key)
        assert entry.marker in text(response), (role, key)


# ---------------------------------------------------------------------------------------------
# Nothing missed


def url_patterns() -> Iterator[tuple[str, str]]:
    """(route, namespaced name) of every pattern Django resolves, in every included URLconf."""

    def walk(patterns: list[Any], prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                name = f"{namespace}{pattern.name}" if pattern.name else ""
                yield prefix + str(pattern.pattern), name

    yield from walk(get_resolver().url_patterns, "", "")


def not_tenant_data(route: str) -> bool:
    return route in NOT_TENANT_DATA_ROUTES or route.startswith(tuple(NOT_TENANT_DATA_PREFIXES))


def test_every_url_pattern_is_in_the_matrix() -> None:
    routes: dict[str, str] = {}
    for route, name in url_patterns():
        if not_tenant_data(route):
            continue
        assert name, f"{route!r} has no name: name it, then add it to OBJECTS or LISTS"
        assert routes.setdefault(name, route) == route, f"{name!r} names two routes"
    public = {key.split("/")[0] for key in PUBLIC}
    assert public - set(routes) == set(), "PUBLIC names patterns that do not exist (any more)"
    objects = {name for name, route in routes.items() if "<" in route} - public
    lists = set(routes) - objects - public
    listed = {key.split("/")[0] for key in LISTS}
    assert objects - set(OBJECTS) == set(), "patterns with an id missing from OBJECTS"
    assert lists - listed == set(), "patterns without an id missing from LISTS"
    assert set(OBJECTS) - objects == set(), "OBJECTS names patterns that do not exist (any more)"
    assert listed - lists == set(), "LISTS names patterns that do not exist (any more)"
    seen = {route for route, _ in url_patterns()}
    stale = [r for r in NOT_TENANT_DATA_ROUTES if r not in seen]
    stale += [p for p in NOT_TENANT_DATA_PREFIXES if not any(r.startswith(p) for r in seen)]
    assert stale == [], "allow-list entries that match no pattern"


def test_every_api_operation_is_in_the_matrix_with_its_method(client: Client) -> None:
    """django-ninja serves several methods on one path: the OpenAPI document lists them all,
    and each must be the method of a matrix entry."""
    routes = dict((name, route) for route, name in url_patterns())
    documented = {
        (method, path)
        for path, operations in client.get("/api/openapi.json").json()["paths"].items()
        for method in operations
    }

    def openapi_path(name: str) -> str:
        return "/" + routes[name].replace("<", "{").replace(">", "}")

    tested = {
        (case.method, openapi_path(name))
        for name, cases in OBJECTS.items()
        if name.startswith("api:")
        for case in cases
    }
    tested |= {
        (listing.method, openapi_path(key.split("/")[0]))
        for key, listing in LISTS.items()
        if key.startswith("api:")
    }
    assert documented == tested
