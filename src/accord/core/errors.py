"""Accord's one family of refusals: what a service raises when it will not do what was asked.

A refusal's message is written for the person who asked and starts with the field at fault
when there is one (`"reason: say why"`); `field` and `problem` are the two halves. The class
says why, and with it what each surface shows:

- `Refused`: not possible as asked (the API's 400); a form shows it beside `field`, or above;
- `NotPermitted`: not for this person, whatever the state (403);
- `StateConflict`: not in the current state of the thing, though it may be later (409);
- `Invalid`: a value that can never be right, naming the field (422).

The API maps the family once (`accord.api`), the pages once (`accord.core.forms`): a service
raises, no handler re-raises. `Immutable` is not a refusal but a bug: code tried to change or
delete an append-only row (nothing maps it; the API answers 500).

This module imports nothing of Accord: every layer may raise these.
"""

from __future__ import annotations

import re

# A field as messages name it: `reason`, `impacts[0].module`, `weekly.tue[1]`.
_FIELD = re.compile(r"[A-Za-z_][\w.\[\]]*")


class Refused(Exception):
    """Not allowed, or not possible as asked: the API's 400 (subclasses say more).

    `Refused("reason: say why")` and `Refused("say why", field="reason")` are the same
    refusal: `field` is "reason", `problem` is "say why", the message is "reason: say why".
    """

    def __init__(self, message: str = "", *, field: str = "") -> None:
        if field:
            problem = message
            message = f"{field}: {message}" if message else field
        else:
            field, problem = split_field(message)
        super().__init__(message)
        self.field = field
        self.problem = problem


class NotPermitted(Refused):
    """This person may not do this, whatever the state: the API's 403."""


class StateConflict(Refused):
    """The current state does not allow this (it may once the state changes): the API's 409."""


class Invalid(Refused):
    """A value that is wrong whatever the state, naming its field: the API's 422."""


class Immutable(Exception):
    """An append-only row was about to be changed or deleted: a bug, not a refusal (500)."""


def split_field(message: str) -> tuple[str, str]:
    """The field a message starts with and the rest; ("", message) when it names none."""
    head, sep, rest = message.partition(": ")
    if sep and rest and _FIELD.fullmatch(head):
        return head, rest
    return "", message
