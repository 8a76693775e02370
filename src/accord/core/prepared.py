"""Hot read queries compiled once per process instead of once per request.

Django's ORM builds and compiles a query's SQL every time it runs: for a filter on one column
that is 0.3-0.5 ms of CPU, for a four-table `select_related` over 1 ms, against a few
microseconds for SQLite to answer it. The API's every request makes such queries (the token
with its user, organisation and region; a create's Idempotency-Key and module), and at a few
hundred requests a second that compiling is a large share of the server's CPU.

`Prepared` takes a function building the queryset from its parameters. The first call on a
connection builds it with stand-in values, lets Django compile it (the same SQL as ever), and
keeps the SQL and Django's row decoding (the converters, the model of each column range, the
related-object populators of `select_related`); every call then only swaps the real values in
for the stand-ins, runs the SQL and decodes the rows as `QuerySet` iteration does. The query's
shape must not depend on the values: stand-ins that change the SQL are refused.

`PreparedInsert` does the same for a create's inserts (the ticket, its event, its jobs, its
Idempotency-Key): Django builds each INSERT anew, about 0.2 ms of CPU for a twenty-column row.
The SQL is compiled once per connection and shape (how many rows, whether conflicts are
ignored); each call takes the same steps per field as the ORM's insert (`pre_save` with
`add=True`, so `auto_now_add` and defaults hold, then `get_db_prep_save`), so the row written
is the ORM's.

On PostgreSQL both also prepare their statement on the server (`_cursor`, ACCORD_DB_PREPARE):
compiled once in this process, parsed and planned once in PostgreSQL's.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model, QuerySet, signals
from django.db.models.constants import OnConflict
from django.db.models.query import get_related_populators
from django.db.models.sql import InsertQuery
from django.db.models.sql.compiler import SQLCompiler, SQLInsertCompiler

M = TypeVar("M", bound=Model)


def _cursor(connection: BaseDatabaseWrapper) -> Any:
    """`connection.cursor()`, except on PostgreSQL with a `prepare_threshold` (the default,
    settings.py): there the cursor binds its parameters on the server, so psycopg prepares the
    statement once per connection and each later call sends only the values. PostgreSQL then
    neither parses nor plans the statement again: the token query's four-table join cost it
    about 1 ms of CPU a request to plan (docs/performance.md). Only these hot statements bind
    on the server; every other query keeps Django's client-side binding."""
    if (
        connection.vendor != "postgresql"
        or connection.settings_dict["OPTIONS"].get("prepare_threshold") is None
    ):
        return connection.cursor()
    from django.db.backends.postgresql import base as postgresql

    # What `connection.cursor()` does (health check, connection, error and debug wrappers),
    # with Django's server-binding cursor class instead of its client-binding one.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = postgresql.ServerBindingCursor(connection.connection)
        loader = connection.connection.adapters.get_loader(
            postgresql.TIMESTAMPTZ_OID, postgresql.Format.TEXT
        )
        if connection.timezone != loader.timezone:  # as Django's create_cursor
            postgresql.register_tzloader(connection.timezone, raw)
        return connection._prepare_cursor(raw)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]  # where each parameter goes in `params`
    compiler: SQLCompiler
    converters: dict[int, Any]
    model: type[Model]
    init_list: list[str]
    start: int
    end: int
    populators: list[Any]


