"""A first load: a large file into an empty table (PostgreSQL), as one transaction.

The writer holds one transaction for the whole file, with the table, its related tables
(``spec.related_models``) and the tables whose foreign keys point at it locked, and their
keys and secondary indexes dropped (``PostgresWriter.bulk_begin``), and builds them again at
the end (one sort instead of a million random index insertions, which cost more than the
COPY itself; one join instead of a key check per related row). Keys doubled across batches,
which no index refused, are found then: the first occurrence stays, later ones are rejected
as duplicates, as on the usual path. Killed at any point, the transaction is rolled back:
the table is empty again and the rerun loads from the start. Progress goes to
``rows_pending`` through a second connection; the checkpoint is written at the end.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction

from spotcheck.core import clock
from spotcheck.core.errors import Conflict
from spotcheck.core.imports.models import ImportJob, ImportMode, ImportRowError

if TYPE_CHECKING:
    from spotcheck.core.imports.spec import ImportSpec
    from spotcheck.core.imports.writers import Writer


@dataclass
class Progress:
    """A run's counts as they stand (the runner's, shown by a first load as it goes)."""

    job: ImportJob
    rows_done: int
    inserted: int
    updated: int
    rejected: int
    started: float = field(default_factory=time.monotonic)


class Abandoned(Exception):
    """Ends a first load's transaction by rolling it back."""


def first_load_wanted(job: ImportJob, writer: Writer) -> bool:
    """A first load is tried for a file of at least IMPORT_BULK_MIN_ROWS rows (0: never),
    from its start, that inserts rows, with a writer that can do one."""
    least = settings.IMPORT_BULK_MIN_ROWS
    return (least > 0 and job.rows_total >= least and job.rows_done == 0 and not job.dry_run
            and job.mode != ImportMode.UPDATE and hasattr(writer, "bulk_begin"))


class FirstLoad:
    """The transaction of one first load, run by the writing thread: ``begin``, batches
    written by the runner with ``show`` after each, then ``end``."""

    def __init__(self, job: ImportJob, spec: ImportSpec, writer: Writer, progress: Progress) -> None:
        self.job = job
        self.spec = spec
        self.writer: Any = writer
        self.progress = progress
        self.atomic: Any = None
        self.side: Any = None
        self.shown = 0.0  # when rows_pending was last written

    def begin(self) -> bool:
        """Open the load's transaction; False (and nothing held) when the table is not empty."""
        load = transaction.atomic()
        load.__enter__()
        try:
            started = self.writer.bulk_begin(self.spec.related_models,
                                             rows=self.job.rows_total - self.job.rows_done)
            done = ImportJob.objects.filter(pk=self.job.pk).values_list("rows_done", flat=True).first()
        except BaseException as exc:
            load.__exit__(type(exc), exc, None)
            raise
        if not started or done != self.progress.rows_done:
            load.__exit__(Abandoned, Abandoned(), None)
            if done != self.progress.rows_done:
                raise Conflict("该文件正由另一个进程导入，本进程停止。")
            return False
        self.atomic = load
        self.side = connection.get_new_connection(connection.get_connection_params())
        self.side.autocommit = True
        return True

    def show(self) -> None:
        """Rows written so far, for the page (at most twice a second)."""
        now = time.monotonic()
        if now - self.shown < 0.5:
            return
        self.shown = now
        self.side.execute(f"UPDATE {ImportJob._meta.db_table} SET rows_pending = %s, "  # noqa: S608
                          f"heartbeat_at = now() WHERE id = %s", [self.progress.rows_done, self.job.pk])

    def end(self, *, commit: bool) -> None:
        """Rebuild and commit, or roll back; the progress connection is closed either way."""
        load = self.atomic
        try:
            if commit:
                self._finish()
                load.__exit__(None, None, None)
            else:
                load.__exit__(Abandoned, Abandoned(), None)
        except BaseException as exc:
            if connection.in_atomic_block:
                load.__exit__(type(exc), exc, None)
            raise
        finally:
            self.side.close()

    def _finish(self) -> None:
        """Rebuild the indexes (after removing keys doubled across batches), then write the
        checkpoint and counts; ``end`` commits."""
        writer = self.writer
        p = self.progress
        writer.bulk_restore(primary=True)
        try:
            with transaction.atomic():
                writer.bulk_restore()
        except IntegrityError:
            key_header = self.spec.columns[0].header
            doubled = writer.bulk_duplicates()
            later = [(pk, row, key, rows[0][1]) for key, rows in doubled.items() for pk, row in rows[1:]]
            for start in range(0, len(later), 10_000):
                part = later[start:start + 10_000]
                self.spec.model._default_manager.filter(pk__in=[pk for pk, *_ in part]).delete()
                ImportRowError.objects.bulk_create(
                    [ImportRowError(job=self.job, row=row, column=key_header[:64], key=key[:64],
                                    message=f"与第 {first} 行重复（{key}），以第 {first} 行为准"[:500])
                     for _, row, key, first in part], batch_size=1000)
            p.inserted -= len(later)
            p.rejected += len(later)
            # the deletions' deferred key checks run now: a table with pending ones cannot
            # be altered
            connection.check_constraints()
            writer.bulk_restore()
        ImportJob.objects.filter(pk=self.job.pk).update(
            rows_done=p.rows_done, inserted=p.inserted, updated=p.updated, rejected=p.rejected,
            rows_pending=0, heartbeat_at=clock.now())
        self.job.rows_done, self.job.inserted = p.rows_done, p.inserted
        self.job.updated, self.job.rejected = p.updated, p.rejected
