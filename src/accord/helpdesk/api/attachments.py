"""The help desk API's attachments: upload (`act`, with the declared type checked against
the file's name) and download (the file, never rendered in Accord's origin)."""

from __future__ import annotations

import mimetypes
from typing import Annotated, Any

from django.http import FileResponse, Http404, HttpRequest
from ninja import File, Form, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile
from pydantic import BeforeValidator

from accord.accounts.access import get_or_404
from accord.accounts.api import Id
from accord.accounts.models import User
from accord.helpdesk import attachments, services
from accord.helpdesk.api import ResourceRouter, _caller, _ticket_for, act, created
from accord.helpdesk.api.render import _attachment
from accord.helpdesk.api.schemas import AttachmentOut
from accord.helpdesk.models import Attachment, Ticket

router = ResourceRouter()


def _form_bool(value: Any) -> Any:
    if isinstance(value, str) and value.lower() not in ("true", "false"):
        raise ValueError("must be true or false")
    return value


# A form field's boolean: the text `true` or `false` (not 0, 1, yes or on).
FormBool = Annotated[bool, BeforeValidator(_form_bool)]
_INTERNAL = Form(False, description="true: a staff-only file (staff only)")

# What a client may declare for a file beyond the type its extension implies (browsers and curl
# differ); a generic declaration says nothing and is accepted for every allowed kind.
_GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_ALSO_DECLARED: dict[str, frozenset[str]] = {
    "jpg": frozenset({"image/jpeg", "image/pjpeg"}),
    "jpeg": frozenset({"image/jpeg", "image/pjpeg"}),
    "pdf": frozenset({"application/pdf", "application/x-pdf"}),
    "txt": frozenset({"text/plain"}),
    "log": frozenset({"text/plain", "text/x-log"}),
    "csv": frozenset({"text/csv", "text/plain", "application/csv", "application/vnd.ms-excel"}),
    "json": frozenset({"application/json", "text/json", "text/plain"}),
    "har": frozenset({"application/json", "application/har+json", "text/plain"}),
    "xml": frozenset({"application/xml", "text/xml", "text/plain"}),
    "zip": frozenset({"application/zip", "application/x-zip-compressed", "application/x-zip"}),
    "gz": frozenset({"application/gzip", "application/x-gzip"}),
}


def _check_declared_type(filename: str, declared: str) -> None:
    """A file whose declared type contradicts its name is refused (415, naming `file`); the
    extension itself, the size and the storage are `accord.helpdesk.attachments`' business."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    declared = declared.split(";", 1)[0].strip().lower()
    if declared in _GENERIC_TYPES or extension not in attachments.allowed_extensions():
        return
    implied = mimetypes.guess_type(f"x.{extension}")[0]
    expected = _ALSO_DECLARED.get(extension, frozenset()) | ({implied} if implied else set())
    if declared not in expected:
        raise HttpError(
            415,
            f"file: a .{extension} file cannot be of type {declared}"
            + (f" (expected {', '.join(sorted(expected))})" if expected else ""),
        )


@router.post(
    "/tickets/{ticket_id}/attachments",
    response={201: AttachmentOut},
    summary="Attach a file (multipart form: `file`, optional `internal` for staff)",
)
def upload_attachment(
    request: HttpRequest,
    ticket_id: Id,
    file: File[UploadedFile],
    internal: FormBool = _INTERNAL,
) -> Status[dict[str, Any]]:
    def attach(ticket: Ticket, user: User) -> Attachment:
        _check_declared_type(file.name or "", file.content_type or "")
        return attachments.attach(ticket, uploaded_by=user, upload=file, internal=internal)

    return act(request, ticket_id, attach, created(_attachment))


@router.get(
    "/tickets/{ticket_id}/attachments/{attachment_id}",
    summary="Download an attachment",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment, of the type it was uploaded as",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def download_attachment(request: HttpRequest, ticket_id: Id, attachment_id: Id) -> FileResponse:
    user = _caller(request)
    ticket = _ticket_for(user, ticket_id)
    attachment = get_or_404(user, services.visible_attachments(ticket, user), pk=attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("the stored file is missing") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    # Never rendered by the browser in Accord's origin, whatever the file holds.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response
