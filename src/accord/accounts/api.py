"""The API's view of people: who am I, and my personal API tokens.

Also the small schema pieces every router shares: times (ISO 8601 in UTC with `Z`), people as
others see them, field errors in django-ninja's 422 format.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal, get_args

from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Path, Router, Schema, Status
from ninja.errors import ValidationError
from ninja.schema import DjangoGetter
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    Strict,
    StringConstraints,
    field_validator,
    model_validator,
)

from accord.accounts import services
from accord.accounts.access import is_staff
from accord.accounts.models import ApiToken, Role, User
from accord.engine import timeutil
from accord.engine.errors import EngineError


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# An instant in the API: `2026-03-09T16:00:00Z` (UTC, to the second).
UtcDateTime = Annotated[datetime, PlainSerializer(_utc, return_type=str, when_used="always")]


def _iso_text(value: Any) -> Any:
    if not isinstance(value, str | datetime):
        raise ValueError("must be an ISO 8601 date-time text, e.g. 2026-03-09T16:00:00Z")
    return value


def _iso_day(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a day as YYYY-MM-DD")
    return value


def _iso_day_text(value: Any) -> Any:
    if not isinstance(value, str | date):
        raise ValueError("must be a day as YYYY-MM-DD")
    return _iso_day(value)


# A day in a query string: `2026-03-09` only (`0` is not taken for 1970-01-01).
DayQuery = Annotated[date, BeforeValidator(_iso_day)]
# A day in a request body: YYYY-MM-DD text only (a number is not taken for a day).
DayIn = Annotated[date, Strict(False), BeforeValidator(_iso_day_text)]
# An instant a client sends: ISO 8601 text only (a number is not taken for seconds since 1970).
DateTimeIn = Annotated[datetime, Strict(False), BeforeValidator(_iso_text)]
# A required piece of text: surrounding whitespace is dropped, and then it must not be empty.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Side = Literal["vendor", "customer"]
# A slug or code in a query string: 1 to 60 characters (the catalogue's longest). Bounded so
# that a request the schema allows fits in the front server's request line (gunicorn: 4,094
# bytes) even percent-encoded; a longer URL is the server's 414.
SlugQuery = Annotated[str, StringConstraints(min_length=1, max_length=60)]
# A row id in a path: out-of-range numbers are a 422, never a database overflow.
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
# A row id in a body, bounded the same way.
RowId = Annotated[int, Field(ge=1, le=2**63 - 1)]


# What `Clean` refuses, as the OpenAPI document says it (a JSON Schema pattern on each text
# field): no NUL; and for text that is stripped and then required, something besides spaces.
NO_NUL = r"^[^\u0000]*$"
NOT_BLANK = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


def _constraints(annotation: Any) -> list[StringConstraints]:
    found = [a for a in getattr(annotation, "__metadata__", ()) if isinstance(a, StringConstraints)]
    return found + [c for arg in get_args(annotation) for c in _constraints(arg)]


def _text_patterns(schema: dict[str, Any], model: type[Schema]) -> None:
    for name, field in model.model_fields.items():
        prop = schema.get("properties", {}).get(field.alias or name, {})
        constraints = [*_constraints(field.annotation), *field.metadata]
        required = any(
            isinstance(c, StringConstraints) and c.strip_whitespace and (c.min_length or 0) > 0
            for c in constraints
        )
        for alternative in [prop, *prop.get("anyOf", []), prop.get("items", {})]:
            if alternative.get("type") == "string" and not alternative.keys() & {
                "pattern",
                "format",
                "enum",
                "const",
            }:
                alternative["pattern"] = NOT_BLANK if required else NO_NUL


class Clean(Schema):
    """Input text never holds NUL characters (PostgreSQL cannot store them), and input instants
    are within the range Accord accepts (`accord.engine.timeutil.in_range`: a year 9999 with an
    offset would overflow once in UTC): a 422 naming the field, not a 500. The OpenAPI document
    says so for the text (`_text_patterns`)."""

    model_config = ConfigDict(json_schema_extra=_text_patterns)

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


def _json_numbers(value: Any) -> Any:
    """JSON Schema's integers include `2.0`: such a number is the integer it equals."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: _json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_numbers(item) for item in value]
    return value


class In(Clean):
    """Request bodies: an unknown field is an error (a typo must not be silently ignored), and
    a value must be of the type the schema says (strict: `0` is not `false`, `"1"` not `1`,
    but `1.0` is `1` as in JSON Schema; instants are `DateTimeIn`, ISO 8601 text)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="before")
    @classmethod
    def _integral_numbers(cls, data: Any) -> Any:
        if isinstance(data, DjangoGetter):  # django-ninja's wrapper of the same input
            return DjangoGetter(_json_numbers(data._obj), data._schema_cls, data._context)
        return _json_numbers(data)


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


class FieldError(Schema):
    loc: list[str | int] = Field(description="Where: `body`, `query`, `path`, then the field")
    msg: str
    type: str


class FieldErrors(Schema):
    """A 422: a value that can never be right. django-ninja's validation lists the fields at
    fault; a refusal of the core family (`Invalid`) or of the engine says it in a sentence."""

    detail: list[FieldError] | str


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
        "role_label": str(Role(user.role).label) if user.role in Role.values else user.role,
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
