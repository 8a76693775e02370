"""`accord.core.prepared`: a query compiled once answers exactly what the ORM answers, related
objects, times and JSON included, in one statement, for every value it is called with."""

from __future__ import annotations

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