class Prepared(Generic[M]):
    """`Prepared(build, *stand_ins)(*values)` is `list(build(*values))`, compiled once per
    connection. Each stand-in must appear once among the compiled query's parameters, as
    itself (pick values no real parameter takes, of the column's type)."""

    def __init__(self, build: Callable[..., QuerySet[M]], *stand_ins: Any) -> None:
        self.build = build
        self.stand_ins = stand_ins
        self._compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def _compile(self, queryset: QuerySet[M], connection: BaseDatabaseWrapper) -> _Compiled:
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = []
        for stand_in in self.stand_ins:
            found = [i for i, p in enumerate(params) if type(p) is type(stand_in) and p == stand_in]
            if len(found) != 1:
                raise ValueError(f"stand-in {stand_in!r} is not one parameter of {sql}")
            slots.append(found[0])
        klass_info = compiler.klass_info
        assert klass_info is not None and compiler.select is not None
        select = compiler.select
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Compiled(
            sql=sql,
            params=tuple(params),
            slots=tuple(slots),
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            model=klass_info["model"],
            init_list=[f[0].target.attname for f in select[start:end]],
            start=start,
            end=end,
            populators=get_related_populators(klass_info, select, queryset.db),
        )

    def __call__(self, *values: Any, using: str = "default") -> list[M]:
        connection = connections[using]
        compiled = self._compiled.get(connection)
        if compiled is None:
            queryset = self.build(*self.stand_ins)
            if queryset.db != using:
                raise ValueError(f"the query runs on {queryset.db!r}, not {using!r}")
            with self._lock:
                compiled = self._compiled[connection] = self._compile(queryset, connection)
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, values, strict=True):
            params[slot] = value
        with _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            rows: Any = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        found: list[M] = []
        for row in rows:
            obj = compiled.model.from_db(
                using, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            found.append(obj)  # type: ignore[arg-type]
        return found


@dataclass(frozen=True)
class _CompiledInsert:
    sql: str
    fields: tuple[Field[Any, Any], ...]
    returning: tuple[Field[Any, Any], ...]
    returning_params: tuple[Any, ...]
    by_column: bool  # PostgreSQL's bulk insert: one array of values per column (UNNEST)
    compiler: SQLInsertCompiler
    converters: dict[int, Any]


class PreparedInsert(Generic[M]):
    """New rows of `model`, inserted with SQL compiled once per connection and shape:

    - `insert(obj)` is `obj.save(force_insert=True)` for a new object (no primary key yet):
      the row, then the primary key set on `obj` and `obj._state` as after a save. If any
      `pre_save` or `post_save` receiver is connected for the model, it is that save.
    - `insert_ignoring_conflicts(objs)` is `Model.objects.bulk_create(objs,
      ignore_conflicts=True)`: one statement, rows whose unique key exists skipped, no primary
      keys set (as the ORM's; bulk_create sends no signals).

    A model whose class defines its own `save()` is refused unless `own_save_checked`: the
    caller has read that `save()` and it adds nothing to inserting a new object (the insert
    refuses an object that has a primary key). Values that are expressions (`F()`, `Now()`)
    are refused: they would change the SQL."""

    def __init__(self, model: type[M], *, own_save_checked: bool = False) -> None:
        if model.save is not Model.save and not own_save_checked:
            raise TypeError(f"{model.__name__} has its own save(): read it, then say so")
        if model._meta.parents or model._meta.proxy:
            raise TypeError(f"{model.__name__}: one table only (no inheritance, no proxy)")
        if model._meta.pk is not model._meta.auto_field:
            raise TypeError(f"{model.__name__}: the primary key must be an auto field")
        self.model = model
        self._compiled: weakref.WeakKeyDictionary[
            BaseDatabaseWrapper, dict[tuple[int, bool], _CompiledInsert]
        ] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def _fields(self) -> list[Field[Any, Any]]:
        """The columns of a new row: those of bulk_create and of Model._save_table for an
        object without a primary key (one table, so concrete and local concrete are one)."""
        meta = self.model._meta
        return [f for f in meta.concrete_fields if not f.generated and f is not meta.pk]

    def _get(self, objs: list[M], ignore_conflicts: bool, using: str) -> _CompiledInsert:
        connection = connections[using]
        shape = (len(objs), ignore_conflicts)
        compiled = self._compiled.get(connection, {}).get(shape)
        if compiled is not None:
            return compiled
        meta = self.model._meta
        fields = self._fields()
        returning: list[Field[Any, Any]] = []
        if not ignore_conflicts:
            returning = list(meta.db_returning_fields)
            if not connection.features.can_return_columns_from_insert:
                raise TypeError(f"{connection.vendor}: needs INSERT ... RETURNING")
        if any(getattr(f, "get_placeholder", None) for f in fields):
            raise TypeError(f"{self.model.__name__}: a field with a placeholder of its own")
        query = InsertQuery(self.model, on_conflict=OnConflict.IGNORE if ignore_conflicts else None)
        query.insert_values(fields, objs)
        # Django's own insert compiler, not the backend's: PostgreSQL's would send a multi-row
        # insert as one array per column (UNNEST), which psycopg dumps value by value in
        # Python; the rows of VALUES are the same rows, quoted in C.
        compiler = SQLInsertCompiler(query, connection, using=connection.alias)
        compiler.returning_fields = returning or None
        statements = compiler.as_sql()
        if len(statements) != 1:
            raise TypeError(f"{connection.vendor}: {len(objs)} rows are not one statement")
        ((sql, params),) = statements
        by_column = (
            len(objs) > 1
            and len(params) == len(fields)
            and all(isinstance(p, list) and len(p) == len(objs) for p in params)
        )
        if not by_column and len(params) != len(objs) * len(fields) + len(
            compiler.returning_params
        ):
            raise TypeError(f"{self.model.__name__}: a value is not one parameter of {sql}")
        compiled = _CompiledInsert(
            sql=sql,
            fields=tuple(fields),
            returning=tuple(returning),
            returning_params=tuple(compiler.returning_params),
            by_column=by_column,
            compiler=compiler,
            converters=compiler.get_converters([f.get_col(meta.db_table) for f in returning]),
        )
        with self._lock:
            self._compiled.setdefault(connection, {})[shape] = compiled
        return compiled

    def _params(self, compiled: _CompiledInsert, objs: list[M], using: str) -> list[Any]:
        connection = connections[using]
        rows = []
        for obj in objs:
            if obj.pk is not None:
                raise ValueError(f"{obj!r} has a primary key already: not a new row")
            row = []
            for field in compiled.fields:
                value = field.pre_save(obj, add=True)  # auto_now_add, as the ORM's insert
                if hasattr(value, "resolve_expression"):
                    raise ValueError(f"{field.name}: an expression, not a value")
                row.append(field.get_db_prep_save(value, connection=connection))
            rows.append(row)
        if compiled.by_column:
            return [list(column) for column in zip(*rows, strict=True)]
        return [value for row in rows for value in row] + list(compiled.returning_params)

    def insert(self, obj: M, *, using: str = "default") -> None:
        model = type(obj)
        if model is not self.model:
            raise TypeError(f"a {model.__name__}, not a {self.model.__name__}")
        if signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model):
            obj.save(force_insert=True, using=using)  # their receivers are told, as ever
            return
        obj._prepare_related_fields_for_save(operation_name="save")
        compiled = self._get([obj], False, using)
        params = self._params(compiled, [obj], using)
        connection = connections[using]
        with transaction.mark_for_rollback_on_error(using), _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
            rows: Any = [
                connection.ops.fetch_returned_insert_columns(cursor, compiled.returning_params)
            ]
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        for value, field in zip(next(iter(rows)), compiled.returning, strict=True):
            setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using

    def insert_ignoring_conflicts(self, objs: list[M], *, using: str = "default") -> None:
        if not objs:
            return
        connection = connections[using]
        if len(objs) > connection.ops.bulk_batch_size(self._fields(), objs):
            # More parameters than one statement takes: the ORM's batches.
            self.model._base_manager.using(using).bulk_create(objs, ignore_conflicts=True)
            return
        for obj in objs:
            if type(obj) is not self.model:
                raise TypeError(f"a {type(obj).__name__}, not a {self.model.__name__}")
            obj._prepare_related_fields_for_save(operation_name="bulk_create")
        compiled = self._get(objs, True, using)
        params = self._params(compiled, objs, using)
        with transaction.mark_for_rollback_on_error(using), _cursor(connection) as cursor:
            cursor.execute(compiled.sql, params)
        for obj in objs:
            obj._state.adding = False
            obj._state.db = using
