"""The rows of a job: read from the file (row by row, or in chunks checked column-wise),
prechecked (width, blank, formula), cleaned by the import's spec, judged against keys seen
before (duplicates) and the mode, and written a batch per transaction with the job's
checkpoint. On PostgreSQL a second thread writes while this one reads; a large file into an
empty table is a first load (``bulk.FirstLoad``). See the package docstring."""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from spotcheck.core import clock
from spotcheck.core.errors import Conflict
from spotcheck.core.imports.bulk import FirstLoad, Progress, first_load_wanted
from spotcheck.core.imports.files import Chunk, FileRefused
from spotcheck.core.imports.models import ImportJob, ImportMode, ImportRowError
from spotcheck.core.imports.spec import PK_COLUMN, CleanFrame, CleanRow, ImportSpec, Rejected, frame_plain
from spotcheck.core.imports.writers import Writer, duplicate, writer_for

FORMULA_MESSAGE = "单元格含公式（以 = + - @ 开头），为防止公式注入不予导入"
# A cell that a spreadsheet would run as a formula: = + - @ at its start.
_FORMULA = re.compile(r"(?:^|\x1f)[=+\-@]")
# The first batch decides whether the file is the right kind at all (see package docstring).
PROBE_MIN_ROWS = 20
PROBE_MAX_SHARE = 0.5
# The first batch read column-wise: the writer waits for it, the rest overlaps.
FIRST_FRAME_ROWS = 5000


def batch_rows(size: int) -> int:
    """``size``, lowered to IMPORT_BATCH_ROWS when that is set (above 0)."""
    lower = settings.IMPORT_BATCH_ROWS
    return min(size, lower) if lower > 0 else size


class TooManyErrors(Exception):
    """More than IMPORT_MAX_ERRORS invalid rows: the import stops."""


_END = object()  # the reading thread is done: the writer finishes
_ABORT = object()  # the reading thread failed: a first load is rolled back


