"""Form helpers shared by the server-rendered pages."""

from __future__ import annotations

from typing import Any

from django import forms


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


def add_refusal(form: forms.Form, message: str) -> None:
    """Show a service's refusal on the form that asked for it.

    Services name the field a refusal is about as a prefix ("reason: say why ..."); when the
    form has that field the message goes beside it, otherwise above the form.
    """
    field, sep, rest = message.partition(": ")
    if sep and field in form.fields and rest:
        form.add_error(field, _sentence(rest))
    else:
        form.add_error(None, _sentence(message))


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else f"{text}."
