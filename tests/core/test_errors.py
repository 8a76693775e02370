"""The one family of refusals (accord.core.errors): its fields, its API statuses (mapped once in
accord.api), and how a page shows one (accord.core.forms)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.test import RequestFactory

from accord.accounts.terms import InvalidTerms
from accord.api import api
from accord.core.errors import Invalid, NotPermitted, Refused, StateConflict
from accord.core.forms import refusal_shown
from accord.engine.errors import EngineError


def test_a_refusal_names_its_field_first_whichever_way_it_is_raised() -> None:
    for refusal in (Refused("reason: say why"), Refused("say why", field="reason")):
        assert (str(refusal), refusal.field, refusal.problem) == (
            "reason: say why",
            "reason",
            "say why",
        )
    nested = Invalid("impacts[0].module: no such module")
    assert nested.field == "impacts[0].module"
    # A sentence with a colon names no field.
    plain = StateConflict("only a paused clock resumes: this one runs")
    assert (plain.field, plain.problem) == ("", str(plain))


class _Organisation:
    slug = "acme"

    def __str__(self) -> str:
        return "Acme"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (Refused("summary: a fault needs a short summary"), 400),
        (NotPermitted("only the vendor's staff do this"), 403),
        (StateConflict("status: the incident is already resolved"), 409),
        (Invalid("severity: must be 1 to 4"), 422),
        (EngineError("weekly.tue[1]", "ends before it starts"), 422),
        (InvalidTerms(_Organisation(), "v2", "penalties", "not a table"), 409),  # type: ignore[arg-type]
    ],
)
def test_the_api_answers_each_refusal_with_its_status_and_the_message(
    error: Exception, status: int
) -> None:
    response = api.on_exception(RequestFactory().post("/api/x"), error)
    assert response.status_code == status
    detail = json.loads(response.content)["detail"]
    assert detail == str(error)
    if isinstance(error, EngineError):  # never a 500, and the field is named first
        assert f"{error.field}: " in detail


class _ReasonForm(forms.Form):
    reason = forms.CharField()


def test_a_page_shows_a_refusal_beside_its_field_or_above_the_form() -> None:
    form = _ReasonForm({"reason": "x"})
    form.is_valid()
    with refusal_shown(form):
        raise Refused("reason: say why the clock is paused")
    assert form.errors["reason"] == ["Say why the clock is paused."]
    with refusal_shown(form):
        raise NotPermitted("only the vendor's support staff pause the clock")
    assert form.non_field_errors() == ["Only the vendor's support staff pause the clock."]


def test_a_refusal_without_a_form_is_an_error_message_and_other_errors_pass() -> None:
    request: Any = RequestFactory().post("/x")
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    with refusal_shown(request):
        raise StateConflict("the maintenance already started")
    assert [str(m) for m in get_messages(request)] == ["The maintenance already started."]
    with pytest.raises(ValueError), refusal_shown(request):
        raise ValueError("a bug is not a refusal")