class Runner:
    """Reads, checks and writes the rows of one job, from its checkpoint to its end."""

    ready: threading.Event  # set once the writing thread knows whether it is a first load

    def __init__(self, job: ImportJob, spec: ImportSpec, present: frozenset[str],
                 on_progress: Callable[[Progress], None] | None) -> None:
        self.job = job
        self.spec = spec
        self.present = present
        self.on_progress = on_progress
        self.writer: Writer = writer_for(spec.model, spec.key_field)
        self.limit = settings.IMPORT_MAX_ERRORS
        # SQLite limits the parameters of one statement: smaller batches there.
        self.batch_size = batch_rows(spec.batch_size if self.writer.__class__ is not Writer
                                     else min(spec.batch_size, 2000))
        # First occurrences of keys among rejected rows (bounded by the error limit), so that
        # later rows with the same key are reported as duplicates; reloaded on resume.
        self.rejected_keys: dict[str, int] = {}
        for key, row in ImportRowError.objects.filter(job=job).exclude(key="").order_by(
                "row").values_list("key", "row"):
            self.rejected_keys.setdefault(key, row)
        # A dry run writes nothing, so it remembers the keys it has seen.
        self.dry_seen: dict[str, int] = {}
        self.progress = Progress(job, job.rows_done, job.inserted, job.updated, job.rejected)
        self.key_header = spec.columns[0].header
        # Invalid rows count towards the stop limit; rows refused by the mode or as
        # duplicates are reported but are expected outcomes, not signs of a broken file.
        self.invalid_count = job.rejected
        self.queue: queue.Queue[Any] | None = None
        self.failure: BaseException | None = None
        # A first load: one transaction with the table's keys and indexes dropped (pipeline)
        self.load: FirstLoad | None = None

    @property
    def bulk(self) -> bool:
        """Is this run a first load?"""
        return self.load is not None

    def _precheck(self, number: int, cells: list[str], positions: list[int], width: int
                  ) -> list[str] | Rejected | None:
        """The checks every row passes before its import's own: width, blank, formula.
        The row's cells in ``columns`` order, a rejection, or None for a blank row."""
        if len(cells) != width:
            if len(cells) < width:
                cells = cells + [""] * (width - len(cells))
            elif any(c.strip() for c in cells[width:]):
                return Rejected(number, "", [("", f"本行有 {len(cells)} 列，多于表头的 {width} 列")])
        row = [cells[p] if p >= 0 else "" for p in positions]
        joined = "\x1f".join(row)
        if not joined.strip("\x1f \t"):
            return None  # a blank row
        if _FORMULA.search(joined):
            formula_cols = [self.spec.columns[i].header for i in range(len(positions))
                            if row[i] and row[i][0] in "=+-@"]
            return Rejected(number, "", [(h, FORMULA_MESSAGE) for h in formula_cols])
        return row

    def run(self, rows: Iterator[list[str]], positions: list[int], width: int) -> None:
        done = self.job.rows_done
        number = 1  # the header is row 1
        for _ in range(done):  # resume: skip what the checkpoint says is committed
            if next(rows, None) is None:
                break
            number += 1
        batch: list[tuple[int, list[str]]] = []
        extra: list[Rejected] = []
        consumed = 0
        first = done == 0
        with self.pipeline():
            for cells in rows:
                number += 1
                consumed += 1
                checked = self._precheck(number, cells, positions, width)
                if isinstance(checked, Rejected):
                    extra.append(checked)
                elif checked is not None:
                    batch.append((number, checked))
                if consumed >= self.batch_size:
                    self._process(batch, extra, consumed, first)
                    batch, extra, consumed, first = [], [], 0, False
            if consumed or first:
                self._process(batch, extra, consumed, first)

    def run_chunks(self, chunks: Iterator[Chunk], positions: list[int], width: int) -> None:
        """The column-wise path: each chunk's cleanly parsed rows are checked by the import's
        ``clean_frame``; the rows it does not accept (and chunks the csv module had to read)
        take the row-by-row path, which has the last word and the messages."""
        import polars as pl

        skip = self.job.rows_done
        first = skip == 0
        most = self.spec.frame_batch_size
        size = max(1, batch_rows(most))
        ncols = len(positions)
        with self.pipeline():
            for chunk in chunks:
                if skip >= chunk.count:
                    skip -= chunk.count
                    continue
                if skip:
                    chunk, skip = chunk.skip(skip), 0
                start = 0
                while start < chunk.count:
                    # a small first batch sets the writer going early
                    count = min(min(size, FIRST_FRAME_ROWS) if first else size, chunk.count - start)
                    offset, start = start, start + count
                    number = chunk.first + offset
                    if chunk.frame is None:
                        batch: list[tuple[int, list[str]]] = []
                        extra: list[Rejected] = []
                        for k, cells in enumerate((chunk.rows or [])[offset:offset + count]):
                            checked = self._precheck(number + k, cells, positions, width)
                            if isinstance(checked, Rejected):
                                extra.append(checked)
                            elif checked is not None:
                                batch.append((number + k, checked))
                        self._process(batch, extra, count, first)
                        first = False
                        continue
                    raw = chunk.frame.slice(offset, count).with_columns(
                        pl.int_range(number, number + count, dtype=pl.Int64).alias("row"))
                    cells = raw.select("row", *[(pl.col(f"c{p}") if p >= 0 else pl.lit("")).alias(f"s{i}")
                                                for i, p in enumerate(positions)])
                    # nothing to look for cell by cell when the bytes hold none of it and no row
                    # can be blank (its first cell is never empty)
                    plain = (None if not any(chunk.marks) and not (cells["s0"].str.len_bytes() == 0).any()
                             else cells.select(frame_plain(ncols, **chunk.marks._asdict())).to_series())
                    taken = cells if plain is None or plain.all() else cells.filter(plain)
                    clean = self.spec.clean_frame(taken, self.present)
                    clean.backslashes = chunk.backslashes
                    # the rest (blank rows too) is judged row by row
                    others = (raw.clear() if clean.height == raw.height else
                              raw.join(clean.frame.select("row"), on="row", how="anti",
                                       maintain_order="left"))
                    batch, extra = [], []
                    for values in others.select("row", *[f"c{i}" for i in range(width)]).iter_rows():
                        checked = self._precheck(values[0], list(values[1:]), positions, width)
                        if isinstance(checked, Rejected):
                            extra.append(checked)
                        elif checked is not None:
                            batch.append((values[0], checked))
                    self._process(batch, extra, count, first, frame=clean)
                    first = False

    def _process(self, batch: list[tuple[int, list[str]]], extra: list[Rejected], consumed: int,
                 first: bool, frame: CleanFrame | None = None) -> None:
        results = self.spec.clean_batch(batch, self.present) if batch else []
        cleaned = [r for r in results if isinstance(r, CleanRow)]
        invalid = [r for r in results if isinstance(r, Rejected)] + extra
        if first and consumed >= PROBE_MIN_ROWS and len(invalid) > PROBE_MAX_SHARE * consumed:
            sample = "；".join(f"第 {r.row} 行 {c}：{m}" for r in sorted(invalid, key=lambda r: r.row)[:3]
                              for c, m in r.errors[:1])
            raise FileRefused(f"前 {consumed} 行中有 {len(invalid)} 行有误（超过一半），文件可能与模板不符，"
                              f"未导入任何数据。例如：{sample}")
        self.invalid_count += len(invalid)
        if frame is not None and not self.job.dry_run and self.job.mode != ImportMode.UPDATE:
            # A first load decided, or not, before the first ids are drawn: they are drawn
            # differently in one (``PostgresWriter.reserve_ids``).
            if self.queue is not None:
                self.ready.wait()
            self.writer.prepare_frame(frame, self.job.pk)
            if PK_COLUMN in frame.frame.columns:
                self.spec.prepare_related_frame(frame)
        self._submit(cleaned, invalid, consumed, frame)
        if self.invalid_count > self.limit:
            self._drain()
            raise TooManyErrors

    # --- the writer: this thread, or one beside it -------------------------------------------

    @contextlib.contextmanager
    def pipeline(self) -> Iterator[None]:
        """On PostgreSQL outside a transaction, batches are written by a thread with its own
        connection while this one reads and checks the next batch: the database's work
        (COPY, indexes) and Python's overlap on two cores. One writer, one batch at a time, in
        file order, so the checkpoint stays a row count. Elsewhere batches are written here."""
        threaded = connection.vendor == "postgresql" and not connection.in_atomic_block
        if not threaded:
            yield
            return
        # the reading thread may run a batch ahead of the one being written
        self.queue = queue.Queue(maxsize=2)
        self.failure = None
        thread = threading.Thread(target=self._writer_loop, args=(first_load_wanted(self.job, self.writer),),
                                  name=f"import-{self.job.pk}", daemon=True)
        self.ready = threading.Event()
        thread.start()
        ended = _ABORT
        try:
            yield
            ended = _END
        finally:
            self.queue.put(ended)
            thread.join()
            self.queue = None
        if self.failure is not None:
            raise self.failure

    def _writer_loop(self, bulk: bool) -> None:
        assert self.queue is not None
        try:
            try:
                if bulk:
                    load = FirstLoad(self.job, self.spec, self.writer, self.progress)
                    self.load = load if load.begin() else None
            except BaseException as exc:  # handed to the reading thread
                self.failure = exc
            finally:
                self.ready.set()
            while (item := self.queue.get()) not in (_END, _ABORT):
                if self.failure is None:
                    try:
                        self._commit(*item)
                    except BaseException as exc:  # handed to the reading thread
                        self.failure = exc
                self.queue.task_done()
            if self.load is not None:
                try:
                    self.load.end(commit=item is _END and self.failure is None)
                except BaseException as exc:
                    if self.failure is None:
                        self.failure = exc
            self.queue.task_done()
        finally:
            connection.close()

    def _submit(self, cleaned: list[CleanRow], invalid: list[Rejected], consumed: int,
                frame: CleanFrame | None) -> None:
        if self.queue is None:
            self._commit(cleaned, invalid, consumed, frame)
            return
        if self.failure is not None:
            raise self.failure
        self.queue.put((cleaned, invalid, consumed, frame))

    def _drain(self) -> None:
        """Wait until every submitted batch is written (or has failed)."""
        if self.queue is not None:
            self.queue.join()
            if self.failure is not None:
                raise self.failure

    def _commit(self, cleaned: list[CleanRow], invalid: list[Rejected], consumed: int,
                frame: CleanFrame | None = None) -> None:
        for attempt in range(3):
            try:
                self._write(cleaned, invalid, consumed, frame)
                break
            except IntegrityError:
                # Another import inserted one of these keys meanwhile: classify again
                # (not in a first load, which holds the table and cannot retry a batch).
                if attempt == 2 or self.bulk:
                    raise
        if self.on_progress:
            self.on_progress(self.progress)

    def _write(self, cleaned: list[CleanRow], invalid: list[Rejected], consumed: int,
               frame: CleanFrame | None = None) -> None:
        job = self.job
        mode = job.mode
        p = self.progress
        # (a first load is one transaction already, undone whole on any failure: no savepoint)
        with contextlib.nullcontext() if self.bulk else transaction.atomic():
            # The checkpoint first: locking the job row makes a second process running the
            # same job wait here, then find the checkpoint moved, and stop.
            if not self.bulk:  # a first load holds the table: no other process gets this far
                current = ImportJob.objects.select_for_update().filter(pk=job.pk).values_list(
                    "rows_done", flat=True).first()
                if current != p.rows_done:
                    raise Conflict("该文件正由另一个进程导入，本进程停止。")
            if not self.bulk:
                self.writer.begin_batch()
            rejects: list[Rejected] = list(invalid)
            batch_seen: dict[str, int] = {}
            for bad in invalid:
                if bad.key:
                    batch_seen.setdefault(bad.key, bad.row)
            frame, cleaned = self._frame_duplicates(frame, cleaned, batch_seen)
            candidates: list[CleanRow] = []
            for r in cleaned:
                first_row = batch_seen.get(r.key) or self.rejected_keys.get(r.key) or self.dry_seen.get(r.key)
                if first_row is not None and first_row < r.row:
                    rejects.append(duplicate(r, first_row, self.key_header))
                    continue
                batch_seen[r.key] = r.row
                candidates.append(r)
            outcome = self.writer.apply(candidates, mode=mode, job_id=job.pk, dry_run=job.dry_run,
                                        key_header=self.key_header, frame=frame)
            rejects += outcome.rejected
            if job.dry_run:
                for _pk, r in [*outcome.inserted, *outcome.updated]:
                    self.dry_seen[r.key] = r.row
            elif self.spec.has_related:
                written = [(pk, r, True) for pk, r in outcome.inserted if pk is not None]
                written += [(pk, r, False) for pk, r in outcome.updated]
                self.spec.write_related(written, self.writer)
                if outcome.frame_related is not None:
                    self.spec.write_related_frame(outcome.frame_related, self.writer)
            inserted = len(outcome.inserted) + outcome.frame_inserted
            updated = len(outcome.updated)
            if not self.bulk:  # a first load writes its checkpoint at the end
                ImportJob.objects.filter(pk=job.pk).update(
                    rows_done=p.rows_done + consumed, inserted=F("inserted") + inserted,
                    updated=F("updated") + updated, rejected=F("rejected") + len(rejects),
                    heartbeat_at=clock.now())
            errors = [ImportRowError(job=job, row=x.row, column=c[:64], message=m[:500], key=x.key[:64])
                      for x in rejects for c, m in (x.errors or [("", "本行有误")])]
            ImportRowError.objects.bulk_create(errors, batch_size=1000)
        for x in rejects:
            if x.key and len(self.rejected_keys) <= self.limit:
                self.rejected_keys.setdefault(x.key, x.row)
        p.rows_done += consumed
        p.inserted += inserted
        p.updated += updated
        p.rejected += len(rejects)
        if self.load is not None:
            self.load.show()
        else:
            job.rows_done, job.inserted = p.rows_done, p.inserted
            job.updated, job.rejected = p.updated, p.rejected


    def _frame_duplicates(self, frame: CleanFrame | None, cleaned: list[CleanRow],
                          batch_seen: dict[str, int]) -> tuple[CleanFrame | None, list[CleanRow]]:
        """Rows of the clean frame whose key came earlier (in this batch or among rejected
        rows), and all of them in a dry run, join ``cleaned`` to be judged one by one; the
        frame's remaining keys enter ``batch_seen``."""
        if frame is None or not frame.height:
            return None, cleaned
        if self.job.dry_run:
            return None, sorted([*cleaned, *frame.rows()], key=lambda r: r.row)
        import polars as pl

        known = [*batch_seen, *(r.key for r in cleaned), *self.rejected_keys]
        key = pl.col("key")
        doubled = ~key.is_first_distinct() | key.is_in(known)
        marks = frame.frame.select(doubled.alias("d"))["d"]
        if marks.any():
            moved = CleanFrame(frame.frame.filter(marks), frame.to_rows).rows()
            frame = CleanFrame(frame.frame.filter(~marks), frame.to_rows)
            cleaned = sorted([*cleaned, *moved], key=lambda r: r.row)
        if cleaned:
            batch_seen.update(frame.frame.select("key", "row").iter_rows())
        return frame, cleaned


