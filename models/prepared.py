"""SELECTs compiled once per app and process, then run with each call's values.

Peewee turns a query into SQL on every execution: for the ticket page's ticket (its ~50 columns,
joins and the scope's conditions) that costs more CPU than the database spends answering it.
`rows(key, build, *values)` builds `build(*sentinels)` once per app, process and key, compiles
it, finds where each sentinel landed in the parameters, and from then on runs the kept SQL with
`values` in those places, turning the rows into model instances with the query's own cursor
wrapper (joins included), exactly as iterating `build(*values)` would; a query of tuples has
its rows converted as peewee converts them, without calling the converters that give a value
of their own type back unchanged (`_TuplePlan`).

The rule for callers: `key` names everything that changes the query's shape (which conditions
it has, which tables it joins, a scope's kind); `build` uses its arguments only as SQL values,
never to decide the shape. The arguments' number and types are part of the key by themselves.

A query is prepared only when it is safe to: every value an int or a str (not bool, not None),
each sentinel found exactly once in the parameters and unchanged (so the field's conversion is
the identity for it), none of them written into the SQL text. Otherwise the key is remembered
as not preparable and every call compiles as peewee does. Each app keeps its own SQL (SQLite and
PostgreSQL differ, and tests run many apps in one process), compiled for the database object
the proxy holds; at most `LIMIT` keys.

A read by key (`keep_plan=True`: a ticket by its id, a ticket's documents, history and steps,
the session's user by its uniquifier; the best plan the same whatever the values) is also kept
by a pooled PostgreSQL connection: PREPAREd on the server the first time that connection runs
it, then EXECUTEd with the values. PostgreSQL then neither parses nor (after its fifth run, when
it settles on the generic plan) plans it again: the ticket page's five statements cost its
backend 0.11 ms instead of 0.82 ms. Not for a list's filters, whose best plan depends on the
values (a rare status wants another index than a common one), nor for a connection of one
request (unpooled: the PREPARE would be one statement more).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import weakref

from flask import current_app, has_app_context
from peewee import (
    DateTimeField,
    Field,
    ForeignKeyField,
    IntegerField,
    ModelTupleCursorWrapper,
    PostgresqlDatabase,
    ProgrammingError,
    _StringField,
)
from playhouse.pool import PooledDatabase

from models.db import database

_fromisoformat = dt.datetime.fromisoformat

EXTENSION = "desk_prepared_selects"
logger = logging.getLogger("desk.prepared")
LIMIT = 1024  # the ticket page's and the session's few shapes, and the lists' (filters x sorts)

# Values no real id or text takes: a sentinel found in the parameters came from an argument.
_INT_SENTINEL = -7_345_000_000_000_000
_STR_SENTINEL = "\x1fDesk-Prepared-Sentinel-{}\x1f"


# What a cursor wrapper holds of one result (the rest of its state, from `initialize`, depends
# only on the query and the SQL's columns: the same for every run of one prepared SQL).
_PER_RESULT = frozenset({"cursor", "count", "index", "initialized", "populated", "row_cache"})


def _unchanged_type(converter):
    """The type whose values `converter` (a field's `python_value`) gives back unchanged, None
    as well, or None when it may change any value: an integer field's for an `int` (not a
    bool), a text field's for a `str`, a foreign key's as its target field's."""
    field = getattr(converter, "__self__", None)
    func = getattr(converter, "__func__", None)
    if isinstance(field, ForeignKeyField) and func is ForeignKeyField.python_value:
        return _unchanged_type(field.rel_field.python_value)
    if not isinstance(field, Field) or func is not Field.python_value:
        return None
    adapt = type(field).adapt
    return int if adapt is IntegerField.adapt else str if adapt is _StringField.adapt else None


def _is_datetime(converter) -> bool:
    """Whether `converter` is a plain `DateTimeField`'s: a text it reads is converted by
    `datetime.fromisoformat` (peewee's `format_date_time` tries that first), anything else
    is given back unchanged."""
    field = getattr(converter, "__self__", None)
    return (
        isinstance(field, DateTimeField)
        and getattr(converter, "__func__", None) is Field.python_value
        and type(field).adapt is DateTimeField.adapt
    )


