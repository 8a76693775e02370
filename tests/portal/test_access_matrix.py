"""Every page, for every kind of person: what each gets (healthchecks' "three users", for two
customer organisations and the vendor's staff). Another organisation's data is *not found*."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accord.helpdesk.attachments import attach

from .conftest import ClientFor, MakeTicket

OK, NOT_FOUND, REDIRECT = 200, 404, 302


def test_every_page_for_every_person(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    acme_ticket, globex_ticket = make_ticket("acme"), make_ticket("globex")
    acme_file = attach(
        acme_ticket, uploaded_by=world.acme_reporter, upload=SimpleUploadedFile("a.txt", b"a")
    )
    globex_file = attach(
        globex_ticket, uploaded_by=world.globex_reporter, upload=SimpleUploadedFile("g.txt", b"g")
    )
    pages = {
        "home": reverse("home"),
        "tickets": reverse("ticket_list"),
        "new": reverse("ticket_new"),
        "queue": reverse("queue"),
        "people": reverse("people"),
        "tokens": reverse("tokens"),
        "acme ticket": reverse("ticket_detail", args=[acme_ticket.pk]),
        "globex ticket": reverse("ticket_detail", args=[globex_ticket.pk]),
        "acme file": reverse("attachment_download", args=[acme_file.pk]),
        "globex file": reverse("attachment_download", args=[globex_file.pk]),
    }
    customer = {"home": REDIRECT, "queue": NOT_FOUND, "people": NOT_FOUND}
    acme = {**customer, "globex ticket": NOT_FOUND, "globex file": NOT_FOUND}
    globex = {**customer, "acme ticket": NOT_FOUND, "acme file": NOT_FOUND}
    staff = {"home": REDIRECT, "people": NOT_FOUND}
    expected = {
        world.acme_reporter: acme,
        world.acme_admin: {**acme, "people": OK},
        world.globex_reporter: globex,
        world.globex_admin: {**globex, "people": OK},
        world.agent: staff,
        world.manager: staff,
        world.vendor_admin: {**staff, "people": OK},
    }
    for user, exceptions in expected.items():
        client = client_for(user)
        for name, url in pages.items():
            status = client.get(url).status_code
            assert status == exceptions.get(name, OK), (user.email, name, status)
    anonymous = Client()
    for name, url in pages.items():
        response = anonymous.get(url)
        assert response.status_code == REDIRECT, name
        assert response.url.startswith(reverse("login")), name
