"""The probe agents' API: fetch the checks, post results. Agent tokens only (`probes.auth`).

* `GET /api/probe/checks`: the active checks every location probes.
* `POST /api/probe/results`: a batch of results (at most 10,000). Applied in one transaction
  by `services.record_results`: a success means every result is stored. Results not after the
  last one applied for their check (a retried batch) are counted as duplicates and ignored. A
  batch naming a check that does not exist or is inactive is refused whole with 404 and the
  ids in `unknown_checks`: the agent drops those results, fetches the checks again and sends
  the rest.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import Field, StrictBool, StringConstraints

from accord.accounts.api import DateTimeIn, In, field_error
from accord.engine.timeutil import to_epoch
from accord.probes import services
from accord.probes.auth import agent_auth
from accord.probes.models import ProbeLocation
from accord.probes.prober import Result

router = Router(tags=["probes"], auth=agent_auth)

MAX_BATCH = 10_000
# An agent's clock may run a little ahead of the server's; further ahead is a mistake.
FUTURE_SLACK = timedelta(minutes=5)


class CheckOut(Schema):
    id: int
    url: str
    interval_seconds: int
    timeout_seconds: float
    expected_status: int
    body_text: str


class ChecksOut(Schema):
    location: str
    checks: list[CheckOut]


class ResultIn(In):
    check: Annotated[int, Field(ge=1, le=2**63 - 1)]
    at: DateTimeIn = Field(description="When the check started (ISO 8601 with an offset or Z)")
    ok: StrictBool
    latency_ms: Annotated[int, Field(ge=0, le=3_600_000)]
    status: Annotated[int, Field(ge=100, le=999)] | None = None
    error: Annotated[str, StringConstraints(max_length=200)] = ""


class ResultsIn(In):
    results: Annotated[list[ResultIn], Field(max_length=MAX_BATCH)]


class ResultsOut(Schema):
    accepted: int
    duplicates: int


class UnknownChecksOut(Schema):
    detail: str
    unknown_checks: list[int]


@router.get("/probe/checks", response=ChecksOut, summary="The checks this agent runs")
def probe_checks(request: HttpRequest) -> dict[str, Any]:
    location: ProbeLocation = request.auth  # type: ignore[attr-defined]
    return {
        "location": location.slug,
        "checks": [
            {
                "id": spec.id,
                "url": spec.url,
                "interval_seconds": int(spec.interval),
                "timeout_seconds": spec.timeout,
                "expected_status": spec.expected_status,
                "body_text": spec.body_text,
            }
            for spec in services.check_specs()
        ],
    }


@router.post(
    "/probe/results",
    response={200: ResultsOut, 404: UnknownChecksOut},
    summary="Report a batch of check results",
)
def probe_results(request: HttpRequest, payload: ResultsIn) -> Status[dict[str, Any]]:
    location: ProbeLocation = request.auth  # type: ignore[attr-defined]
    now = timezone.now()
    results = []
    for index, item in enumerate(payload.results):
        if item.at.tzinfo is None or item.at.utcoffset() is None:
            raise field_error(f"results.{index}.at", "needs a UTC offset or 'Z'")
        if item.at > now + FUTURE_SLACK:
            raise field_error(f"results.{index}.at", "is in the future (check the agent's clock)")
        results.append(
            Result(item.check, to_epoch(item.at), item.ok, item.latency_ms, item.status, item.error)
        )
    try:
        with transaction.atomic():
            recorded = services.record_results(location, results, now=now)
    except services.UnknownChecks as exc:
        return Status(404, {"detail": str(exc), "unknown_checks": exc.ids})
    return Status(200, {"accepted": recorded.accepted, "duplicates": recorded.duplicates})
