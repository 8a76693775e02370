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
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)


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
        with connection.cursor() as cursor:
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
