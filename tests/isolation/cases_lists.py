"""The matrix's patterns without an id: lists, forms, creates, "who am I".

test_lists.py calls each as Globex's people; test_every_url.py checks that every pattern without
an id is here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .harness import ACME_SUMMARY, STAFF, Body, Scene, form


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
    return [
        "",
        f"?customer={acme}",
        "?severity=2",
        f"?module={scene.world.module.pk}",
        "?q=Zeppelin",
        "?q=STAFF+NOTE",
    ]


LISTS: dict[str, Listing] = {
    "home": Listing(),
    "ticket_list": Listing(
        queries=lambda s: [
            "",
            "?show=all",
            "?show=closed",
            "?q=Zeppelin",
            "?show=all&q=note",
            # A customer filtering by another organisation gets no field for it: ignored.
            f"?show=all&customer={s.world.acme.pk}&severity=1&region={s.world.acme.region.pk}",
            f"?status=reported&module={s.world.module.pk}&raised_from=2026-01-01",
        ],
        sees=ALL_SEE_ACME,
    ),
    "queue": Listing(queries=queue_filters, sees=frozenset(STAFF)),
    "queue/views": Listing(
        queries=lambda s: ["?view=mine", "?view=group", "?view=unassigned", "?view=all"],
    ),
    "queue_export": Listing(queries=queue_filters, sees=frozenset(STAFF)),
    "ticket_export": Listing(
        queries=lambda s: ["", "?show=all", "?show=closed", "?show=all&severity=1&status=reported"],
        sees=frozenset({"acme_admin", *STAFF}),
    ),
    "agent_groups": Listing(),
    "api:list_agent_groups": Listing(),
    "api:export_tickets": Listing(
        queries=lambda s: ["", "?organisation=acme", "?view=unassigned", "?open=true"],
        sees=frozenset({"acme_admin", *STAFF}),
    ),
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
    "password_change": Listing(),
    "password_change/post": Listing(
        method="post",
        body=form(old_password="not the password", new_password1="x", new_password2="x"),
    ),
    "two_factor_setup": Listing(),
    "two_factor_setup/post": Listing(method="post", body=form(code="000000")),
    # Left optional (no box ticked): the matrix's staff keep reaching their pages.
    "two_factor_policy": Listing(),
    "two_factor_policy/post": Listing(method="post", body=form()),
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
            "?view=mine",
            "?view=unassigned",
            "?q=Zeppelin",
            "?q=ZEPPELIN-STAFF-NOTE",
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
    # Releases are public product information (docs/releases.md): the page is public
    # (cases_public.py); only the staff record a deployment (403 for customers, nothing touched).
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
    "api:error_rate_samples": Listing(method="post", body=form(samples=[])),
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
    # The SLA data by API: reports as the report pages (Acme's admin and the staff); contracts
    # as the contract terms page (Acme's people and the staff); uptime is the public status
    # page's (no tenant data: Acme's name never appears).
    "api:list_reports": Listing(
        queries=lambda s: ["", "?organisation=acme", "?organisation=globex&month=2026-01"],
        sees=frozenset({"acme_admin", *STAFF}),
        marker="Acme Corp",
    ),
    "api:list_contracts": Listing(sees=ALL_SEE_ACME, marker="Acme Corp"),
    "api:list_uptime": Listing(
        queries=lambda s: ["?month=2026-01", "?since=2026-01-01&until=2026-01-31&region=us"],
        marker="Acme Corp",
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
            # Replay under a published SLA: the customer scoped like the simulator's.
            "?replay-customer=acme&replay-month=2026-10&replay-policy=aws-ec2-region",
            "?replay-customer=acme&replay-month=2026-10&replay-policy=atlassian-cloud-premium",
        ],
        sees=frozenset({"manager", "vendor_admin"}),
        marker="Acme Corp",
    ),
}
