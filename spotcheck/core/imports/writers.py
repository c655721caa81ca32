"""Writing a batch of clean rows into the target table: the ORM on SQLite, COPY on PostgreSQL.

On PostgreSQL new rows go straight into the table with ``COPY`` (their ids taken from the
table's sequence first, so that related rows can be written too), and updated rows are
copied into a temporary staging table and applied with one ``UPDATE ... FROM``; a column the
row leaves blank (``None``) keeps its current value (``COALESCE``). A unique violation
(another import inserted the same key meanwhile) rolls the batch back and the engine retries
it, so keys are never doubled.

SQL here is built from model metadata (table and column names), never from file content,
which only travels as COPY data or query parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models
from django.utils import timezone

from spotcheck.core.imports.spec import CleanRow


@dataclass(frozen=True)
class Existing:
    pk: int
    import_job_id: int | None
    import_row: int | None


def _concrete(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key]


def _default(f: models.Field, now: dt.datetime) -> Any:
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return now if isinstance(f, models.DateTimeField) else now.date()
    return f.get_default()


class Writer:
    """The ORM writer (any database)."""

    def __init__(self, model: type[models.Model], key_field: str) -> None:
        self.model = model
        self.key_field = key_field
        self.fields = _concrete(model)

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

    def insert(self, rows: Sequence[CleanRow], job_id: int) -> list[int]:
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

    def bulk_insert(self, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
        """Plain rows of another table (related data), e.g. many-to-many links."""
        model._default_manager.bulk_create([model(**r) for r in rows], batch_size=1000)

    def delete_where_in(self, model: type[models.Model], column: str, values: Sequence[Any]) -> None:
        if values:
            model._default_manager.filter(**{f"{column}__in": list(values)}).delete()


# --- PostgreSQL -------------------------------------------------------------------------

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _text(v: Any) -> str:
    s = v if isinstance(v, str) else str(v)
    if "\\" in s or "\t" in s or "\n" in s or "\r" in s:
        return s.translate(_ESCAPES)
    return s


def _bytea(v: Any) -> str:
    return "\\\\x" + bytes(v).hex()


def _bool(v: Any) -> str:
    return "t" if v else "f"


def _iso(v: Any) -> str:
    return v.isoformat() if hasattr(v, "isoformat") else _text(v)


def _formatter(f: models.Field) -> Any:
    if isinstance(f, models.BinaryField):
        return _bytea
    if isinstance(f, models.BooleanField):
        return _bool
    if isinstance(f, models.DateField | models.DateTimeField | models.TimeField):
        return _iso
    if isinstance(f, models.JSONField):
        raise NotImplementedError("JSON columns are not imported by COPY")
    return _text


class PostgresWriter(Writer):
    """COPY-based writer: new rows straight into the table, updates through a staging table."""

    def __init__(self, model: type[models.Model], key_field: str) -> None:
        super().__init__(model, key_field)
        self.table = model._meta.db_table
        self.key_column = model._meta.get_field(key_field).column  # type: ignore[union-attr]
        self.pk_column = model._meta.pk.column  # type: ignore[union-attr]
        self.formatters = [_formatter(f) for f in self.fields]
        self.stage = f"_stage_{self.table}"
        self._stage_ready = False

    def _line(self, values: Sequence[Any], formatters: Sequence[Any]) -> str:
        return "\t".join("\\N" if v is None else fmt(v) for v, fmt in zip(values, formatters, strict=True))

    def _copy(self, table: str, columns: Sequence[str], lines: list[str]) -> None:
        sql = f'COPY {table} ({", ".join(columns)}) FROM STDIN'
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:  # type: ignore[attr-defined]
            copy.write(("\n".join(lines) + "\n").encode("utf-8"))

    def existing(self, keys: Sequence[str]) -> dict[str, Existing]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {self.key_column}, {self.pk_column}, import_job_id, import_row "  # noqa: S608
                f"FROM {self.table} WHERE {self.key_column} = ANY(%s)", [list(keys)])
            return {k: Existing(pk, job, row) for k, pk, job, row in cursor.fetchall()}

    def insert(self, rows: Sequence[CleanRow], job_id: int) -> list[int]:
        if not rows:
            return []
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [self.table, self.pk_column, len(rows)])
            ids = [r[0] for r in cursor.fetchall()]
        now = timezone.now()
        defaults = [_default(f, now) for f in self.fields]
        attnames = [f.attname for f in self.fields]
        job_pos = 1 + attnames.index("import_job_id")
        row_pos = 1 + attnames.index("import_row")
        formatters = [str, *self.formatters]
        lines = []
        for pk, row in zip(ids, rows, strict=True):
            values = row.values
            vals: list[Any] = [pk]
            for name, default in zip(attnames, defaults, strict=True):
                v = values.get(name)
                vals.append(default if v is None else v)
            vals[job_pos] = job_id
            vals[row_pos] = row.row
            lines.append(self._line(vals, formatters))
        self._copy(self.table, [self.pk_column, *[f.column for f in self.fields]], lines)
        return ids

    def _ensure_stage(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMP TABLE IF NOT EXISTS {self.stage} ON COMMIT DELETE ROWS "  # noqa: S608
                           f"AS SELECT * FROM {self.table} WITH NO DATA")

    def update(self, pairs: Sequence[tuple[Existing, CleanRow]], job_id: int) -> None:
        if not pairs:
            return
        self._ensure_stage()
        now = timezone.now()
        names = [f.attname for f in self.fields]
        lines = []
        for existing, row in pairs:
            values = row.values
            vals: list[Any] = [existing.pk]
            for f in self.fields:
                if getattr(f, "auto_now", False):
                    vals.append(now)
                elif f.attname == "import_job_id":
                    vals.append(job_id)
                elif f.attname == "import_row":
                    vals.append(row.row)
                else:
                    vals.append(values.get(f.attname))
            lines.append(self._line(vals, [str, *self.formatters]))
        self._copy(self.stage, [self.pk_column, *[f.column for f in self.fields]], lines)
        sets = ", ".join(f"{f.column} = COALESCE(s.{f.column}, t.{f.column})"
                         for f, name in zip(self.fields, names, strict=True)
                         if name != self.key_field and not getattr(f, "auto_now_add", False))
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {self.table} AS t SET {sets} FROM {self.stage} AS s "  # noqa: S608
                           f"WHERE t.{self.pk_column} = s.{self.pk_column}")
            cursor.execute(f"DELETE FROM {self.stage}")  # noqa: S608

    def bulk_insert(self, model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        formatters = [_formatter(f) for f in fields]
        lines = [self._line([r.get(f.attname) for f in fields], formatters) for r in rows]
        self._copy(model._meta.db_table, [f.column for f in fields], lines)

    def delete_where_in(self, model: type[models.Model], column: str, values: Sequence[Any]) -> None:
        if values:
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} = ANY(%s)",  # noqa: S608
                               [list(values)])


def writer_for(model: type[models.Model], key_field: str) -> Writer:
    if connection.vendor == "postgresql":
        return PostgresWriter(model, key_field)
    return Writer(model, key_field)
