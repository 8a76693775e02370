"""The JSON API: one NinjaAPI, served at /api/, its OpenAPI document at /api/openapi.json.

Each capability adds its router here. Authentication (`accord.accounts.auth`): a personal API
token (`Authorization: Bearer acc_...`), or the browser session (with CSRF) for the portal's own
use. Errors are JSON `{"detail": ...}`: a string for refusals (the core family, mapped here
once: 400, 403, 409, 422), django-ninja's list of `{loc, msg, type}` for validation (422).
docs/api.md is the guide.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, Throttled
from ninja.openapi.schema import OpenAPISchema

from accord.accounts import ratelimit
from accord.accounts.api import FieldErrors, Refusal, field_error
from accord.accounts.api import router as accounts_router
from accord.accounts.auth import api_auth
from accord.accounts.terms import InvalidTerms
from accord.core.errors import Invalid, NotPermitted, Refused, StateConflict
from accord.engine.errors import EngineError
from accord.helpdesk import services as helpdesk_services
from accord.helpdesk.api import router as helpdesk_router
from accord.incidents.api import SourceAuthFailed, hooks_router
from accord.incidents.api import router as incidents_router
from accord.incidents.error_rate_api import error_rates_router


def _answer(description: str, schema: str, **headers: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }
    if headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in headers.items()
        }
    return answer


# What any operation may answer besides its own responses (`AccordAPI` declares them in the
# OpenAPI document, so a client, and schemathesis, know them): the core refusals, mapped below
# for every operation; 401 without a valid token. The 429 over a token's rate is declared on
# the operations a personal token may call, while the limit is on (`ratelimit.declare`).
_EVERY_OPERATION = {
    "400": _answer("Not possible as asked, or a malformed request", "Refusal"),
    "401": _answer("No valid credentials", "Refusal", **{"WWW-Authenticate": "The scheme to use"}),
    "403": _answer("Not for this person", "Refusal"),
    "404": _answer("Not found, or not yours to see (staff-only operations, to others)", "Refusal"),
    "409": _answer("Not in the state the thing is in now", "Refusal"),
    "414": {
        "description": "The URL is over the front server's request-line limit (gunicorn: "
        "4,094 bytes; its own HTML page, not Accord's JSON)",
        "content": {"text/html": {"schema": {"type": "string"}}},
    },
}
_WITH_INPUT = {  # an operation with parameters or a body: validation
    "422": _answer(
        "A value that is never right: django-ninja's list of field errors, or a sentence "
        "naming the field",
        "FieldErrors",
    ),
}
_WITH_BODY = {"413": _answer("The body is over the size limit", "Refusal")}
_WITH_FILE = {"415": _answer("A file's declared type contradicts its name", "Refusal")}


class AccordAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document declares the answers every operation may give
    (`_EVERY_OPERATION` and the rest) besides those its handler declares."""

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        document = super().get_openapi_schema(**kwargs)
        components = document.setdefault("components", {}).setdefault("schemas", {})
        for model in (Refusal, FieldErrors):
            schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(schema.pop("$defs", {}))
            components.setdefault(model.__name__, schema)
        for operations in document["paths"].values():
            for operation in operations.values():
                parameters = operation.get("parameters", [])
                body = "requestBody" in operation
                extra = dict(_EVERY_OPERATION)
                if parameters or body:
                    extra |= _WITH_INPUT
                if body:
                    extra |= _WITH_BODY
                if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
                    extra |= _WITH_FILE
                responses = operation.setdefault("responses", {})
                declared = {str(status) for status in responses}  # django-ninja's are ints
                for status, answer in extra.items():
                    if status not in declared:
                        responses[int(status)] = answer
        if ratelimit.rate() is not None:
            ratelimit.declare(document)
        _link_creates(document["paths"])
        return document


def _link_creates(paths: dict[str, Any]) -> None:
    """OpenAPI links from each create (a POST to `P` answering 201 with an `id`) to the
    operations on what it made (`P/{x_id}...`): a client, and schemathesis' stateful tests,
    can follow a new ticket to its comments, status, severity and the rest."""
    for path, operations in paths.items():
        create = operations.get("post", {})
        answer = create.get("responses", {}).get(201)
        if answer is None or "links" in answer:
            continue
        given = [p["name"] for p in create.get("parameters", []) if p["in"] == "path"]
        links = {}
        for target, target_operations in paths.items():
            if not target.startswith(path + "/{"):
                continue
            made = target[len(path) + 2 : target.index("}", len(path))]
            for method, operation in target_operations.items():
                values = {name: f"$request.path.{name}" for name in given}
                links[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": {**values, made: "$response.body#/id"},
                    "description": f"{method.upper()} {target} on the {made[:-3]} made",
                }
        if links:
            answer["links"] = links