class _TuplePlan:
    """How a tuple query's rows are converted, as peewee's `ModelTupleCursorWrapper` converts
    them, calling only the converters that can change a value: a row of a list has sixteen
    columns, three of which (dates, a flag) need converting. A date and time that SQLite
    gives as text is read by `datetime.fromisoformat` directly (peewee's own first try,
    without its four calls around it); a text it refuses goes to peewee's converter."""

    __slots__ = ("checked", "always", "datetimes")

    def __init__(self, converters):
        self.checked, self.always, self.datetimes = [], [], []
        for index, converter in enumerate(converters):
            if converter is None:
                continue
            if _is_datetime(converter):
                self.datetimes.append((index, converter))
                continue
            same = _unchanged_type(converter)
            if same is None:
                self.always.append((index, converter))
            else:
                self.checked.append((index, converter, same))

    def rows(self, cursor) -> list:
        """The cursor's rows, converted."""
        checked, always, datetimes = self.checked, self.always, self.datetimes
        found = []
        for row in cursor.fetchall():
            row = list(row)
            for index, converter, same in checked:
                value = row[index]
                if value is not None and type(value) is not same:
                    row[index] = converter(value)
            for index, converter in always:
                row[index] = converter(row[index])
            for index, converter in datetimes:
                value = row[index]
                if type(value) is str:
                    try:
                        row[index] = _fromisoformat(value)
                    except ValueError:
                        row[index] = converter(value)
            found.append(tuple(row))
        cursor.close()  # as peewee's cursor wrapper does at the end of its rows
        return found


# The statements each pooled PostgreSQL connection has PREPAREd (by name): a connection the
# pool closes takes its own with it.
_ON_SERVER: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class _ServerStatement:
    """A statement PREPAREd by each pooled PostgreSQL connection that runs it: its name (from
    its SQL: the same SQL, the same statement), the PREPARE and the EXECUTE."""

    __slots__ = ("name", "prepare", "execute")

    def __init__(self, sql: str, count: int):
        self.name = "desk_" + hashlib.sha1(sql.encode()).hexdigest()[:20]
        pieces = sql.split("%s")
        numbered = pieces[0] + "".join(f"${n}{piece}" for n, piece in enumerate(pieces[1:], 1))
        self.prepare = f"PREPARE {self.name} AS {numbered}"
        self.execute = f"EXECUTE {self.name}" + (f"({', '.join(['%s'] * count)})" if count else "")

    @classmethod
    def of(cls, database_obj, sql: str, params) -> _ServerStatement | None:
        """The server statement for `sql`, or None where one cannot be kept: not a pooled
        PostgreSQL database, or SQL whose text holds another `%` or a `$` (its placeholders
        could not be numbered safely)."""
        if not (
            isinstance(database_obj, PooledDatabase)
            and isinstance(database_obj, PostgresqlDatabase)
        ):
            return None
        if "$" in sql or sql.count("%") != sql.count("%s") or sql.count("%s") != len(params):
            return None
        return cls(sql, len(params))

    def run(self, params):
        """EXECUTE it on the request's connection, PREPAREd first if that connection has not."""
        connection = database.connection()
        known = _ON_SERVER.get(connection)
        if known is None:
            known = _ON_SERVER[connection] = set()
        if self.name not in known:
            database.execute_sql(self.prepare)
            known.add(self.name)
        return database.execute_sql(self.execute, params)


