"""`POST /api/hooks/error-rates`: an external source's error-rate samples (docs/monitoring.md).

A source of kind `error_rates` (created on the sources page like an Alertmanager source) sends
how many requests each module-region served and how many failed, per minute or per five
minutes: from a Prometheus recording rule, a load balancer's logs, anything that counts. The
published SLAs that count downtime from error rates read them (`accord.engine.error_rates`).
Sending an interval again replaces it; a bad sample refuses the whole call, naming it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field

from accord.accounts.api import DateTimeIn, In, Text
from accord.core.errors import Invalid, Refused
from accord.incidents.api import SourceToken
from accord.incidents.models import ExternalSource, SourceKind
from accord.incidents.services import find_module_region
from accord.monitoring import error_rates

error_rates_router = Router(tags=["external monitors"])

Count = Annotated[int, Field(ge=0, le=10**15)]


class SampleBody(In):
    module: Text = Field(description="The module's slug or name", max_length=100)
    region: Text = Field(description="The region's code or name", max_length=100)
    start: DateTimeIn = Field(description="The interval's start, ISO 8601 with an offset")
    seconds: Literal[60, 300] = Field(description="The interval's length")
    requests: Count
    errors: Count = Field(description="Requests that failed (at most `requests`)")


class SamplesBody(In):
    samples: list[SampleBody] = Field(max_length=error_rates.MAX_SAMPLES)


class SamplesReceiptOut(Schema):
    source: str
    new: int
    replaced: int


@error_rates_router.post(
    "/hooks/error-rates",
    response=SamplesReceiptOut,
    auth=SourceToken(SourceKind.ERROR_RATES),
    summary="Error-rate samples: requests and failures per module-region and interval",
)
def error_rate_samples(request: HttpRequest, payload: SamplesBody) -> dict[str, Any]:
    source: ExternalSource = request.auth  # type: ignore[attr-defined]
    now = timezone.now()
    found: dict[tuple[str, str], int] = {}
    samples = []
    for n, body in enumerate(payload.samples):
        if body.start.tzinfo is None:
            raise Invalid(
                "give the instant with its offset, e.g. 2026-12-01T10:00:00Z",
                field=f"samples[{n}].start",
            )
        key = (body.module.lower(), body.region.lower())
        if key not in found:
            try:
                found[key] = find_module_region(body.module, body.region).pk
            except Refused as refusal:
                raise Invalid(refusal.problem, field=f"samples[{n}].{refusal.field}") from None
        samples.append(
            error_rates.SampleIn(
                found[key], int(body.start.timestamp()), body.seconds, body.requests, body.errors
            )
        )
    recorded = error_rates.record(f"source:{source.pk}", samples, now=now)
    ExternalSource.objects.filter(pk=source.pk).update(last_received_at=now)
    return {"source": source.name, "new": recorded.new, "replaced": recorded.replaced}
