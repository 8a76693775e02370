"""External monitors' webhooks: Alertmanager (payload version 4) and the generic JSON format.

The Alertmanager payloads follow the shape its documentation gives for the webhook receiver
(`version`, `groupKey`, `truncatedAlerts`, `status`, `receiver`, `groupLabels`,
`commonLabels`, `commonAnnotations`, `externalURL`, `alerts[]` with `status`, `labels`,
`annotations`, `startsAt`, `endsAt`, `generatorURL`, `fingerprint`), including Go's
nanosecond timestamps and its zero time as the `endsAt` of a firing alert.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.test import Client
from tests.incidents.conftest import module_region, utc

from accord.monitoring.models import Impact, Outage, Source

ALERTMANAGER = "/api/hooks/alertmanager"
WEBHOOK = "/api/hooks/webhook"


def alert(
    fingerprint: str,
    *,
    status: str = "firing",
    starts: str = "2026-03-11T10:15:03.739266876Z",
    ends: str = "0001-01-01T00:00:00Z",
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {
            "alertname": "ReleaseManagerDown",
            "job": "blackbox",
            "module": "release-manager",
            "region": "us",
            "severity": "critical",
            **(labels or {}),
        },
        "annotations": {"summary": "Release Manager is not answering", "description": "probe"},
        "startsAt": starts,
        "endsAt": ends,
        "generatorURL": "http://prometheus.example.test:9090/graph?g0.expr=probe_success+%3D%3D+0",
        "fingerprint": fingerprint,
    }


def notification(*alerts: dict[str, Any], status: str | None = None) -> dict[str, Any]:
    firing = any(a["status"] == "firing" for a in alerts)
    return {
        "version": "4",
        "groupKey": '{}/{severity="critical"}:{alertname="ReleaseManagerDown"}',
        "truncatedAlerts": 0,
        "status": status or ("firing" if firing else "resolved"),
        "receiver": "accord",
        "groupLabels": {"alertname": "ReleaseManagerDown"},
        "commonLabels": {"alertname": "ReleaseManagerDown", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.test:9093",
        "alerts": list(alerts),
    }


def post(url: str, payload: Any, token: str | None, *, via: str = "header") -> Any:
    client = Client()
    body = payload if isinstance(payload, bytes | str) else json.dumps(payload)
    extra = {}
    if token is not None and via == "header":
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if token is not None and via == "query":
        url = f"{url}?token={token}"
    return client.post(url, body, content_type="application/json", **extra)


@pytest.fixture
def alertmanager(make_source: Any) -> tuple[Any, str]:
    return make_source("alertmanager", name="Prometheus")


@pytest.fixture
def webhook(make_source: Any) -> tuple[Any, str]:
    return make_source("webhook", name="Uptime Kuma", module_region=module_region("reporting"))


# --- Alertmanager ------------------------------------------------------------------------------


def test_firing_then_resolved_opens_and_closes_one_outage(alertmanager: Any) -> None:
    source, token = alertmanager
    firing = post(ALERTMANAGER, notification(alert("1a30ba71cca2921f")), token)
    assert firing.status_code == 200, firing.content
    assert firing.json()["alerts"][0]["outcome"] == "opened"
    outage = Outage.objects.get()
    assert outage.source == Source.ALERTMANAGER
    assert outage.reference == "1a30ba71cca2921f"
    assert outage.module_region == module_region()
    assert outage.organisation is None
    assert outage.impact == Impact.MAJOR_OUTAGE
    assert outage.start == utc("2026-03-11T10:15:03Z")
    assert outage.end is None

    resolved = alert("1a30ba71cca2921f", status="resolved", ends="2026-03-11T10:47:33.1Z")
    response = post(ALERTMANAGER, notification(resolved), token)
    assert response.status_code == 200, response.content
    assert response.json()["alerts"][0]["outcome"] == "closed"
    outage.refresh_from_db()
    assert outage.end == utc("2026-03-11T10:47:33Z")  # closes at endsAt, not on arrival
    source.refresh_from_db()
    assert source.last_received_at is not None


def test_redelivery_changes_nothing(alertmanager: Any) -> None:
    _, token = alertmanager
    firing = notification(alert("c6eadffa33fcdf37"))
    for _ in range(3):
        assert post(ALERTMANAGER, firing, token).status_code == 200
    assert Outage.objects.count() == 1
    resolved = notification(
        alert("c6eadffa33fcdf37", status="resolved", ends="2026-03-11T11:00:00Z")
    )
    for _ in range(2):
        response = post(ALERTMANAGER, resolved, token)
        assert response.status_code == 200
    assert response.json()["alerts"][0]["outcome"] == "unchanged"
    # A late redelivery of the firing notification does not reopen it.
    assert post(ALERTMANAGER, firing, token).json()["alerts"][0]["outcome"] == "unchanged"
    outage = Outage.objects.get()
    assert outage.end == utc("2026-03-11T11:00:00Z")


def test_the_same_alert_firing_again_later_is_a_new_outage(alertmanager: Any) -> None:
    _, token = alertmanager
    first = alert("bc97ff14869b13e3", status="resolved", ends="2026-03-11T10:30:00Z")
    post(ALERTMANAGER, notification(first), token)
    again = alert("bc97ff14869b13e3", starts="2026-03-12T08:00:00+02:00")
    assert post(ALERTMANAGER, notification(again), token).json()["alerts"][0]["outcome"] == (
        "opened"
    )
    starts = sorted(o.start for o in Outage.objects.all())
    assert starts == [utc("2026-03-11T10:15:03Z"), utc("2026-03-12T06:00:00Z")]


def test_grouped_alerts_map_each_to_its_module_region(alertmanager: Any) -> None:
    _, token = alertmanager
    payload = notification(
        alert("aaaa000000000001", labels={"module": "Reporting", "region": "uk"}),
        alert("aaaa000000000002", labels={"module": "stryka", "region": "au"}),
        alert(
            "aaaa000000000003",
            status="resolved",
            ends="2026-03-11T10:20:00Z",
            labels={"impact": "partial_outage"},
        ),
    )
    response = post(ALERTMANAGER, payload, token)
    assert response.status_code == 200, response.content
    outcomes = [a["outcome"] for a in response.json()["alerts"]]
    assert outcomes == ["opened", "opened", "recorded"]
    by_reference = {o.reference: o for o in Outage.objects.select_related("module_region")}
    assert by_reference["aaaa000000000001"].module_region == module_region("reporting", "uk")
    assert by_reference["aaaa000000000002"].module_region == module_region("stryka", "au")
    partial = by_reference["aaaa000000000003"]
    assert partial.impact == Impact.PARTIAL_OUTAGE
    assert partial.end == utc("2026-03-11T10:20:00Z")


def test_label_names_and_default_module_region_come_from_the_source(make_source: Any) -> None:
    _, token = make_source(
        "alertmanager",
        module_region=module_region("deployment-manager", "uk"),
        module_label="service",
        region_label="cluster",
        impact=Impact.PARTIAL_OUTAGE,
    )
    bare = alert("bbbb000000000001")
    bare["labels"] = {"alertname": "Down"}
    labelled = alert("bbbb000000000002", labels={"cluster": "au"})
    response = post(ALERTMANAGER, notification(bare, labelled), token)
    assert response.status_code == 200, response.content
    rows = {o.reference: o for o in Outage.objects.all()}
    assert rows["bbbb000000000001"].module_region == module_region("deployment-manager", "uk")
    assert rows["bbbb000000000002"].module_region == module_region("deployment-manager", "au")
    assert rows["bbbb000000000001"].impact == Impact.PARTIAL_OUTAGE


@pytest.mark.parametrize("via", ["header", "query"])
def test_the_token_is_accepted_as_bearer_or_query_parameter(alertmanager: Any, via: str) -> None:
    _, token = alertmanager
    response = post(ALERTMANAGER, notification(alert("cccc000000000001")), token, via=via)
    assert response.status_code == 200, response.content


@pytest.mark.parametrize(
    "token",
    [None, "", "acs_nothing_here", "not-a-token", "acc_deadbeef_secret"],
)
def test_a_bad_or_missing_token_is_401(alertmanager: Any, token: str | None) -> None:
    response = post(ALERTMANAGER, notification(alert("dddd000000000001")), token)
    assert response.status_code == 401
    assert "token" in response.json()["detail"]
    assert Outage.objects.count() == 0


def test_a_tampered_token_is_401(alertmanager: Any) -> None:
    _, token = alertmanager
    response = post(ALERTMANAGER, notification(alert("dddd000000000002")), token[:-2] + "xx")
    assert response.status_code == 401


def test_a_webhook_token_does_not_open_alertmanager_alerts(webhook: Any) -> None:
    _, token = webhook
    response = post(ALERTMANAGER, notification(alert("eeee000000000001")), token)
    assert response.status_code == 401
    assert "Generic JSON webhook" in response.json()["detail"]


def test_a_person_s_api_token_is_not_a_source_token(world: Any, alertmanager: Any) -> None:
    from accord.accounts.models import ApiToken

    _, secret = ApiToken.issue(world.vendor_admin, "mine")
    assert post(ALERTMANAGER, notification(alert("eeee000000000002")), secret).status_code == 401


def test_a_rotated_token_stops_working(world: Any, alertmanager: Any) -> None:
    from accord.incidents import alerts

    source, token = alertmanager
    new = alerts.rotate_token(source, actor=world.vendor_admin)
    assert post(ALERTMANAGER, notification(alert("ffff000000000001")), token).status_code == 401
    assert post(ALERTMANAGER, notification(alert("ffff000000000001")), new).status_code == 200


def test_an_inactive_source_is_401(alertmanager: Any) -> None:
    source, token = alertmanager
    source.active = False
    source.save()
    assert post(ALERTMANAGER, notification(alert("ffff000000000002")), token).status_code == 401


def _broken(mutate: Any) -> dict[str, Any]:
    payload = notification(alert("1111000000000001"), alert("1111000000000002"))
    mutate(payload)
    return payload


BAD_ALERTMANAGER = [
    (lambda p: p.update(version="3"), "version"),
    (lambda p: p.update(status="pending"), "status"),
    (lambda p: p.update(alerts=[]), "alerts"),
    (lambda p: p.update(alerts="nope"), "alerts"),
    (lambda p: p["alerts"].__setitem__(1, "nope"), "alerts[1]"),
    (lambda p: p["alerts"][1].pop("fingerprint"), "alerts[1].fingerprint"),
    (lambda p: p["alerts"][1].update(startsAt="yesterday"), "alerts[1].startsAt"),
    (lambda p: p["alerts"][1].update(startsAt="2026-03-11T10:00:00"), "alerts[1].startsAt"),
    (lambda p: p["alerts"][1].update(startsAt="0001-01-01T00:00:00Z"), "alerts[1].startsAt"),
    (lambda p: p["alerts"][1].update(startsAt=12345), "alerts[1].startsAt"),
    (lambda p: p["alerts"][1].update(startsAt="2026-02-30T10:00:00Z"), "alerts[1].startsAt"),
    (lambda p: p["alerts"][1].update(startsAt="2099-01-01T00:00:00Z"), "alerts[1].startsAt"),
    (lambda p: p["alerts"][1].update(status="resolved"), "alerts[1].endsAt"),
    (
        lambda p: p["alerts"][1].update(status="resolved", endsAt="2026-03-11T09:00:00Z"),
        "alerts[1].endsAt",
    ),
    (lambda p: p["alerts"][1].update(status="sleeping"), "alerts[1].status"),
    (lambda p: p["alerts"][1]["labels"].update(module="nonsense"), "alerts[1].labels.module"),
    (lambda p: p["alerts"][1]["labels"].update(region="mars"), "alerts[1].labels.region"),
    (lambda p: p["alerts"][1]["labels"].pop("module"), "alerts[1].labels.module"),
    (lambda p: p["alerts"][1]["labels"].update(module=7), "alerts[1].labels.module"),
    (lambda p: p["alerts"][1]["labels"].update(impact="meh"), "alerts[1].labels.impact"),
    (lambda p: p["alerts"][1].update(labels=["a"]), "alerts[1].labels"),
]


@pytest.mark.parametrize(("mutate", "field"), BAD_ALERTMANAGER)
def test_a_bad_payload_is_400_naming_the_field_and_changes_nothing(
    alertmanager: Any, mutate: Any, field: str
) -> None:
    _, token = alertmanager
    response = post(ALERTMANAGER, _broken(mutate), token)
    assert response.status_code == 400, response.content
    assert response.json()["detail"].startswith(f"{field}: "), response.json()
    assert Outage.objects.count() == 0  # the good first alert was not applied either


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"[]", b"null", b"42", b'"firing"', b"\xff\xfe", b'{"alerts": null}'],
)
def test_garbage_is_400_never_500(alertmanager: Any, webhook: Any, body: bytes) -> None:
    for url, token in ((ALERTMANAGER, alertmanager[1]), (WEBHOOK, webhook[1])):
        response = post(url, body, token)
        assert response.status_code == 400, (url, body, response.content)
        assert response.json()["detail"]


# --- the generic webhook --------------------------------------------------------------------------


def test_down_then_up_opens_and_closes(webhook: Any) -> None:
    _, token = webhook
    down = {"module": "reporting", "region": "uk", "status": "down", "at": "2026-03-11T10:00:00Z"}
    response = post(WEBHOOK, {**down, "id": "kuma-7"}, token)
    assert response.status_code == 200, response.content
    assert response.json()["alerts"][0]["outcome"] == "opened"
    outage = Outage.objects.get()
    assert (outage.source, outage.reference) == (Source.WEBHOOK, "kuma-7")
    assert outage.module_region == module_region("reporting", "uk")
    up = {**down, "status": "up", "at": "2026-03-11T10:12:00+00:00", "id": "kuma-7"}
    assert post(WEBHOOK, up, token).json()["alerts"][0]["outcome"] == "closed"
    outage.refresh_from_db()
    assert outage.end == utc("2026-03-11T10:12:00Z")
    # Redelivered, in either order: nothing changes.
    assert post(WEBHOOK, up, token).json()["alerts"][0]["outcome"] == "unchanged"
    assert post(WEBHOOK, {**down, "id": "kuma-7"}, token).json()["alerts"][0]["outcome"] == (
        "unchanged"
    )
    assert Outage.objects.count() == 1


def test_defaults_module_region_and_time(webhook: Any) -> None:
    _, token = webhook
    response = post(WEBHOOK, {"status": "down"}, token, via="query")
    assert response.status_code == 200, response.content
    outage = Outage.objects.get()
    assert outage.module_region == module_region("reporting", "us")
    assert outage.reference == "default"
    assert outage.start is not None and outage.end is None
    # Still down: a repeated "down" (a monitor's reminder) is the same outage.
    assert post(WEBHOOK, {"status": "down"}, token).json()["alerts"][0]["outcome"] == "unchanged"


def test_a_list_of_events_and_up_without_down(webhook: Any) -> None:
    _, token = webhook
    events = [
        {"id": "a", "status": "down", "at": "2026-03-11T10:00:00Z", "region": "au"},
        {"id": "b", "status": "up", "at": "2026-03-11T10:05:00Z"},
        {"id": "a", "status": "up", "at": "2026-03-11T10:30:00Z", "region": "au"},
    ]
    response = post(WEBHOOK, events, token)
    assert response.status_code == 200, response.content
    assert [a["outcome"] for a in response.json()["alerts"]] == ["opened", "unchanged", "closed"]
    outage = Outage.objects.get()
    assert outage.module_region == module_region("reporting", "au")
    assert (outage.start, outage.end) == (utc("2026-03-11T10:00:00Z"), utc("2026-03-11T10:30:00Z"))


BAD_WEBHOOK = [
    ({"status": "DOWN"}, "status"),
    ({"status": "down", "at": "noon"}, "at"),
    ({"status": "down", "at": "2026-03-11 10:00"}, "at"),
    ({"status": "down", "module": "nope"}, "module"),
    ({"status": "down", "region": "nope"}, "region"),
    ({"status": "down", "module": 5}, "module"),
    ({"status": "down", "id": ""}, "id"),
    ({"status": "down", "colour": "red"}, "colour"),
    ([{"status": "down"}, {"status": "sideways"}], "[1].status"),
    ([], "body"),
]


@pytest.mark.parametrize(("payload", "field"), BAD_WEBHOOK)
def test_bad_webhook_payloads_name_the_field(webhook: Any, payload: Any, field: str) -> None:
    _, token = webhook
    response = post(WEBHOOK, payload, token)
    assert response.status_code == 400, response.content
    assert response.json()["detail"].startswith(f"{field}: "), response.json()
    assert Outage.objects.count() == 0


def test_up_before_the_outage_began_is_refused(webhook: Any) -> None:
    _, token = webhook
    post(WEBHOOK, {"status": "down", "at": "2026-03-11T10:00:00Z"}, token)
    response = post(WEBHOOK, {"status": "up", "at": "2026-03-11T09:00:00Z"}, token)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("at: ")
    assert Outage.objects.get().end is None


def test_a_webhook_source_without_default_needs_module_and_region(make_source: Any) -> None:
    _, token = make_source("webhook", name="Gatus")
    response = post(WEBHOOK, {"status": "down", "module": "stryka"}, token)
    assert response.status_code == 400
    assert response.json()["detail"].startswith("region: ")
    ok = post(WEBHOOK, {"status": "down", "module": "Stryka", "region": "United Kingdom"}, token)
    assert ok.status_code == 200, ok.content


def test_the_openapi_document_describes_both_receivers(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    for path in ("/api/hooks/alertmanager", "/api/hooks/webhook"):
        operation = paths[path]["post"]
        assert "requestBody" in operation
    schema = copy.deepcopy(paths["/api/hooks/webhook"]["post"]["requestBody"])
    assert "oneOf" in json.dumps(schema)
