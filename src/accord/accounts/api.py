"""The API's view of people: who am I, and my personal API tokens.

Also the small schema pieces every router shares: times (ISO 8601 in UTC with `Z`), people as
others see them, field errors in django-ninja's 422 format.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Path, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ConfigDict, Field, PlainSerializer, StringConstraints, field_validator

from accord.accounts import services
from accord.accounts.access import is_staff
from accord.accounts.models import ApiToken, Role, User
from accord.engine import timeutil
from accord.engine.errors import EngineError


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# An instant in the API: `2026-03-09T16:00:00Z` (UTC, to the second).
UtcDateTime = Annotated[datetime, PlainSerializer(_utc, return_type=str, when_used="always")]
# A required piece of text: surrounding whitespace is dropped, and then it must not be empty.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Side = Literal["vendor", "customer"]
# A row id in a path: out-of-range numbers are a 422, never a database overflow.
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


class Clean(Schema):
    """Input text never holds NUL characters (PostgreSQL cannot store them), and input instants
    are within the range Accord accepts (`accord.engine.timeutil.in_range`: a year 9999 with an
    offset would overflow once in UTC): a 422 naming the field, not a 500."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        if isinstance(value, datetime) and value.utcoffset() is not None:
            try:
                timeutil.checked(value, "")
            except EngineError as exc:
                raise ValueError(exc.problem) from None
        return value


class In(Clean):
    """Request bodies: an unknown field is an error (a typo must not be silently ignored)."""

    model_config = ConfigDict(extra="forbid")


def field_error(field: str, message: str, *, source: str = "body") -> ValidationError:
    """A 422 naming `field`, in the same format django-ninja uses for its own validation."""
    loc = [source, "payload", field] if source == "body" else [source, field]
    return ValidationError([{"type": "value_error", "loc": loc, "msg": message}])


class Refusal(Schema):
    """A refusal (accord.core.errors; `accord.api` maps it once): 400, not possible as asked;
    403, not for this person; 409, not in the current state; 422, a value that is never right."""

    detail: str = Field(
        description="Why, in words for the person who asked; it starts with the field at fault "
        "when there is one"
    )


class PersonOut(Schema):
    name: str
    side: Side


def person(user: User | None) -> dict[str, Any] | None:
    """A person as anyone who may see their action is shown them: their name (or, without
    one, their email address) and their side; a former employee stays on the vendor's side."""
    if user is None:
        return None
    return {
        "name": user.get_full_name() or user.email,
        "side": "vendor" if user.is_vendor_staff else "customer",
    }


class OrganisationOut(Schema):
    slug: str
    name: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    role: str
    role_label: str
    is_staff: bool
    organisation: OrganisationOut | None
    timezone: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: UtcDateTime
    last_used_at: UtcDateTime | None
    revoked_at: UtcDateTime | None


class TokenCreated(TokenOut):
    token: str


class TokenIn(In):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


router = Router(tags=["people"])


def _token(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


@router.get("/me", response=MeOut, summary="Who is calling")
def me(request: HttpRequest) -> dict[str, Any]:
    user: User = request.auth  # type: ignore[attr-defined]
    organisation = user.organisation
    return {
        "id": user.pk,
        "email": user.email,
        "name": user.get_full_name() or user.email,
        "role": user.role,
        "role_label": Role(user.role).label if user.role in Role.values else user.role,
        "is_staff": is_staff(user),
        "organisation": (
            {"slug": organisation.slug, "name": organisation.name} if organisation else None
        ),
        "timezone": user.display_timezone,
    }


@router.get("/tokens", response=list[TokenOut], summary="My API tokens (revoked ones included)")
def list_tokens(request: HttpRequest) -> list[dict[str, Any]]:
    user: User = request.auth  # type: ignore[attr-defined]
    return [_token(t) for t in ApiToken.objects.filter(user=user).order_by("-created_at", "-pk")]


@router.post(
    "/tokens",
    response={201: TokenCreated},
    summary="Create an API token (its secret is in this response only)",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    user: User = request.auth  # type: ignore[attr-defined]
    with transaction.atomic():
        token, secret = services.issue_token(user=user, name=payload.name)
    return Status(201, {**_token(token), "token": secret})


@router.delete(
    "/tokens/{token_id}",
    response={204: None},
    summary="Revoke one of my API tokens (it stops working at once)",
)
def revoke_token(request: HttpRequest, token_id: Id) -> Status[None]:
    user: User = request.auth  # type: ignore[attr-defined]
    with transaction.atomic():
        try:
            services.revoke_token(user=user, token_id=token_id)
        except ApiToken.DoesNotExist:
            raise Http404("no such token") from None
    return Status(204, None)
