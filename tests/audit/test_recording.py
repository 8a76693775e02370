"""What the audit log records: who changed a person's role, a person's access, a contract's
terms or an organisation, through which door, and the values before and after; never a
password; nothing when nothing tracked changed; and an entry is never changed or deleted."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accord.accounts.models import Contract, Role, User
from accord.accounts.terms import add_version
from accord.audit.models import AuditEntry
from accord.core.acting import acting, current
from accord.core.errors import Immutable
from accord.policies import builtin_text

pytestmark = pytest.mark.django_db

TEXT = builtin_text("plutora-standard")
SIX_HOURS = TEXT.replace("target = { hours = 4 }", "target = { hours = 6 }", 1)


def next_month() -> str:
    return f"{(timezone.now().replace(day=1) + timedelta(days=40)).replace(day=1):%Y-%m-%d}"


def latest(object_type: str, **lookup: Any) -> AuditEntry:
    entry = AuditEntry.objects.filter(object_type=object_type, **lookup).order_by("-pk").first()
    assert entry is not None, (object_type, lookup)
    return entry


def admin_client(world: Any) -> Client:
    world.vendor_admin.is_staff = world.vendor_admin.is_superuser = True
    world.vendor_admin.save()
    client = Client()
    client.force_login(world.vendor_admin)
    return client


def user_form(user: User, **changes: Any) -> dict[str, Any]:
    """The admin's change form for `user` as it stands, with `changes`."""
    joined = timezone.localtime(user.date_joined)
    body: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on" if user.is_active else "",
        "date_joined_0": f"{joined:%Y-%m-%d}",
        "date_joined_1": f"{joined:%H:%M:%S}",
        "role": user.role,
        "organisation": user.organisation_id or "",
        "timezone": user.timezone,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v != ""}


def test_a_role_change_in_the_admin_names_the_admin_and_both_roles(world: Any) -> None:
    client = admin_client(world)
    rita = world.acme_reporter
    url = reverse("admin:accounts_user_change", args=[rita.pk])
    answer = client.post(url, user_form(rita, role=Role.CUSTOMER_ADMIN))
    assert answer.status_code == 302, answer.content[:2000]
    assert User.objects.get(pk=rita.pk).role == Role.CUSTOMER_ADMIN
    entry = latest("accounts.user", object_id=str(rita.pk))
    assert entry.action == "changed"
    assert entry.actor == world.vendor_admin and entry.via == "admin"
    assert entry.organisation == world.acme
    assert entry.changes == {"role": ["reporter", "customer_admin"]}
    assert entry.object_label == "rita@acme.test"


def test_a_deactivation_in_the_admin_is_recorded(world: Any) -> None:
    client = admin_client(world)
    rita = world.acme_reporter
    url = reverse("admin:accounts_user_change", args=[rita.pk])
    answer = client.post(url, user_form(rita, is_active=""))
    assert answer.status_code == 302
    entry = latest("accounts.user", object_id=str(rita.pk))
    assert (entry.actor, entry.via) == (world.vendor_admin, "admin")
    assert entry.changes == {"is_active": [True, False]}


def test_a_move_to_another_organisation_is_read_by_both_without_naming_the_other(
    world: Any,
) -> None:
    rita = world.acme_reporter
    rita.organisation = world.globex
    with acting(world.vendor_admin, "admin"):
        rita.save()
    # Each side's admins read it, and neither learns the other's name.
    acme, globex = AuditEntry.objects.filter(
        object_type="accounts.user", object_id=str(rita.pk), action="changed"
    ).order_by("pk")
    assert (acme.organisation, globex.organisation) == (world.acme, world.globex)
    assert acme.changes == {"organisation": ["Acme Corp", "another organisation"]}
    assert globex.changes == {"organisation": ["another organisation", "Globex"]}
    assert (globex.actor, globex.via) == (world.vendor_admin, "admin")
    # Made one of the vendor's staff: Acme's entry, and a vendor-wide one naming Acme.
    rita.role, rita.organisation = Role.AGENT, None
    with acting(world.vendor_admin, "admin"):
        rita.save()
    globex_side, vendor = AuditEntry.objects.filter(
        object_type="accounts.user", object_id=str(rita.pk), action="changed"
    ).order_by("pk")[2:]
    assert globex_side.organisation == world.globex and vendor.organisation is None
    assert globex_side.changes["organisation"] == ["Globex", None]
    assert vendor.changes["organisation"] == ["Globex", None]
    assert vendor.changes["role"] == ["reporter", "agent"]


