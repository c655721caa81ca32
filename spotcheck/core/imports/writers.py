"""Writing a batch of clean rows into the target table: the ORM on SQLite, COPY on PostgreSQL.

On PostgreSQL new rows go straight into the table with ``COPY``, with primary keys taken
from the table's sequence beforehand (so related rows need no lookup), and updated rows are
copied into a temporary staging table and applied with one ``UPDATE ... FROM``; a column the
row leaves blank (``None``) keeps its current value (``COALESCE``). A unique violation
(another import inserted the same key meanwhile) rolls the batch back and the engine retries
it, so keys are never doubled. A first load skips the lookup (``PostgresWriter.apply``).
(Measured: a staging table with ``INSERT ... ON CONFLICT``
costs more per row than this lookup plus a plain COPY, because a speculative insertion is
dearer than a COPY row.)

SQL here is built from model metadata (table and column names), never from file content,
which only travels as COPY data or query parameters.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.db.models import NOT_PROVIDED
from django.utils import timezone

from spotcheck.core.imports.models import ImportMode
from spotcheck.core.imports.rows import PK_COLUMN, CleanFrame, CleanRow, Rejected


@dataclass(frozen=True)
class Existing:
    pk: int
    import_job_id: int | None
    import_row: int | None


def _concrete(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _has_db_default(f: models.Field) -> bool:
    return f.db_default is not NOT_PROVIDED


def _is_auto_time(f: models.Field) -> bool:
    return bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))


def _default(f: models.Field, now: dt.datetime) -> Any:
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return now if isinstance(f, models.DateTimeField) else now.date()
    return f.get_default()


@dataclass
class Outcome:
    """What a batch did: (pk, row) inserted (pk None when not needed or a dry run),
    (pk, row) updated, and the rows refused by the mode or as duplicates."""

    inserted: list[tuple[int | None, CleanRow]]
    updated: list[tuple[int, CleanRow]]
    rejected: list[Rejected]
    # Rows of a clean frame COPYed as they were: counted, not listed, except those with
    # related data (with their new primary keys, for ``ImportSpec.write_related_frame``).
    frame_inserted: int = 0
    frame_related: CleanFrame | None = None


def duplicate(row: CleanRow, first_row: int | None, key_header: str) -> Rejected:
    message = f"与第 {first_row} 行重复（{row.key}），以第 {first_row} 行为准"
    return Rejected(row.row, row.key, [(key_header, message)])


def classify(rows: Sequence[CleanRow], existing: dict[str, Existing], *, mode: str, job_id: int,
             key_header: str) -> tuple[list[CleanRow], list[tuple[Existing, CleanRow]], list[Rejected]]:
    """Insert, update or refuse each row (already unique within the batch) by what exists:
    a key written by an earlier row of the same job is a duplicate in the file."""
    inserts: list[CleanRow] = []
    updates: list[tuple[Existing, CleanRow]] = []
    rejects: list[Rejected] = []
    for r in rows:
        ex = existing.get(r.key)
        if ex is not None and ex.import_job_id == job_id:
            rejects.append(duplicate(r, ex.import_row, key_header))
        elif ex is not None:
            if mode == ImportMode.INSERT:
                message = f"{r.key} 已存在；本次为“仅新增”方式，不更新已有数据"
                rejects.append(Rejected(r.row, r.key, [(key_header, message)]))
            else:
                updates.append((ex, r))
        elif mode == ImportMode.UPDATE:
            message = f"{r.key} 不存在；本次为“仅更新”方式，不新增数据"
            rejects.append(Rejected(r.row, r.key, [(key_header, message)]))
        else:
            inserts.append(r)
    return inserts, updates, rejects


class Writer:
    """The ORM writer (any database)."""

    def __init__(self, model: type[models.Model], key_field: str) -> None:
        self.model = model
        self.key_field = key_field
        self.fields = _concrete(model)

    def begin_batch(self) -> None:
        """Called first in each batch's transaction."""

    def apply(self, rows: Sequence[CleanRow], *, mode: str, job_id: int, dry_run: bool,
              key_header: str, frame: CleanFrame | None = None) -> Outcome:
        """Write the batch's rows by mode (or only classify them in a dry run). Rows of a
        clean frame are taken one by one here, like the others."""
        if frame is not None and frame.height:
            rows = sorted([*rows, *frame.rows()], key=lambda r: r.row)
        existing = self.existing([r.key for r in rows]) if rows else {}
        inserts, updates, rejects = classify(rows, existing, mode=mode, job_id=job_id, key_header=key_header)
        if dry_run:
            return Outcome([(None, r) for r in inserts], [(e.pk, r) for e, r in updates], rejects)
        ids = self.insert(inserts, job_id)
        self.update(updates, job_id)
        return Outcome(list(zip(ids, inserts, strict=True)), [(e.pk, r) for e, r in updates], rejects)

    def existing(self, keys: Sequence[str]) -> dict[str, Existing]:
        rows = self.model._default_manager.filter(**{f"{self.key_field}__in": list(keys)}).values_list(
            self.key_field, "pk", "import_job_id", "import_row")
        return {k: Existing(pk, job, row) for k, pk, job, row in rows}

    def _insert_values(self, row: CleanRow, job_id: int, now: dt.datetime) -> dict[str, Any]:
        values = {}
        for f in self.fields:
            v = row.values.get(f.attname)
            values[f.attname] = _default(f, now) if v is None else v
        values["import_job_id"] = job_id
        values["import_row"] = row.row
        return values

    def insert(self, rows: Sequence[CleanRow], job_id: int) -> list[int | None]:
        now = timezone.now()
        objs = [self.model(**self._insert_values(r, job_id, now)) for r in rows]
        self.model._default_manager.bulk_create(objs, batch_size=500)
        return [o.pk for o in objs]

    def update(self, pairs: Sequence[tuple[Existing, CleanRow]], job_id: int) -> None:
        if not pairs:
            return
        now = timezone.now()
        objs = self.model._default_manager.in_bulk([e.pk for e, _ in pairs])
        names: set[str] = {"import_job_id", "import_row"}
        changed = []
        for existing, row in pairs:
            obj = objs[existing.pk]
            for name, value in row.values.items():
                if value is not None:
                    setattr(obj, name, value)
                    names.add(name)
            for f in self.fields:
                if getattr(f, "auto_now", False):
                    setattr(obj, f.attname, now)
                    names.add(f.attname)
            obj.import_job_id = job_id  # type: ignore[attr-defined]
            obj.import_row = row.row  # type: ignore[attr-defined]
            changed.append(obj)
        field_names = [self.model._meta.get_field(n).name for n in names if n != self.key_field]
        self.model._default_manager.bulk_update(changed, field_names, batch_size=500)

    def prepare_frame(self, frame: CleanFrame, job_id: int) -> None:
        """Work on a clean frame that can be done before the batch's transaction."""

    def bulk_insert(self, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
        """Plain rows of another table (related data), e.g. many-to-many links."""
        model._default_manager.bulk_create([model(**r) for r in rows], batch_size=1000)

    def delete_where_in(self, model: type[models.Model], column: str, values: Sequence[Any]) -> None:
        if values:
            model._default_manager.filter(**{f"{column}__in": list(values)}).delete()

    def insert_frame_rows(self, model: type[models.Model], frame: Any) -> None:
        """Plain rows of another table given as a polars DataFrame of attname columns."""
        self.bulk_insert(model, frame.to_dicts())


# --- PostgreSQL -------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
NULL = "\\N"
# A first load's related rows are written when this much COPY text has gathered.
PENDING_BYTES = 8 * 1024 * 1024


def _kind(f: models.Field) -> str:
    if isinstance(f, models.BinaryField):
        return "bytea"
    if isinstance(f, models.BooleanField):
        return "bool"
    if isinstance(f, models.DateField | models.DateTimeField | models.TimeField):
        return "iso"
    if isinstance(f, models.JSONField):
        # The COPY text format would need JSON escaping we do not do: keep list fields as text.
        raise ImproperlyConfigured(f"导入不支持 JSON 列 {f.name}（COPY 不写 JSON）：请改用文本列。")
    return "text"


def _one(kind: str, v: Any) -> str:
    return _column(kind, [v], NULL)[0]


def _column(kind: str, col: list[Any], none_text: str) -> list[str]:
    """One column of a batch in COPY text format. Column-wise on purpose: one tight list
    comprehension per column costs a fraction of a function call per value."""
    if kind == "bytea":
        return [none_text if v is None else "\\\\x" + bytes(v).hex() for v in col]
    if kind == "bool":
        return [none_text if v is None else ("t" if v else "f") for v in col]
    if kind == "iso":
        return [none_text if v is None else v.isoformat() if hasattr(v, "isoformat") else str(v)
                for v in col]
    out = [none_text if v is None else v if v.__class__ is str else str(v) for v in col]
    probe = "".join([v for v in col if v.__class__ is str])
    if "\\" in probe or "\t" in probe or "\n" in probe or "\r" in probe:
        out = [none_text if v is None else (v if v.__class__ is str else str(v)).translate(_ESCAPES)
               for v in col]
    return out


class PostgresWriter(Writer):
    """COPY-based writer: new rows straight into the table, updates through a staging table."""

    def __init__(self, model: type[models.Model], key_field: str) -> None:
        super().__init__(model, key_field)
        self.table = model._meta.db_table
        self.key_column = model._meta.get_field(key_field).column  # type: ignore[union-attr]
        self.pk_column = model._meta.pk.column  # type: ignore[union-attr]
        self.kinds = [_kind(f) for f in self.fields]
        self.stage = f"_stage_{self.table}"
        self.optimistic = True
        self.sequence: str | None = None
        # A first load (``bulk``: the table was empty, its keys and indexes are dropped until the
        # end, ``bulk_begin``): no key can exist, and rows need not go in key order.
        self.bulk = False
        self.dropped: list[tuple[str, str, str, str]] = []
        self.block: range = range(0)  # ids drawn for a first load, not yet used
        # A first load's related rows, as COPY text per table, written a few MB at a time
        self.pending: dict[tuple[str, tuple[str, ...]], list[bytes]] = {}

    def apply(self, rows: Sequence[CleanRow], *, mode: str, job_id: int, dry_run: bool,
              key_header: str, frame: CleanFrame | None = None) -> Outcome:
        """While batches bring only new keys (a first load), COPY them straight in under a
        savepoint, without looking every key up first; the unique index refuses a key that
        exists, and that batch (and the rest of the file) takes the lookup path. A clean
        frame is COPYed as it is, without a Python object per row."""
        has_frame = frame is not None and frame.height > 0
        if self.optimistic and (rows or has_frame) and not dry_run and mode != ImportMode.UPDATE:
            try:
                with contextlib.nullcontext() if self.bulk else transaction.atomic():
                    ids = self.insert(rows, job_id)
                    count, related = 0, None
                    if frame is not None and has_frame:
                        count = frame.height
                        related = self.insert_frame(frame, job_id)
                return Outcome(list(zip(ids, rows, strict=True)), [], [], frame_inserted=count,
                               frame_related=related)
            except IntegrityError:
                if self.bulk:
                    raise  # no unique index to have refused a key: a real fault
                self.optimistic = False
        return super().apply(rows, mode=mode, job_id=job_id, dry_run=dry_run, key_header=key_header,
                             frame=frame)

    def reserve_ids(self, n: int) -> range | list[int]:
        """``n`` new primary keys from the table's sequence, so that new rows are written
        with their ids (no lookup by key afterwards). A batch rolled back leaves a gap, as
        any failed insert does. In a first load the table is locked against every other
        writer (an insert, or this method, which holds a row-exclusive lock while it draws),
        so its ids come from one block drawn when it begins (``bulk_begin``); otherwise they
        are drawn one by one and usually come out consecutive."""
        if not n:
            return []
        if self.bulk:
            if len(self.block) < n:  # the load's block is used up
                with connection.cursor() as cursor:
                    self.block = self._draw_block(cursor, n)
            ids, self.block = self.block[:n], self.block[n:]
            return ids
        with transaction.atomic(), connection.cursor() as cursor:
            sequence = self._sequence(cursor)
            cursor.execute(f"LOCK TABLE {self.table} IN ROW EXCLUSIVE MODE")
            cursor.execute("SELECT min(v), max(v) FROM (SELECT nextval(%s::regclass) AS v "
                           "FROM generate_series(1, %s)) AS s", [sequence, n])
            low, high = cursor.fetchone()
            if high - low + 1 == n:
                return range(low, high + 1)
            # another session drew ids meanwhile: ours are not one block; draw a list
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, n])
            return [r[0] for r in cursor.fetchall()]

    def _sequence(self, cursor: Any) -> str:
        """The name of the sequence of the table's primary key (looked up once)."""
        if self.sequence is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [self.table, self.pk_column])
            self.sequence = cursor.fetchone()[0]
        return self.sequence

    def _draw_block(self, cursor: Any, n: int) -> range:
        """``n`` consecutive ids in one statement (the table is locked against every other
        writer in a first load; ids drawn by a direct call of ``nextval`` are not ours)."""
        sequence = self._sequence(cursor)
        cursor.execute("SELECT setval(%s::regclass, nextval(%s::regclass) + %s - 1)", [sequence, sequence, n])
        last = cursor.fetchone()[0]
        return range(last - n + 1, last + 1)

    def insert_frame(self, frame: CleanFrame, job_id: int) -> CleanFrame | None:
        """COPY a clean frame; its rows with related data, with their new primary keys."""
        if PK_COLUMN not in frame.frame.columns:
            self.prepare_frame(frame, job_id)
        text = (frame.text if frame.text is not None
                else self.frame_text(frame.frame, job_id, backslashes=frame.backslashes))
        self._copy_text(self.table, [self.pk_column, *[f.column for f in self._insert_fields()]], text)
        return frame.related()

    # --- a first load: secondary indexes dropped, rebuilt once at the end -----------------

    def bulk_begin(self, related: Sequence[type[models.Model]] = (), *, rows: int = 0) -> bool:
        """In the writer's open transaction: lock the table, the tables its related data goes
        to and the tables whose foreign keys point at it, and if the first two are empty
        drop their constraints, foreign keys and secondary indexes, the table's primary key
        and the foreign keys pointing at it (the referencing tables hold no row that points
        at an empty table), remembering the definitions for ``bulk_restore``; then draw the
        ids of ``rows`` rows as one block. False (nothing changed) when a table holds rows
        or a constraint cannot be dropped."""
        tables = [self.table, *[m._meta.db_table for m in related]]
        dropped: list[tuple[str, str, str, str]] = []  # (table, kind, name, definition)
        with connection.cursor() as cursor:
            cursor.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                           "FROM pg_constraint WHERE confrelid = %s::regclass AND contype = 'f' "
                           "AND conrelid <> ALL(%s::regclass[]) ORDER BY 1, 2", [self.table, tables])
            pointing = cursor.fetchall()
            locked = [*tables, *sorted({table for table, _, _ in pointing} - set(tables))]
            cursor.execute(f"LOCK TABLE {', '.join(locked)} IN ACCESS EXCLUSIVE MODE")
            for table in tables:
                cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})")  # noqa: S608
                if cursor.fetchone()[0]:
                    return False
            dropped += [(table, "f", name, definition) for table, name, definition in pointing]
            for table in tables:
                # the primary key of the loaded table only (a related table's is cheap to keep)
                cursor.execute("SELECT contype, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                               "WHERE conrelid = %s::regclass AND (contype IN ('f', 'u', 'x') "
                               "OR contype = 'p' AND %s) ORDER BY contype = 'f' DESC, conname",
                               [table, table == self.table])
                dropped += [(table, kind, name, definition) for kind, name, definition in cursor.fetchall()]
            for table in tables:
                cursor.execute("SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) "
                               "FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                               "AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                               "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) ORDER BY 1",
                               [table])
                dropped += [(table, "i", name, definition) for name, definition in cursor.fetchall()]
        # every foreign key before the keys it depends on
        dropped.sort(key=lambda d: d[1] != "f")
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                for table, kind, name, _ in dropped:
                    cursor.execute(f"DROP INDEX {name}" if kind == "i"
                                   else f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        except DatabaseError:
            return False
        self.dropped = dropped
        self.bulk = True
        self.begin_batch()  # once for the whole load
        if rows > 0:
            with connection.cursor() as cursor:
                self.block = self._draw_block(cursor, rows)
        return True

    def bulk_duplicates(self) -> dict[str, list[tuple[int, int]]]:
        """Keys written more than once in this load: key → [(pk, file row)] in row order."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {self.key_column}, array_agg({self.pk_column} ORDER BY import_row), "  # noqa: S608
                f"array_agg(import_row ORDER BY import_row) FROM {self.table} "
                f"GROUP BY {self.key_column} HAVING count(*) > 1")
            return {k: list(zip(pks, rows, strict=True)) for k, pks, rows in cursor.fetchall()}

    def bulk_restore(self, *, primary: bool = False) -> None:
        """Build the dropped constraints and indexes again (an index is one sort of its table;
        a foreign key is checked by one query): the primary key alone (``primary``: its ids
        come from the sequence, so it cannot fail; built first, it serves the rest), or the
        rest. Raises ``IntegrityError`` while a unique key is still doubled."""
        self.bulk_flush()
        with connection.cursor() as cursor:
            # unique constraints and indexes first: a foreign key may need one
            for table, kind, name, definition in self.dropped:
                if kind != "f" and (kind == "p") == primary:
                    cursor.execute(definition if kind == "i"
                                   else f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            if primary:
                return
            # A foreign key is checked by one anti-join of the related rows (a few per cent of
            # the loaded ones) against the referenced table: probing its primary key beats
            # hashing all of it, which the planner, without statistics for the fresh
            # rows, would choose (measured, 45,000 tags against 1,000,000 entities).
            cursor.execute("SET LOCAL enable_hashjoin TO off")
            cursor.execute("SET LOCAL enable_mergejoin TO off")
            for table, kind, name, definition in self.dropped:
                if kind == "f":
                    cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            cursor.execute("SET LOCAL enable_hashjoin TO DEFAULT")
            cursor.execute("SET LOCAL enable_mergejoin TO DEFAULT")

    def begin_batch(self) -> None:
        # A batch commits with its checkpoint, so a commit lost in a server crash is simply
        # redone by the rerun: no need to wait for the WAL flush of every batch.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")

    def _copy(self, table: str, columns: Sequence[str], cols: list[list[str]]) -> None:
        if not cols or not cols[0]:
            return
        text = "\n".join(["\t".join(t) for t in zip(*cols, strict=True)]) + "\n"
        self._copy_text(table, columns, text.encode("utf-8"))

    def _copy_text(self, table: str, columns: Sequence[str], data: bytes) -> None:
        if not data:
            return
        sql = f'COPY {table} ({", ".join(columns)}) FROM STDIN'
        with connection.wrap_database_errors, connection.cursor() as cursor, \
                cursor.cursor.copy(sql) as copy:  # type: ignore[attr-defined]
            copy.write(data)

    def _insert_fields(self) -> list[models.Field]:
        """Columns a COPY of new rows fills: a timestamp with a database default is left to
        it (PostgreSQL parses a timestamp much slower than it evaluates ``now()``)."""
        return [f for f in self.fields if not (_has_db_default(f) and _is_auto_time(f))]

    def _columns(self, rows: Sequence[CleanRow], job_id: int, *, for_insert: bool) -> list[list[str]]:
        now = _one("iso", timezone.now())
        n = len(rows)
        cols: list[list[str]] = []
        fields = self._insert_fields() if for_insert else self.fields
        for f in fields:
            kind = self.kinds[self.fields.index(f)]
            name = f.attname
            if name == "import_job_id":
                cols.append([str(job_id)] * n)
            elif name == "import_row":
                cols.append([str(r.row) for r in rows])
            elif getattr(f, "auto_now", False) or (for_insert and getattr(f, "auto_now_add", False)):
                cols.append([now] * n)
            else:
                none_text = _one(kind, _default(f, timezone.now())) if for_insert else NULL
                cols.append(_column(kind, [r.values.get(name) for r in rows], none_text))
        return cols

    def prepare_frame(self, frame: CleanFrame, job_id: int) -> None:
        """Done by the reading thread while the writer is busy: the frame's new primary keys
        and its COPY text. Rows go in key order (the unique index takes a sorted batch at
        about two thirds of the cost of a random one, measured), except in a first load."""
        import polars as pl

        if frame.height:
            rows = frame.frame if self.bulk else frame.frame.sort("key")
            ids = self.reserve_ids(rows.height)
            column = (pl.int_range(ids.start, ids.stop, dtype=pl.Int64, eager=True).alias(PK_COLUMN)
                      if isinstance(ids, range) else pl.Series(PK_COLUMN, ids, dtype=pl.Int64))
            frame.frame = rows.with_columns(column)
            frame.text = self.frame_text(frame.frame, job_id, backslashes=frame.backslashes)

    def frame_text(self, frame: Any, job_id: int, *, backslashes: bool = True) -> bytes:
        """COPY text of a batch's rows checked column-wise (a polars DataFrame with a ``row``
        column, the new primary keys in ``PK_COLUMN`` and one column per model attname it
        sets, strings already in their final form, a ``bytea`` column as hex). Values were
        checked free of control characters; a backslash is escaped here (``backslashes``
        False: the values hold none)."""
        import polars as pl

        exprs = [pl.col(PK_COLUMN).cast(pl.String)]
        for f in self._insert_fields():
            name = f.attname
            if name == "import_job_id":
                exprs.append(pl.lit(str(job_id)).alias(name))
            elif name == "import_row":
                exprs.append(pl.col("row").cast(pl.String).alias(name))
            elif name in frame.columns:
                col = pl.col(name)
                dtype = frame.schema[name]
                if dtype == pl.String and isinstance(f, models.BinaryField):
                    col = pl.lit("\\\\x") + col
                elif dtype == pl.String and backslashes:
                    col = col.str.replace_all("\\", "\\\\", literal=True)
                elif dtype == pl.String:
                    pass
                else:
                    col = col.cast(pl.String)
                # None is "not given": the field's default, as for rows taken one by one
                exprs.append(col.fill_null(_one(_kind(f), _default(f, timezone.now()))).alias(name))
            else:
                exprs.append(pl.lit(_one(_kind(f), _default(f, timezone.now()))).alias(name))
        buf = io.BytesIO()
        frame.select(exprs).write_csv(buf, separator="\t", quote_style="never", null_value=NULL,
                                      include_header=False, line_terminator="\n")
        return buf.getvalue()

    def existing(self, keys: Sequence[str]) -> dict[str, Existing]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {self.key_column}, {self.pk_column}, import_job_id, import_row "  # noqa: S608
                f"FROM {self.table} WHERE {self.key_column} = ANY(%s)", [list(keys)])
            return {k: Existing(pk, job, row) for k, pk, job, row in cursor.fetchall()}

    def insert(self, rows: Sequence[CleanRow], job_id: int) -> list[int | None]:
        """COPY the rows with new primary keys from the sequence."""
        if not rows:
            return []
        ids = self.reserve_ids(len(rows))
        self._copy(self.table, [self.pk_column, *[f.column for f in self._insert_fields()]],
                   [[str(i) for i in ids], *self._columns(rows, job_id, for_insert=True)])
        return list(ids)

    def update(self, pairs: Sequence[tuple[Existing, CleanRow]], job_id: int) -> None:
        if not pairs:
            return
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {self.stage} ON COMMIT DELETE ROWS "  # noqa: S608
                           f"AS SELECT * FROM {self.table} WITH NO DATA")
        cols = [[str(e.pk) for e, _ in pairs],
                *self._columns([r for _, r in pairs], job_id, for_insert=False)]
        self._copy(self.stage, [self.pk_column, *[f.column for f in self.fields]], cols)
        sets = ", ".join(f"{f.column} = COALESCE(s.{f.column}, t.{f.column})" for f in self.fields
                         if f.attname != self.key_field and not getattr(f, "auto_now_add", False))
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {self.table} AS t SET {sets} FROM {self.stage} AS s "  # noqa: S608
                           f"WHERE t.{self.pk_column} = s.{self.pk_column}")
            cursor.execute(f"DELETE FROM {self.stage}")  # noqa: S608

    def bulk_insert(self, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        cols = [_column(_kind(f), [r.get(f.attname) for r in rows], NULL) for f in fields]
        self._copy(model._meta.db_table, [f.column for f in fields], cols)

    def insert_frame_rows(self, model: type[models.Model], frame: Any) -> None:
        """One COPY from a polars DataFrame of attname columns (numbers, or strings free of
        control characters and backslashes). In a first load the text is gathered and
        written a few MB at a time (a COPY per batch of a thousand rows costs more in
        statements than in rows), all of it before the keys are built (``bulk_restore``)."""
        if not frame.height:
            return
        fields: list[Any] = [model._meta.get_field(name) for name in frame.columns]
        buf = io.BytesIO()
        frame.write_csv(buf, separator="\t", quote_style="never", null_value=NULL, include_header=False,
                        line_terminator="\n")
        target = (model._meta.db_table, tuple(f.column for f in fields))
        if not self.bulk:
            self._copy_text(*target, buf.getvalue())
            return
        parts = self.pending.setdefault(target, [])
        parts.append(buf.getvalue())
        if sum(len(p) for p in parts) >= PENDING_BYTES:
            self.bulk_flush()

    def bulk_flush(self) -> None:
        """Write a first load's gathered related rows."""
        for (table, columns), parts in self.pending.items():
            if parts:
                self._copy_text(table, columns, b"".join(parts))
                parts.clear()

    def delete_where_in(self, model: type[models.Model], column: str, values: Sequence[Any]) -> None:
        if values:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} = ANY(%s)",  # noqa: S608
                               [list(values)])


def writer_for(model: type[models.Model], key_field: str) -> Writer:
    if connection.vendor == "postgresql":
        return PostgresWriter(model, key_field)
    return Writer(model, key_field)
