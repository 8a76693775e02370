"""`accord.core.prepared`: a query compiled once answers exactly what the ORM answers, related
objects, times and JSON included, in one statement, for every value it is called with."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accord.accounts.models import ApiToken, Contract
from accord.accounts.services import issue_token
from accord.core.prepared import Prepared
from accord.helpdesk.models import Ticket


def columns(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_the_same_objects_as_the_orm(world: Any) -> None:
    people = (world.acme_reporter, world.agent)
    tokens = [issue_token(user=person, name="t")[0] for person in people]
    ApiToken.objects.filter(pk=tokens[0].pk).update(last_used_at=tokens[0].created_at)
    by_prefix = Prepared(
        lambda prefix: ApiToken.objects.select_related("user__organisation__region").filter(
            prefix=prefix
        ),
        "stand-in: prefix",
    )
    for token in tokens:
        with CaptureQueriesContext(connection) as queries:
            (found,) = by_prefix(token.prefix)
            organisation = found.user.organisation
            region = organisation.region if organisation is not None else None
        assert len(queries) == 1  # the user, organisation and region came with the token
        orm = ApiToken.objects.select_related("user__organisation__region").get(pk=token.pk)
        assert columns(found) == columns(orm)
        assert columns(found.user) == columns(orm.user)
        if orm.user.organisation is None:
            assert organisation is None  # staff: no organisation, a LEFT OUTER JOIN
        else:
            assert columns(organisation) == columns(orm.user.organisation)
            assert columns(region) == columns(orm.user.organisation.region)
        assert found._state.adding is False and found._state.db == "default"
    assert by_prefix("nope") == []


def test_json_and_decimal_columns_are_decoded(world: Any) -> None:
    contract_of = Prepared(
        lambda organisation_id: Contract.objects.filter(organisation_id=organisation_id), -42
    )
    (found,) = contract_of(world.acme.pk)
    orm = Contract.objects.get(organisation=world.acme)
    assert columns(found) == columns(orm)
    assert isinstance(found.policy_data, dict)
    assert found.terms == orm.terms


def test_a_stand_in_must_be_one_parameter_of_the_query(world: Any) -> None:
    absent = Prepared(lambda slug: Ticket.objects.filter(summary="x"), "stand-in")
    with pytest.raises(ValueError, match="not one parameter"):
        absent("y")
    twice = Prepared(lambda s: Ticket.objects.filter(summary=s, description=s), "stand-in")
    with pytest.raises(ValueError, match="not one parameter"):
        twice("y")


def test_a_create_is_eight_queries_whoever_is_told(api: Any, world: Any) -> None:
    """The token, the Idempotency-Key, the module, the contract, then (between BEGIN and
    COMMIT) the ticket, its event, its jobs (clock jobs and the notice's, in one insert) and
    the key: the recipients and webhook endpoints are read by the worker that fans the notice
    out."""
    from accord.accounts.models import Role
    from accord.accounts.services import create_user
    from accord.work.models import WebhookEndpoint

    api.report(world.acme_reporter)  # the token's last_used_at is written once a minute
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert api.report(world.acme_reporter).status_code == 201
        sql = [q["sql"] for q in queries]
        transaction = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")  # tests: savepoints
        counts.append(len([q for q in sql if not q.startswith(transaction)]))
        create_user(email=f"agent{len(counts)}@vendor.test", role=Role.AGENT)
        WebhookEndpoint.objects.create(name="ops", url="http://127.0.0.1:9/", secret="s")
    assert counts == [8, 8]


# --- PreparedInsert -----------------------------------------------------------------------------


def stored(model: Any, pk: int) -> dict[str, Any]:
    """The row as the database holds it (no field decoding), every column but the key."""
    table, pk_column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT * FROM "{table}" WHERE "{pk_column}" = %s', [pk])
        names = [c[0] for c in cursor.description]
        (row,) = cursor.fetchall()
    return {name: value for name, value in zip(names, row, strict=True) if name != pk_column}


def state(obj: Any) -> tuple[Any, ...]:
    return (obj.pk is not None, obj._state.adding, obj._state.db)


def new_rows(world: Any, clock: Any) -> dict[str, Any]:
    """Builders of a new ticket, its event, a job and an Idempotency-Key, as a create makes
    them (auto_now_add, defaults, a JSON payload, times, blanks and nulls)."""
    from accord.helpdesk.models import EventKind, IdempotencyKey, TicketEvent
    from accord.work.models import Job

    def ticket() -> Ticket:
        return Ticket(
            organisation=world.acme,
            module=world.module,
            region=world.acme.region,
            summary="Release page is down",
            description="Nobody can open it.\nSince 9:00.",
            severity=2,
            channel="api",
            reported_by=world.acme_reporter,
            reported_at=clock.at,
            severity_in_force=2,
            target_seconds=14_400,
            standing="ok",
            due_at=clock.at,
            clock_computed_at=clock.at,
        )

    parent = ticket()
    parent.save()
    return {
        "ticket": ticket,
        "event": lambda: TicketEvent(
            ticket=parent,
            kind=EventKind.REPORTED,
            actor=world.acme_reporter,
            at=clock.at,
            severity=2,
            data={"note": "ünïcode", "n": [1, 2.5, None]},
        ),
        "key": lambda n: IdempotencyKey(
            user=world.acme_reporter, key=f"key-{n}", request_digest="d" * 64, ticket=parent
        ),
        "job": lambda key: Job(
            key=key, kind="notify", due_at=clock.at, ticket=parent, payload={"to": ["a", "b"]}
        ),
    }


def test_an_insert_writes_the_row_the_orm_writes(world: Any, clock: Any) -> None:
    """Ticket, event and Idempotency-Key: the same columns in the database, byte for byte
    (times as stored, JSON as encoded, auto_now_add and defaults filled), and the object left
    as a save leaves it."""
    from accord.core.prepared import PreparedInsert
    from accord.helpdesk.models import IdempotencyKey, TicketEvent

    build = new_rows(world, clock)
    keys = itertools.count()
    cases = [
        (PreparedInsert(Ticket), build["ticket"]),
        (PreparedInsert(TicketEvent, own_save_checked=True), build["event"]),
        (PreparedInsert(IdempotencyKey), lambda: build["key"](next(keys))),
    ]
    for inserter, make in cases:
        for _ in range(2):  # compiled on the first call, reused on the second
            orm, prepared = make(), make()
            orm.save(force_insert=True)
            with CaptureQueriesContext(connection) as queries:
                inserter.insert(prepared)
            assert len(queries) == 1
            assert prepared.pk == orm.pk + 1  # the key the database gave, set on the object
            assert state(prepared) == state(orm) == (True, False, "default")
            orm_row, prepared_row = stored(type(orm), orm.pk), stored(type(orm), prepared.pk)
            if isinstance(orm, IdempotencyKey):  # the one column that must differ
                assert (orm_row.pop("key"), prepared_row.pop("key")) == (orm.key, prepared.key)
            assert prepared_row == orm_row
            read = columns(type(orm).objects.get(pk=prepared.pk))
            assert read == {**columns(orm), "id": prepared.pk, **_key_of(prepared)}
            assert columns(prepared) == read


def _key_of(obj: Any) -> dict[str, Any]:
    return {"key": obj.key} if hasattr(obj, "request_digest") else {}


def test_jobs_inserted_ignoring_conflicts_as_bulk_create_does(world: Any, clock: Any) -> None:
    """The rows bulk_create(ignore_conflicts=True) writes; an existing key is skipped, not an
    error, and its row is left as it was."""
    from accord.core.prepared import PreparedInsert
    from accord.work.models import Job

    build = new_rows(world, clock)
    Job.objects.bulk_create([build["job"]("orm-1"), build["job"]("orm-2")], ignore_conflicts=True)
    inserter = PreparedInsert(Job)
    with CaptureQueriesContext(connection) as queries:
        inserter.insert_ignoring_conflicts([build["job"]("new-1"), build["job"]("new-2")])
    assert len(queries) == 1
    by_key = {job.key: job.pk for job in Job.objects.all()}
    for n in (1, 2):
        orm_row, prepared_row = stored(Job, by_key[f"orm-{n}"]), stored(Job, by_key[f"new-{n}"])
        assert orm_row.pop("key") == f"orm-{n}" and prepared_row.pop("key") == f"new-{n}"
        assert prepared_row == orm_row
    Job.objects.filter(key="new-1").update(state="done")
    again = [build["job"]("new-1"), build["job"]("new-3")]
    inserter.insert_ignoring_conflicts(again)
    assert sorted(Job.objects.values_list("key", "state")) == [
        ("new-1", "done"),
        ("new-2", "pending"),
        ("new-3", "pending"),
        ("orm-1", "pending"),
        ("orm-2", "pending"),
    ]
    assert [state(job) for job in again] == [(False, False, "default")] * 2  # as bulk_create's


def test_a_unique_key_taken_is_an_integrity_error(world: Any, clock: Any) -> None:
    from django.db import IntegrityError, transaction

    from accord.core.prepared import PreparedInsert
    from accord.helpdesk.models import IdempotencyKey

    build = new_rows(world, clock)
    inserter = PreparedInsert(IdempotencyKey)
    inserter.insert(build["key"](1))
    with pytest.raises(IntegrityError), transaction.atomic():
        inserter.insert(build["key"](1))
    assert IdempotencyKey.objects.count() == 1


def test_save_receivers_are_told(world: Any, clock: Any) -> None:
    """With a pre_save or post_save receiver connected for the model, the insert is the
    model's save(), so the receivers run as ever."""
    from django.db.models.signals import post_save, pre_save

    from accord.core.prepared import PreparedInsert

    build = new_rows(world, clock)
    heard = []

    def receiver(sender: Any, instance: Any, **kwargs: Any) -> None:
        heard.append((kwargs["signal"], instance, kwargs.get("created")))

    for signal in (pre_save, post_save):
        signal.connect(receiver, sender=Ticket)
        try:
            ticket = build["ticket"]()
            PreparedInsert(Ticket).insert(ticket)
        finally:
            signal.disconnect(receiver, sender=Ticket)
        assert heard.pop() == (signal, ticket, True if signal is post_save else None)
        assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_what_it_refuses(world: Any, clock: Any) -> None:
    from django.db.models.functions import Now

    from accord.core.prepared import PreparedInsert
    from accord.helpdesk.models import TicketEvent

    build = new_rows(world, clock)
    with pytest.raises(TypeError, match="own save"):
        PreparedInsert(TicketEvent)  # its save() must have been read: say so
    inserter = PreparedInsert(Ticket)
    saved = build["ticket"]()
    inserter.insert(saved)
    with pytest.raises(ValueError, match="primary key already"):
        inserter.insert(saved)  # not a new row (TicketEvent.save() refuses that too)
    timed = build["ticket"]()
    timed.reported_at = Now()
    with pytest.raises(ValueError, match="an expression"):
        inserter.insert(timed)
    with pytest.raises(TypeError, match="not a Ticket"):
        inserter.insert(build["event"]())
    unsaved = build["ticket"]()
    unsaved.reported_by = type(world.acme_reporter)(email="new@acme.test")
    with pytest.raises(ValueError, match="unsaved related object"):
        inserter.insert(unsaved)  # as save() refuses it
    assert Ticket.objects.count() == 2  # the fixture's and `saved`


def test_more_jobs_than_one_statement_takes_are_all_inserted(world: Any, clock: Any) -> None:
    """Past the database's limit on parameters (999 on SQLite: 83 jobs) the rows go in the
    ORM's batches; every one is written either way."""
    from accord.core.prepared import PreparedInsert
    from accord.work.models import Job

    build = new_rows(world, clock)
    PreparedInsert(Job).insert_ignoring_conflicts([build["job"](f"k{n}") for n in range(200)])
    assert Job.objects.count() == 200


def _prepared_statements() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's prepared statements")
def test_on_postgresql_the_statement_is_prepared_once_per_connection(world: Any) -> None:
    """From the fifth use on a connection (settings' prepare_threshold) PostgreSQL keeps the
    statement parsed and planned, and the answers are the ORM's; with ACCORD_DB_PREPARE=0
    (no prepare_threshold) the hot queries bind on the client like every other query."""
    token, _ = issue_token(user=world.acme_reporter, name="t")
    by_prefix = Prepared(
        lambda prefix: ApiToken.objects.filter(prefix=prefix, name="prepared-test"), "stand-in"
    )
    options = connection.settings_dict["OPTIONS"]
    assert options["prepare_threshold"] == 5
    ApiToken.objects.filter(pk=token.pk).update(name="prepared-test")
    before = _prepared_statements()
    for _ in range(6):
        (found,) = by_prefix(token.prefix)
        assert columns(found) == columns(ApiToken.objects.get(pk=token.pk))
    (ours,) = _prepared_statements() - before  # bound on the server: $1, $2, not literals
    assert 'FROM "accounts_apitoken"' in ours and '"accounts_apitoken"."prefix" = $2' in ours

    ApiToken.objects.filter(pk=token.pk).update(name="unprepared")
    unprepared = Prepared(
        lambda prefix: ApiToken.objects.filter(prefix=prefix, name="unprepared"), "stand-in"
    )
    before = _prepared_statements()
    saved = options.pop("prepare_threshold")
    try:
        for _ in range(6):
            (found,) = unprepared(token.prefix)
            assert found.pk == token.pk
    finally:
        options["prepare_threshold"] = saved
    assert _prepared_statements() == before