def test_a_password_change_says_so_without_any_value(world: Any) -> None:
    rita = User.objects.get(pk=world.acme_reporter.pk)
    old_hash = rita.password
    rita.set_password("a new and long passphrase")
    rita.save()
    entry = latest("accounts.user", object_id=str(rita.pk))
    assert entry.changes == {"password": "changed"}
    stored = json.dumps(entry.changes)
    assert old_hash not in stored and rita.password not in stored
    created = AuditEntry.objects.get(
        object_type="accounts.user", object_id=str(rita.pk), action="created"
    )
    assert "password" not in created.changes
    assert created.changes["email"] == [None, "rita@acme.test"]
    assert created.changes["role"] == [None, "reporter"]


def test_a_new_terms_version_on_the_terms_page_records_the_version_and_the_contract(
    world: Any,
) -> None:
    client = Client()
    client.force_login(world.manager)
    answer = client.post(
        reverse("contract_terms_new", args=["acme"]),
        {
            "policy_text": SIX_HOURS,
            "effective_from": next_month(),
            "note": "Renewal: Severity 1 within 6 hours",
            "monthly_fee": "900",
        },
    )
    assert answer.status_code == 302
    version = latest("accounts.contractversion", action="created")
    assert (version.actor, version.via, version.organisation) == (
        world.manager,
        "portal",
        world.acme,
    )
    assert version.object_label == f"Acme Corp terms v2 from {next_month()}"
    assert version.changes["number"] == [None, 2]
    assert version.changes["effective_from"] == [None, next_month()]
    assert version.changes["monthly_fee"] == [None, "900.00"]
    assert version.changes["note"] == [None, "Renewal: Severity 1 within 6 hours"]
    assert version.changes["created_by"] == [None, "morgan@vendor.test"]
    # The policy's text is long: its size and digest, not the text.
    summary = version.changes["policy_text"][1]
    assert summary.startswith(f"({len(SIX_HOURS)} characters, sha256 ")
    contract = latest("accounts.contract", action="changed")
    assert (contract.actor, contract.via) == (world.manager, "portal")
    assert contract.changes["monthly_fee"] == [None, "900.00"]
    assert contract.changes["terms_from"] == [None, next_month()]
    # The policy data is compared leaf by leaf: Severity 1's target, 4 hours -> 6, nothing else.
    policy = {k: v for k, v in contract.changes.items() if k.startswith("policy_data.")}
    assert policy == {"policy_data.severities.0.target.hours": [4, 6]}, contract.changes


def test_add_version_from_a_command_is_via_command_with_no_actor(
    world: Any, tmp_path: Path
) -> None:
    policy = tmp_path / "renewal.toml"
    policy.write_text(SIX_HOURS)
    call_command(
        "policy",
        "load",
        str(policy),
        "--organisation",
        "acme",
        "--effective",
        next_month(),
        stdout=StringIO(),
    )
    version = latest("accounts.contractversion", action="created")
    assert (version.actor, version.via, version.organisation) == (None, "command", world.acme)
    assert current().via == "system"  # the command's context ended with it


def test_add_version_outside_any_request_is_the_system(world: Any) -> None:
    contract = Contract.objects.get(organisation=world.acme)
    add_version(
        contract,
        policy_text=SIX_HOURS,
        effective_from=timezone.datetime.fromisoformat(next_month()).date(),
        monthly_fee=None,
        note="Renewal",
        actor=world.manager,
    )
    version = latest("accounts.contractversion", action="created")
    assert (version.actor, version.via) == (None, "system")
    assert version.changes["created_by"] == [None, "morgan@vendor.test"]  # who, from the row


def test_an_organisation_renamed_in_the_admin(world: Any) -> None:
    client = admin_client(world)
    acme = world.acme
    contract = Contract.objects.get(organisation=acme)
    answer = client.post(
        reverse("admin:accounts_organisation_change", args=[acme.pk]),
        {
            "name": "Acme Corporation",
            "slug": acme.slug,
            "region": acme.region_id,
            "email_domains": "acme.test, acme.example",
            "contract-TOTAL_FORMS": "1",
            "contract-INITIAL_FORMS": "1",
            "contract-MIN_NUM_FORMS": "0",
            "contract-MAX_NUM_FORMS": "1",
            "contract-0-id": str(contract.pk),
            "contract-0-organisation": str(acme.pk),
        },
    )
    assert answer.status_code == 302, answer.content[:3000]
    entry = latest("accounts.organisation", object_id=str(acme.pk))
    assert (entry.actor, entry.via, entry.organisation) == (world.vendor_admin, "admin", acme)
    assert entry.changes == {
        "name": ["Acme Corp", "Acme Corporation"],
        "email_domains": ["acme.test", "acme.test, acme.example"],
    }