api = AccordAPI(
    title="Accord API",
    version="1",
    description="Fault tickets, return-to-service clocks and SLA data. See docs/api.md.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    auth=api_auth,
    throttle=[ratelimit.TokenRate()],
)

# The one mapping of the core refusals (accord.core.errors): who may not (403), not in the
# state the thing is in now (409), a value that can never be right (422); anything else is a
# bad request (400). The body is `{"detail": message}`, the message naming the field first.
_REFUSAL_STATUS: list[tuple[type[Refused], int]] = [
    (NotPermitted, 403),
    (StateConflict, 409),
    (Invalid, 422),
]


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    status = next((code for kind, code in _REFUSAL_STATUS if isinstance(exc, kind)), 400)
    return api.create_response(request, {"detail": str(exc)}, status=status)


@api.exception_handler(helpdesk_services.UnknownSeverity)
def unknown_severity(request: HttpRequest, exc: helpdesk_services.UnknownSeverity) -> HttpResponse:
    """A severity level the contract's policy does not define: a 422 naming the field, in the
    format of the schema's own validation."""
    error = field_error(exc.field, exc.problem)
    return api.create_response(request, {"detail": error.errors}, status=422)


@api.exception_handler(EngineError)
def engine_refused(request: HttpRequest, exc: EngineError) -> HttpResponse:
    """Input the engine refuses: 422 naming the field, never a 500. A contract's stored terms
    that are broken (`InvalidTerms`) are not the request's fault: 409 with the field."""
    status = 409 if isinstance(exc, InvalidTerms) else 422
    return api.create_response(request, {"detail": str(exc)}, status=status)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request,
        {"detail": "authentication required: send `Authorization: Bearer acc_...`"},
        status=401,
    )
    response["WWW-Authenticate"] = 'Bearer realm="accord"'
    return response


@api.exception_handler(SourceAuthFailed)
def source_unauthenticated(request: HttpRequest, exc: SourceAuthFailed) -> HttpResponse:
    """The webhook receivers: an external source's token was missing or wrong."""
    response = api.create_response(request, {"detail": str(exc)}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="accord-hooks"'
    return response


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    """Past the token's rate (ACCORD_API_RATE); django-ninja adds Retry-After."""
    seconds = ratelimit.retry_after(exc.wait)
    detail = f"too many requests: this API token may make {ratelimit.describe()}; "
    response = api.create_response(
        request, {"detail": detail + f"retry after {seconds} s"}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


@api.exception_handler(SuspiciousOperation)
def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    """Bodies over Django's limits and malformed requests: a 4xx, never a 500."""
    status = 413 if isinstance(exc, RequestDataTooBig) else 400
    return api.create_response(request, {"detail": str(exc)}, status=status)


class ApiIndex(Schema):
    name: str
    version: str
    openapi: str
    docs: str
    guide: str


@api.get(
    "/",
    auth=None,
    response=ApiIndex,
    operation_id="api_index",
    summary="Where the API's OpenAPI document and its browsable docs are",
    tags=["index"],
)
def api_index(request: HttpRequest) -> ApiIndex:
    """`GET /api/` answers with links instead of a 404: what a newcomer tries first."""
    return ApiIndex(
        name=api.title,
        version=api.version,
        openapi=reverse("api:openapi-json"),
        docs=reverse("api:openapi-view"),
        guide="docs/api.md in the Accord repository",
    )


api.add_router("", accounts_router)
api.add_router("", helpdesk_router)  # the catalogue and the tickets; then their actions:
for resource in ("actions", "severity", "attachments", "restoration", "ownership"):
    api.add_router("", f"accord.helpdesk.api.{resource}.router")
api.add_router("", incidents_router)
api.add_router("", hooks_router)
api.add_router("", error_rates_router)
api.add_router("", "accord.probes.api.router")  # agent tokens only: accord.probes.auth
api.add_router("", "accord.releases.api.router")
api.add_router("", "accord.audit.api.router")
# The SLA data: monthly reports, uptime per module-region, contracts (issue 18).
api.add_router("", "accord.reports.api.router")
api.add_router("", "accord.status.uptime_api.router")
api.add_router("", "accord.accounts.contract_api.router")
