"""Form helpers shared by the server-rendered pages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest

from accord.core.errors import Refused


class AccordForm(forms.Form):
    """A form whose labels carry no trailing colon (they read better beside checkboxes)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class OptionalChoice(forms.ModelChoiceField):
    """A choice of one row that may be left empty, as on a filter: `empty_label` says what the
    empty choice means ("All regions"); `to_field_name`, which field the submitted value is (a
    slug, a code; the primary key without one)."""

    def __init__(
        self, label: str, queryset: Any, empty_label: str | None = "---------", **kwargs: Any
    ) -> None:
        super().__init__(queryset, label=label, required=False, empty_label=empty_label, **kwargs)


def valid_filters(form: forms.Form) -> dict[str, Any]:
    """The filters of a bound filter form that are valid (nothing for an unbound one): a bad
    filter is shown on the form, the valid ones apply."""
    if not form.is_bound:
        return {}
    form.is_valid()
    return {k: v for k, v in form.cleaned_data.items() if k not in form.errors}


def add_refusal(form: forms.Form, refusal: Refused | str) -> None:
    """Show a service's refusal (accord.core.errors) on the form that asked for it.

    A refusal names the field it is about (`field`, the prefix of its message: "reason: say
    why ..."); when the form has that field the problem goes beside it, otherwise the whole
    message above the form.
    """
    if isinstance(refusal, str):
        refusal = Refused(refusal)
    if refusal.field in form.fields:
        form.add_error(refusal.field, _sentence(refusal.problem))
    else:
        form.add_error(None, _sentence(str(refusal)))


@contextmanager
def refusal_shown(target: forms.Form | HttpRequest) -> Iterator[None]:
    """The one way a page shows a refusal: the block runs, and a core `Refused` it raises ends
    it and is shown on `target`, a form (`add_refusal`) or, given the request, as an error
    message. The code after the `with` runs either way (the form shown again, a redirect).

        with refusal_shown(form):
            with transaction.atomic():
                ticket = services.report(...)
            messages.success(request, "Reported.")
            return redirect(...)
        return render(request, ..., {"form": form})
    """
    try:
        yield
    except Refused as refusal:
        if isinstance(target, forms.BaseForm):
            add_refusal(target, refusal)
        else:
            messages.error(target, _sentence(str(refusal)))


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."
