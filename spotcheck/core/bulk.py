"""Writing many rows of one model at once, set-based: COPY on PostgreSQL, one ``executemany``
INSERT elsewhere. Faster than ``bulk_create`` by far for the platform's large writes (the
tasks of a draw, its selection): no model instance per row, no statement per 2,000 rows.

``update_rows`` is its counterpart for rows that exist: many rows, each with its own values, in
one statement (``UPDATE … FROM unnest(arrays)``) on PostgreSQL. ``id_array`` and ``id_batches``
put many ids into one statement.

The rows carry the columns that vary (``fields``); the columns every row shares are given
once (``constants``); every other concrete column takes its field's default, and an
``auto_now``/``auto_now_add`` timestamp the moment of the call. A column with a database
default (``db_default``) that is not given is left to the database. No signals are sent
(like ``bulk_create``); the rows are inserted in the order given, so the primary keys follow
that order.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone


def _columns(model: type[models.Model], fields: Sequence[str],
             constants: Mapping[str, Any]) -> tuple[list[models.Field[Any, Any]], list[Any]]:
    """The given fields, then the constant and default columns with their (prepared) values."""
    meta = model._meta
    given: list[models.Field[Any, Any]] = [meta.get_field(f) for f in fields]  # type: ignore[misc]
    named = {f.name for f in given} | {f.attname for f in given}
    rest: list[models.Field[Any, Any]] = []
    values: list[Any] = []
    now = timezone.now()
    for f in meta.concrete_fields:
        if f.name in named or f.attname in named or f.primary_key:
            continue
        if f.name in constants or f.attname in constants:
            value = constants[f.name] if f.name in constants else constants[f.attname]
            if isinstance(value, models.Model):
                value = value.pk
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.db_default is not NOT_PROVIDED:
            continue
        elif f.has_default() and callable(f.default) and f.default not in (list, dict):
            # A default computed per row (a token, a fresh list) cannot be shared by the rows.
            raise ValueError(f"insert_rows: {meta.label}.{f.name} has a per-row default: give it in the rows")
        else:
            value = f.get_default()
        rest.append(f)
        values.append(f.get_db_prep_save(value, connection))
    return [*given, *rest], values


class Encoded(str):
    """A JSON value encoded once (``Encoded.of(value)``), for a value many rows share (the
    items of a plan on each notice of its tasks): ``insert_rows`` writes it as it is."""

    __slots__ = ()

    @classmethod
    def of(cls, value: Any) -> Encoded:
        return cls(json.dumps(value))


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *,
                constants: Mapping[str, Any] | None = None) -> None:
    """Insert ``rows`` (values of ``fields``, by name or attname; database-ready: ints,
    strings, dates, booleans, None, or what a JSON field holds, or that ``Encoded``) with
    ``constants`` in every row. No rows, no statement."""
    rows = iter(rows)
    first = next(rows, None)
    if first is None:
        return
    rows = itertools.chain((first,), rows)
    columns, shared = _columns(model, fields, constants or {})
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    if connection.vendor == "postgresql":
        shared_t = tuple(shared)
        # JSON columns go through their field (the JSON adapter); the rest are written as given.
        json_at = [(i, f) for i, f in enumerate(columns[:len(fields)])
                   if f.get_internal_type() == "JSONField"]
        with connection.cursor() as cursor, cursor.cursor.copy(
                f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                if json_at:
                    row = list(row)
                    for i, f in json_at:
                        if not isinstance(row[i], Encoded):
                            row[i] = f.get_db_prep_save(row[i], connection)
                copy.write_row((*row, *shared_t))
        return
    given = columns[:len(fields)]
    prepared = tuple(shared)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 (names from the model)
    batch: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append((*(v if isinstance(v, Encoded) else f.get_db_prep_save(v, connection)
                            for f, v in zip(given, row, strict=True)),
                          *prepared))
            if len(batch) >= 2000:
                cursor.executemany(sql, batch)
                batch.clear()
        if batch:
            cursor.executemany(sql, batch)


def id_array(ids: Iterable[int]) -> Any:
    """The right-hand side of ``filter(<integer field>__in=id_array(ids))``: on PostgreSQL one
    array parameter (``IN (SELECT unnest(%s::bigint[]))``), so that a statement over thousands
    of ids stays short to compile and to send; elsewhere the list itself."""
    from django.db.models.expressions import RawSQL

    values = [int(i) for i in ids]
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::bigint[])", [values])
    return values


def id_batches(ids: Sequence[int], size: int = 2000) -> Iterator[Sequence[int]]:
    """``ids`` in batches to filter on with ``id_array``: all in one on PostgreSQL (one array
    parameter, one statement however many), ``size`` at a time elsewhere (SQLite's limit on
    the parameters of a statement)."""
    if connection.vendor == "postgresql":
        if ids:
            yield ids
        return
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def update_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]], *,
                constants: Mapping[str, Any] | None = None) -> int:
    """Set, in each row of ``model`` whose primary key is a row's first value, ``fields`` to
    the row's other values (database-ready, as for ``insert_rows``; no JSON), and the
    ``constants`` columns alike in all. On PostgreSQL one ``UPDATE … FROM unnest(arrays)``;
    elsewhere one ``executemany``. Like ``QuerySet.update``: no signals, no ``auto_now``.
    Returns the rows updated (PostgreSQL) or given (elsewhere). No rows, no statement."""
    rows = list(rows)
    if not rows:
        return 0
    meta = model._meta
    quote = connection.ops.quote_name
    pk: models.Field[Any, Any] = meta.pk  # type: ignore[assignment]
    given: list[models.Field[Any, Any]] = [meta.get_field(f) for f in fields]  # type: ignore[misc]
    shared: list[tuple[models.Field[Any, Any], Any]] = [
        (meta.get_field(name), value.pk if isinstance(value, models.Model) else value)  # type: ignore[misc]
        for name, value in (constants or {}).items()]
    table = quote(meta.db_table)
    sets = [f"{quote(f.column)} = %s" for f, _ in shared]
    shared_values = [f.get_db_prep_save(v, connection) for f, v in shared]
    if connection.vendor == "postgresql":
        columns = [pk, *given]
        arrays = [f"%s::{f.db_type(connection)}[]" for f in columns]
        names = [f"c{i}" for i in range(len(columns))]
        sets += [f"{quote(f.column)} = v.{n}" for f, n in zip(given, names[1:], strict=True)]
        values = [list(c) for c in zip(*rows, strict=True)]
        # The key also as ``= ANY(array)``: the planner then reads the rows by the primary key
        # (a bitmap scan) instead of hashing the whole table to join the unnest to it.
        sql = (f"UPDATE {table} SET {', '.join(sets)} FROM unnest({', '.join(arrays)}) "  # noqa: S608 (names from the model)
               f"AS v({', '.join(names)}) WHERE {table}.{quote(pk.column)} = v.c0 "
               f"AND {table}.{quote(pk.column)} = ANY({arrays[0]})")
        with connection.cursor() as cursor:
            cursor.execute(sql, [*shared_values, *values, values[0]])
            return int(cursor.rowcount)
    sets += [f"{quote(f.column)} = %s" for f in given]
    sql = f"UPDATE {table} SET {', '.join(sets)} WHERE {quote(pk.column)} = %s"  # noqa: S608 (names from the model)
    with connection.cursor() as cursor:
        for i in range(0, len(rows), 2000):
            cursor.executemany(sql, [(*shared_values, *(f.get_db_prep_save(v, connection)
                                                        for f, v in zip(given, row[1:], strict=True)),
                                      row[0]) for row in rows[i:i + 2000]])
    return len(rows)
