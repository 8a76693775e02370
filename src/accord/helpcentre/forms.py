"""The staff's article editor form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accord.core.forms import AccordForm
from accord.helpcentre.models import Article, not_reserved
from accord.helpcentre.services import Content

# The editor's submit buttons (name="action").
PREVIEW, SAVE, PUBLISH, DISCARD = "preview", "save", "publish", "discard"
ACTIONS = (PREVIEW, SAVE, PUBLISH, DISCARD)


class ArticleForm(AccordForm):
    slug = forms.SlugField(
        label=_("Address"),
        help_text=_(
            "The article's address under /help/: lower-case letters, digits and hyphens. "
            "It cannot change once the article exists (links to it would break)."
        ),
        validators=[not_reserved],
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    category = forms.CharField(label=_("Category"), max_length=100, initial="General")
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Article.Visibility.choices, initial=Article.Visibility.PUBLIC
    )
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 24, "cols": 90}),
        help_text=_(
            "Markdown. Raw HTML is shown as text, never run; links may be http, https, "
            "mailto or relative."
        ),
    )
    base = forms.IntegerField(widget=forms.HiddenInput, min_value=0, initial=0)

    def __init__(self, *args: Any, new: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not new:
            del self.fields["slug"]

    def clean_slug(self) -> str:
        slug = str(self.cleaned_data["slug"])
        if Article.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("An article already has this address: choose another."))
        return slug

    def content(self) -> Content:
        data = self.cleaned_data
        return Content(
            title=data["title"].strip(),
            category=data["category"].strip() or "General",
            visibility=data["visibility"],
            body=data["body"],
        )
