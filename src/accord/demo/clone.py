"""Copies of a template customer's help-desk history, for the fleet (`accord.demo.fleet`).

A template customer's year is made through the help desk's services (`accord.demo.tickets`):
its tickets, their events, comments and clock jobs, and the incidents and customer-only outages
its confirmed total outages made. A copy gives another customer of the same region and contract
the same rows: every row of those tables read once as the database holds it, then written again
for each copy with its own primary keys (the template's shifted by an offset per table, so the
references between the copied rows stay those of the template), the copy's organisation and
people in place of the template's, and the few texts that name an id, the organisation or its
mail domain rewritten. So the copy's clocks, disputes, reports and credits are what the services
would have made of the same history for it (the money differs by the copy's fee).

The rows are inserted with `executemany` in the caller's transaction, at primary keys taken from
the tables' current maximum (the fleet is the only writer while it runs); PostgreSQL's sequences
are moved past them at the end (`reset_sequences`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection
from django.db.models import DateField, ForeignKey, JSONField, Model

from accord.accounts.models import Organisation, User
from accord.helpdesk.models import Comment, Ticket, TicketEvent
from accord.incidents.models import Incident, IncidentOutage, IncidentTicket, IncidentUpdate
from accord.monitoring.models import Outage
from accord.work.models import Job

# The tables a customer's history fills, in an order that inserts every referenced row first.
MODELS: tuple[type[Model], ...] = (
    Ticket,
    TicketEvent,
    Comment,
    Job,
    Incident,
    IncidentUpdate,
    Outage,
    IncidentOutage,
    IncidentTicket,
)


def _where(model: type[Model]) -> str:
    """Which rows of `model` are the template's (`%s`: its organisation's id)."""
    q = connection.ops.quote_name
    tickets = f"SELECT id FROM {q(Ticket._meta.db_table)} WHERE organisation_id = %s"
    incidents = (
        f"SELECT incident_id FROM {q(IncidentTicket._meta.db_table)} WHERE ticket_id IN ({tickets})"
    )
    if model is Ticket or model is Outage:
        return "organisation_id = %s"
    if model in (TicketEvent, Comment, Job, IncidentTicket):
        return f"ticket_id IN ({tickets})"
    if model is Incident:
        return f"id IN ({incidents})"
    return f"incident_id IN ({incidents})"  # IncidentUpdate, IncidentOutage


@dataclass(frozen=True)
class Copy:
    """One customer a template's history is copied to."""

    organisation: int
    name: str
    slug: str
    people: dict[int, int]  # the template's person -> the copy's


@dataclass
class _Table:
    model: type[Model]
    columns: list[str]
    rows: list[list[Any]]
    first: int  # the template's lowest and highest primary key
    last: int
    # Per column: how a copy's value is made ("pk", "org", "person", a model's offset, ...).
    kinds: list[str] = field(default_factory=list)


class Template:
    """The rows of one template customer, read once; `copy` writes them for other customers."""

    def __init__(self, organisation: Organisation) -> None:
        self.organisation = organisation
        self.tables: list[_Table] = []
        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            for model in MODELS:
                fields = model._meta.concrete_fields
                columns = [f.column for f in fields]
                sql = (
                    f"SELECT {', '.join(_raw(f) for f in fields)} FROM {q(model._meta.db_table)} "
                    f"WHERE {_where(model)} ORDER BY {q(model._meta.pk.column)}"
                )
                cursor.execute(sql, [organisation.pk])
                rows = [list(row) for row in cursor.fetchall()]
                for index, f in enumerate(fields):
                    if isinstance(f, JSONField):  # as text, whatever the driver decodes
                        for row in rows:
                            row[index] = _json_text(row[index])
                ids = [row[0] for row in rows]
                table = _Table(model, columns, rows, min(ids, default=0), max(ids, default=-1))
                table.kinds = [_kind(f, model) for f in fields]
                self.tables.append(table)
        self._texts = _Texts(organisation, self.tables)

    @property
    def tickets(self) -> int:
        return len(self.tables[0].rows)

    def copy(self, copies: Sequence[Copy]) -> int:
        """Write the template's rows for each of `copies`; the number of rows written."""
        q = connection.ops.quote_name
        written = 0
        with connection.cursor() as cursor:
            offsets: list[dict[str, int]] = [{} for _ in copies]
            for table in self.tables:
                cursor.execute(
                    f"SELECT MAX({q(table.model._meta.pk.column)}) "
                    f"FROM {q(table.model._meta.db_table)}"
                )
                free = (cursor.fetchone()[0] or 0) + 1
                span = table.last - table.first + 1
                for number, of_copy in enumerate(offsets):
                    of_copy[table.model.__name__] = free + number * span - table.first
            for table in self.tables:
                if not table.rows:
                    continue
                sql = (
                    f"INSERT INTO {q(table.model._meta.db_table)} "
                    f"({', '.join(q(c) for c in table.columns)}) "
                    f"VALUES ({', '.join(['%s'] * len(table.columns))})"
                )
                rows: list[list[Any]] = []
                for target, of_copy in zip(copies, offsets, strict=True):
                    rows += self._rows(table, target, of_copy)
                cursor.executemany(sql, rows)
                written += len(rows)
        return written

    def _rows(self, table: _Table, target: Copy, offsets: dict[str, int]) -> list[list[Any]]:
        """The template's rows of `table` as the copy's: only the columns that change are
        made anew, each by its maker."""
        makers = [
            (index, make)
            for index, (column, kind) in enumerate(zip(table.columns, table.kinds, strict=True))
            if (make := self._maker(table.model, column, kind, target, offsets)) is not None
        ]
        rows = []
        for row in table.rows:
            new = row.copy()
            for index, make in makers:
                new[index] = make(new[index])
            rows.append(new)
        return rows

    def _maker(
        self, model: type[Model], column: str, kind: str, target: Copy, offsets: dict[str, int]
    ) -> Callable[[Any], Any] | None:
        """How a copy's value of `column` is made from the template's (None: the same)."""
        if kind == "pk":
            offset = offsets[model.__name__]
            return lambda value: value + offset
        if kind == "org":
            return lambda value: target.organisation
        if kind == "person":
            people = target.people
            return lambda value: people.get(value, value)
        if kind in offsets:  # a reference to a copied row
            offset = offsets[kind]
            return lambda value: None if value is None else value + offset
        return self._texts.maker(model, column, target, offsets)