class _Prepared:
    __slots__ = (
        "database",
        "query",
        "sql",
        "params",
        "slots",
        "wrapper_state",
        "tuple_plan",
        "server",
    )

    def __init__(self, database_obj, query, sql, params, slots, keep_plan=False):
        self.database = database_obj
        self.query = query  # built with sentinels: only its shape is used (the cursor wrapper)
        self.sql = sql
        self.params = params
        self.slots = slots  # (parameter position, argument index)
        self.wrapper_state = None
        self.tuple_plan = None
        self.server = _ServerStatement.of(database_obj, sql, params) if keep_plan else None

    def execute(self, values):
        params = list(self.params)
        for position, index in self.slots:
            params[position] = values[index]
        cursor = None
        if self.server is not None:
            try:
                cursor = self.server.run(params)
            except ProgrammingError:
                if database.in_transaction():
                    raise  # the transaction is aborted: the caller's error
                # a statement the server would not PREPARE (a parameter's type it cannot
                # infer, say): this key runs as plain SQL from now on; a lost connection
                # (OperationalError) is raised as it would be for plain SQL
                logger.warning("plain SQL for %s after a server statement failed", self.server.name)
                self.server = None
        if cursor is None:
            cursor = database.execute_sql(self.sql, params)
        if self.tuple_plan is not None:
            return self.tuple_plan.rows(cursor)
        wrapper = self.query._get_cursor_wrapper(cursor)
        state = self.wrapper_state
        if state is not None:
            # peewee's lazy `initialize` (each column's field, converter and model, the joins'
            # graph: as long as converting the rows) done once for this SQL
            wrapper.__dict__.update(state)
            wrapper.initialized = True
        found = list(wrapper)
        if state is None and wrapper.initialized:
            self.wrapper_state = {k: v for k, v in wrapper.__dict__.items() if k not in _PER_RESULT}
            if type(wrapper) is ModelTupleCursorWrapper:
                self.tuple_plan = _TuplePlan(wrapper.converters)
        return found


_NOT_PREPARABLE = object()


def _sentinel(index: int, value):
    if type(value) is int:
        return _INT_SENTINEL - 7919 * index
    if type(value) is str:
        return _STR_SENTINEL.format(index)
    return None


def _prepare(build, values, keep_plan=False):
    """The compiled form of `build(*values)`, or `_NOT_PREPARABLE` (see the module's rule)."""
    sentinels = [_sentinel(i, v) for i, v in enumerate(values)]
    if any(s is None for s in sentinels):
        return _NOT_PREPARABLE
    try:
        query = build(*sentinels)
        sql, params = query.sql()
    except (TypeError, ValueError):  # a conversion that refuses a sentinel: compile each time
        return _NOT_PREPARABLE
    if getattr(query, "_load_tree", None):  # with_related() reads more after the rows
        return _NOT_PREPARABLE
    slots = []
    for index, sentinel in enumerate(sentinels):
        found = [i for i, p in enumerate(params) if type(p) is type(sentinel) and p == sentinel]
        if len(found) != 1 or str(sentinel) in sql:
            return _NOT_PREPARABLE
        slots.append((found[0], index))
    return _Prepared(database.obj, query, sql, tuple(params), tuple(slots), keep_plan)


def rows(key, build, *values, keep_plan: bool = False) -> list:
    """The rows of `build(*values)` as a list (model instances, tuples, dicts: what the query
    gives), its SQL compiled once per app, process, database and `key` (see the module's rule:
    `key` must say everything that changes the query's shape). `keep_plan`: a read by key,
    kept by each pooled PostgreSQL connection (PREPARE, then EXECUTE: the module's rule)."""
    if not has_app_context():
        return list(build(*values))
    store = current_app.extensions.setdefault(EXTENSION, {})
    full_key = (key, tuple(type(v) for v in values))
    prepared = store.get(full_key)
    if prepared is None or (
        prepared is not _NOT_PREPARABLE and prepared.database is not database.obj
    ):
        if len(store) >= LIMIT:
            # the oldest key; a snapshot of the keys: another thread may add one meanwhile
            store.pop(next(iter(tuple(store)), None), None)
        prepared = store[full_key] = _prepare(build, values, keep_plan)
    if prepared is _NOT_PREPARABLE:
        return list(build(*values))
    return prepared.execute(values)


def first(key, build, *values, keep_plan: bool = False):
    """The first row of `build(*values)` (LIMIT 1) or None, as `rows` (peewee's `first()`)."""
    found = rows(("first", key), lambda *v: build(*v).limit(1), *values, keep_plan=keep_plan)
    return found[0] if found else None
