"""A notice: one thing worth telling people about a ticket; the names and severities it shows.

A notice is decided when the ticket changes but read by people in several languages, so its
words are `Phrase`s: the English text (marked with `gettext_noop`) and its named values, said in
each reader's language when the worker renders that reader's email (`Phrase.say`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Union

from django.utils import translation
from django.utils.translation import gettext, gettext_noop, pgettext

from accord.accounts.models import User
from accord.helpdesk.models import Comment, Severity, Ticket

# A phrase's value: verbatim (a name, a reason someone wrote, a number) or a phrase of its own.
Value = Union[str, int, "Phrase"]


@dataclass(frozen=True)
class Phrase:
    """Words said in the reader's language: `text` is an English msgid with `%(name)s`
    placeholders, `args` their values. `str()` is the English (webhooks, logs)."""

    text: str
    args: Mapping[str, Value] = field(default_factory=dict)
    context: str = ""  # the msgctxt, when the text is marked with pgettext

    def say(self) -> str:
        """The phrase in the active language."""
        text = pgettext(self.context, self.text) if self.context else gettext(self.text)
        if not self.args:
            return text
        return text % {k: v.say() if isinstance(v, Phrase) else v for k, v in self.args.items()}

    def __str__(self) -> str:
        with translation.override("en"):
            return self.say()

    def to_json(self) -> dict[str, Any]:
        args = {k: v.to_json() if isinstance(v, Phrase) else v for k, v in self.args.items()}
        return {"text": self.text, "args": args, "context": self.context}

    @classmethod
    def from_json(cls, data: Any) -> Phrase | str:
        """A stored phrase; a plain string (a notice the previous release stored) stays one."""
        if not isinstance(data, dict):
            return str(data)
        args = {k: cls.from_json(v) if isinstance(v, dict) else v for k, v in data["args"].items()}
        return cls(data["text"], args, data.get("context", ""))


Words = Phrase | str  # a plain string is said as it is


def say(words: Words) -> str:
    """Words in the active language (a plain string as it is)."""
    return words.say() if isinstance(words, Phrase) else words


def stored(words: Words) -> Any:
    """Words as a job's JSON payload keeps them (`Phrase.from_json` reads them back)."""
    return words.to_json() if isinstance(words, Phrase) else words


def phrase(text: str, /, **args: Value) -> Phrase:
    """`phrase(gettext_noop("Severity: %(severity)s"), severity=...)`: the text marked with
    `gettext_noop` (makemessages collects it; the reader's language says it later)."""
    return Phrase(text, args)


@dataclass
class Notice:
    """One thing worth telling people about a ticket, and who is to be told."""

    ticket: Ticket
    event: str  # the webhook event name: "ticket.restored", "clock.breach", ...
    slug: str  # unique per ticket: the Message-ID part and the job keys' suffix
    at: datetime
    headline: Words  # for staff
    customer_headline: Words = ""  # empty: customers are not told
    lines: list[Words] = field(default_factory=list)  # details shown to both sides
    actor: User | None = None
    comment: Comment | None = None
    # "all" (agents and managers), "managers" (managers and vendor admins), "ticket" (who
    # worked on it), "people" (the staff in data["staff_ids"]), "none"
    staff: str = "none"
    include_reporter: bool = False  # tell the reporter even when they are the actor
    subject_tag: Words = ""  # prefix of the subject for alarms
    data: dict[str, Any] = field(default_factory=dict)  # extra webhook fields

    @property
    def key(self) -> str:
        return f"ticket:{self.ticket.pk}:{self.slug}"


def severity_label(value: int | None) -> str:
    """A severity's label in the active language."""
    return say(severity_phrase(value))


def severity_phrase(value: int | None) -> Words:
    """A severity's label, said in the reader's language."""
    if value is None:
        return phrase(gettext_noop("not yet designated"))
    if value not in Severity.values:
        return str(value)
    return label_phrase(Severity(value).label)


def label_phrase(label: Any) -> Phrase:
    """A choice's label (lazy, `gettext_lazy`), said in the reader's language."""
    with translation.override(None):  # no catalogue: the label's msgid, its English
        return phrase(str(label))


def name_of(user: User | None) -> str:
    if user is None:
        return "Accord"
    return user.get_full_name() or user.email
