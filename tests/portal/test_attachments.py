"""Files on tickets: upload on the ticket page, download through the access-checked view."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accord.helpdesk.models import Attachment

from .conftest import ClientFor, MakeTicket


def upload(client: Any, ticket: Any, name: str, content: bytes, **extra: str) -> Any:
    return client.post(
        reverse("ticket_attach", args=[ticket.pk]),
        {"attach-file": SimpleUploadedFile(name, content), **extra},
    )


def test_upload_then_download_by_the_same_organisation_only(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket()
    response = upload(client_for(world.acme_reporter), ticket, "error log.txt", b"boom\n")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.size, attachment.content_type) == (
        "error_log.txt",
        5,
        "text/plain",
    )
    assert attachment.file.name.startswith(f"attachments/{world.acme.pk}/{ticket.pk}/")
    url = reverse("attachment_download", args=[attachment.pk])
    body = client_for(world.acme_admin).get(reverse("ticket_detail", args=[ticket.pk]))
    assert url in body.content.decode() and "File attached" in body.content.decode()
    for user in (world.acme_admin, world.acme_reporter, world.agent):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"] == 'attachment; filename="error_log.txt"'
        assert b"".join(response.streaming_content) == b"boom\n"
        assert response["X-Content-Type-Options"] == "nosniff"
    for user in (world.globex_reporter, world.globex_admin):
        assert client_for(user).get(url).status_code == 404
    assert (
        client_for(world.agent).get(reverse("attachment_download", args=[9999])).status_code == 404
    )


def test_staff_only_files_are_not_found_for_customers(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket
) -> None:
    ticket = make_ticket()
    response = upload(
        client_for(world.agent), ticket, "trace.log", b"internal", **{"attach-internal": "on"}
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert attachment.internal
    url = reverse("attachment_download", args=[attachment.pk])
    assert client_for(world.acme_reporter).get(url).status_code == 404
    assert client_for(world.manager).get(url).status_code == 200
    customer_page = client_for(world.acme_reporter).get(reverse("ticket_detail", args=[ticket.pk]))
    assert "trace.log" not in customer_page.content.decode()
    # A customer cannot mark a file staff-only: the field is not theirs, the file is public.
    upload(client_for(world.acme_reporter), ticket, "a.txt", b"x", **{"attach-internal": "on"})
    assert Attachment.objects.get(filename="a.txt").internal is False


def test_types_and_sizes_outside_the_limits_are_refused_on_the_field(
    world: Any, client_for: ClientFor, make_ticket: MakeTicket, settings: Any
) -> None:
    settings.ACCORD_ATTACHMENT_MAX_BYTES = 10
    ticket = make_ticket()
    client = client_for(world.acme_reporter)
    for name, content, message in [
        ("page.html", b"<script>", ".html files are not accepted"),
        ("noextension", b"x", "Files without an extension are not accepted"),
        ("big.txt", b"x" * 11, "the largest accepted is"),
        ("empty.txt", b"", "empty"),
    ]:
        response = upload(client, ticket, name, content)
        assert response.status_code == 200, name
        body = response.content.decode()
        assert 'id="id_attach-file_error"' in body and message in body, name
    response = client.post(reverse("ticket_attach", args=[ticket.pk]), {})
    assert response.status_code == 200 and 'id="id_attach-file_error"' in response.content.decode()
    assert not Attachment.objects.exists()
