"""What the API fuzz (chaos/api_fuzz.py, schemathesis) found, as a client would notice it: the
OpenAPI document declares every answer an operation gives, and the API refuses what the
document forbids and accepts what it allows."""

from __future__ import annotations

import re
from typing import Any

import pytest
from tests.api.test_access import png


@pytest.fixture
def document(api: Any) -> dict[str, Any]:
    return dict(api.client.get("/api/openapi.json").json())


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


def test_every_operation_declares_the_refusals_it_can_answer(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        responses = operation["responses"]
        label = f"{method} {path}"
        assert {"400", "401", "403", "404", "409", "414"} <= set(responses), label
        if any("TokenAuth" in need for need in operation.get("security") or []):
            assert "429" in responses, label  # the per-token rate limit (on by default)
        if "multipart/form-data" in operation.get("requestBody", {}).get("content", {}):
            assert "415" in responses, label
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in responses, label
        if "requestBody" in operation:
            assert "413" in responses, label
    unauthenticated = document["paths"]["/api/me"]["get"]["responses"]["401"]
    assert "WWW-Authenticate" in unauthenticated["headers"]


def test_a_validation_error_is_the_declared_422(api: Any, world: Any, document: Any) -> None:
    """Both shapes the document gives: django-ninja's field list and a refusal's sentence."""
    declared = document["components"]["schemas"]["FieldErrors"]["properties"]["detail"]
    assert {"array", "string"} == {choice["type"] for choice in declared["anyOf"]}
    missing = api.post(world.agent, "/api/tokens", None)
    assert missing.status_code == 422
    assert {"loc", "msg", "type"} <= set(missing.json()["detail"][0])


def test_the_ticket_list_refuses_a_limit_that_is_not_a_number(api: Any, world: Any) -> None:
    for query in ("limit=null", "limit=", "offset=null", "open=null"):
        assert api.get(world.agent, f"/api/tickets?{query}").status_code == 422, query
    assert api.get(world.agent, "/api/tickets?limit=2").status_code == 200


def test_query_slugs_are_bounded_so_every_allowed_url_fits_the_request_line(
    api: Any, world: Any, document: Any
) -> None:
    parameters = {p["name"]: p for p in document["paths"]["/api/tickets"]["get"]["parameters"]}
    module = parameters["module"]["schema"]["anyOf"][0]
    assert (module["minLength"], module["maxLength"]) == (1, 60)
    assert parameters["status"]["schema"]["anyOf"][0]["maxItems"] == 6
    assert api.get(world.agent, "/api/tickets?module=").status_code == 422
    assert api.get(world.agent, f"/api/tickets?module={'m' * 61}").status_code == 422


def test_a_body_value_of_the_wrong_json_type_is_refused(api: Any, world: Any) -> None:
    """`0` is not `false`, `"2"` is not `2`; `2.0` is (JSON Schema's integers include it)."""
    ticket = api.report(world.acme_reporter).json()
    url = ticket["url"]
    refused = api.post(world.agent, f"{url}/comments", {"body": "words", "internal": 0})
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "payload", "internal"]
    assert api.post(world.acme_reporter, f"{url}/severity", {"severity": "2"}).status_code == 422
    assert api.post(world.acme_reporter, f"{url}/severity", {"severity": True}).status_code == 422
    changed = api.post(world.acme_reporter, f"{url}/severity", {"severity": 2.0})
    assert changed.status_code == 200, changed.content
    assert changed.json()["severity"] == 2


def test_a_number_is_not_taken_for_an_instant(api: Any, world: Any) -> None:
    body = {"title": "Release calendar down", "message": "Investigating"}
    incident = api.post(world.agent, "/api/incidents", body).json()
    refused = api.post(
        world.agent, f"/api/incidents/{incident['id']}/resolve", {"message": "Fixed", "at": 0}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "payload", "at"]
    assert api.get(world.vendor_admin, "/api/audit?until=0").status_code == 422
    assert api.get(world.vendor_admin, "/api/audit?until=2026-03-09").status_code == 200


def test_a_form_boolean_is_true_or_false(api: Any, world: Any) -> None:
    ticket = api.report(world.acme_reporter).json()
    url = f"{ticket['url']}/attachments"
    assert api.upload(world.agent, url, {"file": png(), "internal": "1"}).status_code == 422
    assert api.upload(world.agent, url, {"file": png(), "internal": "true"}).status_code == 201
    assert api.upload(world.agent, url, {"file": png()}).status_code == 201


def test_the_document_states_the_text_rules(document: dict[str, Any]) -> None:
    """No NUL anywhere; required text must hold more than spaces: what the API refuses with a
    422 is what the document forbids."""
    comment = document["components"]["schemas"]["CommentIn"]["properties"]["body"]
    blank, nul = re.compile(comment["pattern"]), "\x00"
    assert blank.search("a note") and not blank.search("   ") and not blank.search(f"a{nul}b")
    hook = document["paths"]["/api/hooks/alertmanager"]["post"]["requestBody"]
    alert = hook["content"]["application/json"]["schema"]["properties"]["alerts"]
    assert alert["minItems"] == 1
    assert alert["items"]["properties"]["fingerprint"]["maxLength"] == 200


def test_an_attachment_download_is_declared_of_any_type(document: dict[str, Any]) -> None:
    path = document["paths"]["/api/tickets/{ticket_id}/attachments/{attachment_id}"]
    assert set(path["get"]["responses"]["200"]["content"]) == {"*/*"}


def test_a_new_ticket_links_to_the_operations_on_it(document: dict[str, Any]) -> None:
    links = document["paths"]["/api/tickets"]["post"]["responses"]["201"]["links"]
    comment = links["accord_helpdesk_api_add_comment"]
    assert comment["parameters"] == {"ticket_id": "$response.body#/id"}
    assert "accord_helpdesk_api_get_ticket" in links
    upload = document["paths"]["/api/tickets/{ticket_id}/attachments"]["post"]
    download = upload["responses"]["201"]["links"]["accord_helpdesk_api_download_attachment"]
    assert download["parameters"]["ticket_id"] == "$request.path.ticket_id"


def test_a_row_id_beyond_the_database_range_is_a_422_not_a_500(api: Any, world: Any) -> None:
    """The fuzz's one server error: a deployment naming ticket 2**64 overflowed the database."""
    deployment = {"module": "release-manager", "region": "us", "version": "5.2.1"}
    deployment |= {"kind": "minor", "tickets": [2**64 - 1]}
    refused = api.post(world.agent, "/api/releases/deployments", deployment)
    assert refused.status_code == 422, refused.content
    assert refused.json()["detail"][0]["loc"][:3] == ["body", "payload", "tickets"]
    ticket = api.report(world.acme_reporter).json()
    outage = {"customer_only": True, "incident": 2**63}
    refused = api.post(world.agent, f"{ticket['url']}/total-outage", outage)
    assert refused.status_code == 422, refused.content