def _raw(field: Any) -> str:
    """A column as selected: as the database stores it. (SQLite's driver would decode dates
    and times, only for them to be encoded again: an expression has no declared type, so the
    stored text comes back as it is.)"""
    column = connection.ops.quote_name(field.column)
    if connection.vendor == "sqlite" and isinstance(field, DateField):  # DateTimeField too
        return f"{column} || ''"
    return column


def _json_text(value: Any) -> Any:
    """A JSON column's value as text (a driver that decodes JSON gives a dict or a list)."""
    return value if value is None or isinstance(value, str) else json.dumps(value)


def _kind(field: Any, model: type[Model]) -> str:
    if field.primary_key:
        return "pk"
    if isinstance(field, ForeignKey):  # OneToOneField too
        target = field.related_model
        if target is Organisation:
            return "org"
        if target is User:
            return "person"
        if target in MODELS:
            return target.__name__
        return "same"  # the catalogue's modules and regions, the module-regions
    return "value"


# Ids inside the event data the services write: events they refer to, people by id.
_EVENT_KEYS = ("proposal", "contest", "restoration")
_PERSON_KEYS = ("proposed_by", "accepted_by", "rejected_by")
_NAMING_KEYS = (*_EVENT_KEYS, *_PERSON_KEYS)
_CONFIRMED = re.compile(
    r"^Confirmed as a total outage \((?P<scope>.*) only\): incident #(?P<id>\d+)"
)
_TICKET_KEY = re.compile(r"^ticket:(\d+)")
_REFERENCE = re.compile(r"^(ticket|incident):(\d+)$")


class _Texts:
    """The few columns whose text or data names an id, the organisation or its mail domain."""

    def __init__(self, organisation: Organisation, tables: list[_Table]) -> None:
        self.name = organisation.name
        self.domain = f"@{organisation.slug}.example"
        # The event data that names ids (most names none), and each job key's ticket id.
        self.naming_ids: set[Any] = set()
        self.job_keys: dict[str, tuple[int, str]] = {}
        for table in tables:
            if table.model is TicketEvent:
                data = table.columns.index("data")
                self.naming_ids = {
                    row[data]
                    for row in table.rows
                    if any(f'"{key}"' in row[data] for key in _NAMING_KEYS)
                }
            if table.model is Job:
                key = table.columns.index("key")
                for row in table.rows:
                    found = _TICKET_KEY.match(row[key])
                    assert found is not None, row[key]
                    self.job_keys[row[key]] = (int(found[1]), row[key][found.end() :])

    def maker(
        self, model: type[Model], column: str, target: Copy, offsets: dict[str, int]
    ) -> Callable[[Any], Any] | None:
        domain, name = f"@{target.slug}.example", target.name
        if column == "email_message_id":
            return lambda value: value.replace(self.domain, domain) if value else value
        if model is TicketEvent and column == "data":
            naming, offset, people = self.naming_ids, offsets["TicketEvent"], target.people
            return lambda value: _event_data(value, offset, people) if value in naming else value
        if model is Comment and column == "body":
            incident = offsets["Incident"]

            def body(value: str) -> str:
                found = _CONFIRMED.match(value)
                if found is None:
                    return value
                scope = name if found["scope"] == self.name else found["scope"]
                head = f"Confirmed as a total outage ({scope} only): incident "
                return head + f"#{int(found['id']) + incident}" + value[found.end() :]

            return body
        if model is Job and column == "key":
            ticket, keys = offsets["Ticket"], self.job_keys
            return lambda value: f"ticket:{keys[value][0] + ticket}{keys[value][1]}"
        if model is Outage and column == "reference":

            def reference(value: str) -> str:
                found = _REFERENCE.match(value)
                if found is None:
                    return value
                kind = "Ticket" if found[1] == "ticket" else "Incident"
                return f"{found[1]}:{int(found[2]) + offsets[kind]}"

            return reference
        return None


def _event_data(value: Any, event_offset: int, people: dict[int, int]) -> str:
    data = json.loads(value)
    for key in _EVENT_KEYS:
        if isinstance(data.get(key), int):
            data[key] += event_offset
    for key in _PERSON_KEYS:
        who = data.get(key)
        if isinstance(who, dict) and who.get("id") in people:
            data[key] = {**who, "id": people[who["id"]]}
    return json.dumps(data)


def reset_sequences() -> None:
    """PostgreSQL: move each table's id sequence past the ids the copies took (SQLite's
    AUTOINCREMENT follows the largest id by itself), and gather the tables' statistics.

    Without `ANALYZE` the planner knows the new rows' count but not their spread, and it
    read every ticket event to find one customer's (a seq scan of 6.7 M rows, 0.66 s, at
    10,000 customers), until autovacuum got round to it; 3 s here, once."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(MODELS))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        cursor.execute("ANALYZE")
