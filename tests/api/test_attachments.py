"""Attachments through the API: limits, storage through Django's storage API, downloads."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accord.helpdesk.models import Attachment

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(api: Any, user: Any, ticket: dict[str, Any], file: Any, **form: str) -> Any:
    return api.upload(user, f"{ticket['url']}/attachments", {"file": file, **form})


@pytest.fixture
def ticket(api: Any, world: Any) -> dict[str, Any]:
    return api.report(world.acme_reporter).json()


def test_a_customer_attaches_a_file_and_downloads_it(
    api: Any, world: Any, ticket: dict[str, Any]
) -> None:
    file = SimpleUploadedFile("../../etc/screen shot.png", PNG, content_type="image/png")
    created = upload(api, world.acme_reporter, ticket, file)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["filename"], body["size"], body["internal"]) == (
        "screen_shot.png",
        len(PNG),
        False,
    )
    assert body["content_type"] == "image/png"
    assert body["uploaded_by"] == {"name": "rita@acme.test", "side": "customer"}

    stored = Attachment.objects.get(pk=body["id"])
    assert stored.file.name.startswith(f"attachments/{world.acme.pk}/{ticket['id']}/")

    download = api.get(world.acme_admin, body["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert download["Content-Type"] == "image/png"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in download["Content-Security-Policy"]
    listed = api.get(world.agent, ticket["url"]).json()["attachments"]
    assert [a["id"] for a in listed] == [body["id"]]


def test_staff_only_files(api: Any, world: Any, ticket: dict[str, Any]) -> None:
    note = SimpleUploadedFile("trace.log", b"GET / 502\n", content_type="text/plain")
    created = upload(api, world.agent, ticket, note, internal="true")
    assert created.status_code == 201 and created.json()["internal"] is True
    assert api.get(world.acme_reporter, created.json()["url"]).status_code == 404
    assert api.get(world.acme_reporter, ticket["url"]).json()["attachments"] == []
    customer_note = SimpleUploadedFile("x.txt", b"hi", content_type="text/plain")
    refused = upload(api, world.acme_reporter, ticket, customer_note, internal="true")
    assert refused.status_code == 400
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "declared", "status"),
    [
        ("run.exe", b"MZ\x90\x00", "application/x-msdownload", 400),
        ("page.html", b"<script>alert(1)</script>", "text/html", 400),
        ("noextension", b"data", "application/octet-stream", 400),
        ("empty.txt", b"", "text/plain", 400),
        ("shot.png", PNG, "text/html", 415),
        ("data.csv", b"a,b\n1,2\n", "application/pdf", 415),
    ],
)
def test_files_of_the_wrong_kind_are_refused_naming_the_field(
    api: Any,
    world: Any,
    ticket: dict[str, Any],
    name: str,
    content: bytes,
    declared: str,
    status: int,
) -> None:
    file = SimpleUploadedFile(name, content, content_type=declared)
    response = upload(api, world.acme_reporter, ticket, file)
    assert response.status_code == status, response.content
    assert response.json()["detail"].startswith("file:")
    assert Attachment.objects.count() == 0


@pytest.mark.parametrize(
    ("name", "content", "declared"),
    [
        ("app.log", b"boot\n", "application/octet-stream"),
        ("data.csv", b"a,b\n", "application/vnd.ms-excel"),
        ("report.json", b"{}", "application/json"),
        ("bundle.zip", b"PK\x03\x04rest", "application/zip"),
        ("scan.pdf", b"%PDF-1.7", "application/pdf"),
        ("photo.JPG", b"\xff\xd8\xff\xe0", "image/jpeg"),
    ],
)
def test_the_accepted_kinds_of_file(
    api: Any, world: Any, ticket: dict[str, Any], name: str, content: bytes, declared: str
) -> None:
    file = SimpleUploadedFile(name, content, content_type=declared)
    response = upload(api, world.acme_reporter, ticket, file)
    assert response.status_code == 201, response.content


def test_a_file_over_the_size_limit_is_refused(
    api: Any, world: Any, ticket: dict[str, Any], settings: Any
) -> None:
    settings.ACCORD_ATTACHMENT_MAX_BYTES = 1024
    big = SimpleUploadedFile("big.txt", b"x" * 1025, content_type="text/plain")
    response = upload(api, world.acme_reporter, ticket, big)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("file:")
    exact = SimpleUploadedFile("ok.txt", b"x" * 1024, content_type="text/plain")
    assert upload(api, world.acme_reporter, ticket, exact).status_code == 201


def test_an_upload_without_a_file_names_the_field(
    api: Any, world: Any, ticket: dict[str, Any]
) -> None:
    response = api.upload(world.acme_reporter, f"{ticket['url']}/attachments", {})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "file"


def test_a_file_missing_from_storage_is_not_found_rather_than_an_error(
    api: Any, world: Any, ticket: dict[str, Any]
) -> None:
    file = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    created = upload(api, world.acme_reporter, ticket, file).json()
    stored = Attachment.objects.get(pk=created["id"])
    stored.file.storage.delete(stored.file.name)
    assert api.get(world.acme_reporter, created["url"]).status_code == 404