def test_an_invitation_on_the_people_page_is_via_the_portal(world: Any) -> None:
    client = Client()
    client.force_login(world.acme_admin)
    answer = client.post(
        reverse("people"), {"email": "newcomer@acme.test", "role": Role.CUSTOMER_ADMIN}
    )
    assert answer.status_code in (200, 302)
    entry = latest("accounts.invitation", action="created")
    assert (entry.actor, entry.via, entry.organisation) == (world.acme_admin, "portal", world.acme)
    assert entry.changes["role"] == [None, "customer_admin"]
    assert entry.changes["email"] == [None, "newcomer@acme.test"]


def test_the_api_caller_acts_via_the_api(world: Any) -> None:
    from contextvars import copy_context

    from django.test import RequestFactory

    from accord.accounts.auth import TokenAuth
    from accord.accounts.models import ApiToken

    _, secret = ApiToken.issue(world.acme_admin, "audit")
    request = RequestFactory().get("/api/me")

    def authenticate() -> tuple[Any, str]:
        TokenAuth().authenticate(request, secret)
        return current().actor(), current().via

    assert copy_context().run(authenticate) == (world.acme_admin, "api")
    assert current().via == "system"


def test_nothing_tracked_changed_means_no_entry(world: Any) -> None:
    before = AuditEntry.objects.count()
    rita = User.objects.get(pk=world.acme_reporter.pk)
    rita.timezone = "Europe/Berlin"
    rita.save()
    rita.last_login = timezone.now()
    rita.save(update_fields=["last_login"])
    Client().force_login(rita)
    assert AuditEntry.objects.count() == before


def test_an_entry_is_never_changed_or_deleted(world: Any) -> None:
    entry = AuditEntry.objects.order_by("pk").first()
    assert entry is not None
    entry.object_label = "rewritten"
    with pytest.raises(Immutable):
        entry.save()
    with pytest.raises(Immutable):
        entry.delete()
    with pytest.raises(Immutable):
        AuditEntry.objects.filter(pk=entry.pk).update(object_label="rewritten")
    with pytest.raises(Immutable):
        AuditEntry.objects.all().delete()
    # The admin reads them and nothing else.
    client = admin_client(world)
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_change", args=[entry.pk])).status_code == 200
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    assert client.get(reverse("admin:audit_auditentry_delete", args=[entry.pk])).status_code == 403
    posted = client.post(
        reverse("admin:audit_auditentry_change", args=[entry.pk]), {"object_label": "x"}
    )
    assert posted.status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).object_label != "rewritten"


def test_a_deletion_keeps_the_last_values(world: Any) -> None:
    from accord.accounts.services import invite

    invitation, _ = invite(
        inviter=world.acme_admin,
        email="late@acme.test",
        role=Role.REPORTER,
        organisation=world.acme,
    )
    with acting(world.vendor_admin, "admin"):
        invitation.delete()
    entry = latest("accounts.invitation", action="deleted")
    assert (entry.actor, entry.via, entry.organisation) == (world.vendor_admin, "admin", world.acme)
    assert entry.changes["email"] == ["late@acme.test", None]
    assert entry.changes["role"] == ["reporter", None]


def test_an_api_token_issued_and_revoked_on_the_tokens_page(world: Any) -> None:
    from accord.accounts.models import ApiToken

    client = Client()
    client.force_login(world.acme_reporter)
    client.post(reverse("tokens"), {"name": "deploy script"})
    token = ApiToken.objects.get(user=world.acme_reporter, name="deploy script")
    issued = latest("accounts.apitoken", object_id=str(token.pk))
    assert (issued.actor, issued.via, issued.organisation) == (
        world.acme_reporter,
        "portal",
        world.acme,
    )
    assert issued.changes["name"] == [None, "deploy script"]
    assert token.digest not in json.dumps(issued.changes)
    client.post(reverse("token_revoke", args=[token.pk]))
    revoked = latest("accounts.apitoken", object_id=str(token.pk))
    assert revoked.action == "changed" and revoked.changes["revoked_at"][0] is None
    assert revoked.changes["revoked_at"][1].startswith(f"{timezone.now():%Y-%m-%d}")


def test_a_token_created_through_the_api_is_via_the_api(world: Any) -> None:
    from accord.accounts.models import ApiToken

    _, secret = ApiToken.issue(world.acme_admin, "script")
    answer = Client().post(
        "/api/tokens",
        {"name": "made over the API"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert answer.status_code == 201
    entry = latest("accounts.apitoken", object_id=str(answer.json()["id"]))
    assert (entry.actor, entry.via, entry.organisation) == (world.acme_admin, "api", world.acme)
    assert entry.changes["name"] == [None, "made over the API"]
    assert answer.json()["token"] not in json.dumps(entry.changes)
