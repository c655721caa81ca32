"""The import engine: file checks, streaming, row validation, batches with a checkpoint,
resume after a crash, progress, error report, templates. See the package docstring."""

from __future__ import annotations

import contextlib
import io
import queue
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import xlsxwriter
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from config.env import env_int
from spotcheck.audit.models import Outcome
from spotcheck.audit.services import audit_record
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.core.exports import XLSX_CONTENT_TYPE, write_xlsx
from spotcheck.core.imports.files import Chunk, FileInfo, FileRefused, csv_chunks, inspect_file, open_rows
from spotcheck.core.imports.models import ImportJob, ImportMode, ImportRowError, ImportStatus
from spotcheck.core.imports.spec import PK_COLUMN, CleanFrame, CleanRow, ImportSpec, Rejected, frame_plain
from spotcheck.core.imports.writers import Writer, duplicate, writer_for

SPECS: dict[str, ImportSpec] = {}
FORMULA_MESSAGE = "单元格含公式（以 = + - @ 开头），为防止公式注入不予导入"
# A cell that a spreadsheet would run as a formula: = + - @ at its start.
_FORMULA = re.compile(r"(?:^|\x1f)[=+\-@]")
# The first batch decides whether the file is the right kind at all (see package docstring).
PROBE_MIN_ROWS = 20
PROBE_MAX_SHARE = 0.5
# The first batch read column-wise: the writer waits for it, the rest overlaps.
FIRST_FRAME_ROWS = 5000


def max_errors() -> int:
    """IMPORT_MAX_ERRORS (default 10,000): an import stops after this many invalid rows."""
    return int(getattr(settings, "IMPORT_MAX_ERRORS", None) or env_int("IMPORT_MAX_ERRORS", 10_000))


def bulk_min_rows() -> int:
    """IMPORT_BULK_MIN_ROWS (default 100,000; 0 turns first loads off): a file of at least
    this many rows into an empty table on PostgreSQL is loaded as a first load."""
    value = getattr(settings, "IMPORT_BULK_MIN_ROWS", None)
    return int(value) if value is not None else env_int("IMPORT_BULK_MIN_ROWS", 100_000)


def register(spec: ImportSpec) -> ImportSpec:
    SPECS[spec.kind] = spec
    return spec


def spec_for(kind: str) -> ImportSpec:
    return SPECS[kind]


# --- jobs ---------------------------------------------------------------------------------


def import_job_create(*, spec: ImportSpec, acting_user: Any, path: str | Path, file_name: str = "",
                      mode: str = ImportMode.UPSERT, dry_run: bool = False, request: Any = None,
                      resume: bool = True) -> ImportJob:
    """Check the file as a whole and record a job (not yet run).

    ``acting_user=None`` is the operator on the command line. With ``resume``, an unfinished
    job for the same file content, kind and mode is returned instead of a new one, so that
    running the same command again continues where a killed run stopped.
    Raises ``FileRefused`` (recorded as a failed job and audited) when the file is refused.
    """
    if acting_user is not None and not acting_user.has_perm(spec.perm):
        raise Refused(f"您没有导入{spec.title}的权限。")
    if mode not in ImportMode.values:
        raise ServiceError("导入方式应为 upsert、insert 或 update。", fields={"mode": ["无效"]})
    path = Path(path).resolve()
    file_name = file_name or path.name
    department = getattr(acting_user, "department", None)
    base = {"kind": spec.kind, "file_name": file_name[:255], "file_path": str(path),
            "file_format": path.suffix.lower().lstrip(".")[:8], "mode": mode, "dry_run": dry_run,
            "created_by": acting_user, "department_code": department.code if department else ""}
    try:
        info = inspect_file(path, name=file_name)
    except FileRefused as exc:
        with transaction.atomic():
            job = ImportJob.objects.create(**base, status=ImportStatus.FAILED, message=exc.message,
                                           finished_at=clock.now())
            _audit(job, "import.refuse", outcome=Outcome.FAILURE, request=request,
                   extra={"message": exc.message})
        exc.job = job  # type: ignore[attr-defined]
        raise
    if len(_INSPECTED) > 100:  # a web process creates jobs that workers run: never popped here
        _INSPECTED.clear()
    _INSPECTED[str(path)] = (info, path.stat().st_mtime_ns)
    if resume:
        unfinished = ImportJob.objects.filter(
            kind=spec.kind, file_sha256=info.sha256, mode=mode, dry_run=dry_run,
            file_path=str(path), status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]).first()
        if unfinished is not None:
            return unfinished
    with transaction.atomic():
        base["file_format"] = info.format
        job = ImportJob.objects.create(**base, file_size=info.size, file_sha256=info.sha256,
                                       rows_total=info.rows_estimate)
        _audit(job, "import.create", request=request)
    return job


def _audit(job: ImportJob, action: str, *, outcome: str = Outcome.SUCCESS, request: Any = None,
           extra: dict[str, Any] | None = None) -> None:
    summary = {"kind": job.kind, "file": job.file_name, "sha256": job.file_sha256, "mode": job.mode,
               "dry_run": job.dry_run, "inserted": job.inserted, "updated": job.updated,
               "rejected": job.rejected, **(extra or {})}
    audit_record(action=action, actor=job.created_by,
                 actor_name="" if job.created_by else "manage.py", object_type="import_job",
                 object_id=job.pk, summary=summary, outcome=outcome, request=request)


def import_enqueue(job: ImportJob) -> None:
    """Run the job in a worker once the transaction that created it commits."""
    from spotcheck.core.imports.tasks import import_job_task

    transaction.on_commit(lambda: import_job_task.enqueue(job.pk))


def is_stalled(job: ImportJob, *, seconds: int = 120) -> bool:
    """A running job that has not advanced for a while: its worker died; it can be resumed."""
    if job.status != ImportStatus.RUNNING:
        return False
    last = job.heartbeat_at or job.started_at or job.created_at
    return (clock.now() - last).total_seconds() > seconds


# --- the run ------------------------------------------------------------------------------


@dataclass
class Progress:
    job: ImportJob
    rows_done: int
    inserted: int
    updated: int
    rejected: int
    started: float = field(default_factory=time.monotonic)


def import_run(job_id: int, *, on_progress: Callable[[Progress], None] | None = None) -> ImportJob:
    """Run (or resume) a job to its end. File-level failures mark it failed with nothing
    written; any other interruption leaves it running at its last checkpoint, and running it
    again continues from there."""
    job = ImportJob.objects.select_related("created_by__department").get(pk=job_id)
    if job.is_finished:
        return job
    spec = spec_for(job.kind)
    try:
        info = _inspected_here(job) or inspect_file(job.file_path, name=job.file_name)
        if job.file_sha256 and info.sha256 != job.file_sha256:
            raise FileRefused("文件在导入过程中被修改，请重新上传。")
        estimate, rows = open_rows(job.file_path, info)
        header = next(rows, None)
        if header is None or not any(c.strip() for c in header):
            raise FileRefused("文件为空：没有表头行。")
        positions = _map_header(spec, header)
    except FileRefused as exc:
        return _fail(job, exc.message)
    present = frozenset(spec.columns[i].field for i in range(len(spec.columns)) if positions[i] >= 0)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, rows_total=estimate, heartbeat_at=clock.now(), rows_pending=0,
        started_at=job.started_at or clock.now())
    job.refresh_from_db()
    if job.rows_done:
        _audit(job, "import.continue", extra={"from_row": job.rows_done + 1})
    spec.prepare(job, present)
    runner = _Runner(job, spec, present, on_progress)
    try:
        if _frames_apply(spec, info):
            runner.run_chunks(csv_chunks(job.file_path, len(header)), positions, len(header))
        else:
            runner.run(rows, positions, len(header))
    except FileRefused as exc:
        return _fail(job, exc.message)
    except _TooManyErrors:
        if runner.bulk:
            return _fail(job, f"错误行超过 {max_errors()} 行，导入已停止。首次装载在全部完成后才一次提交，"
                              "因此未导入任何数据；请修正文件后重新导入。", reload=True)
        return _fail(job, f"错误行超过 {max_errors()} 行，导入已停止。此前已提交的 {job.rows_done} 行中的"
                          f"有效行已导入（修正文件后重新导入，将按主键更新，不会重复）。", reload=True)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.SUCCEEDED, finished_at=clock.now(),
                                                   rows_total=F("rows_done"))
        job.refresh_from_db()
        _audit(job, "import.finish")
    return job


# Files this process has just inspected (the command creates and runs a job back to back):
# the whole-file pass is not repeated unless the file changed since.
_INSPECTED: dict[str, tuple[FileInfo, int]] = {}


def _inspected_here(job: ImportJob) -> FileInfo | None:
    cached = _INSPECTED.pop(job.file_path, None)
    if cached is None:
        return None
    info, mtime = cached
    try:
        stat = Path(job.file_path).stat()
    except OSError:
        return None
    if stat.st_mtime_ns != mtime or stat.st_size != info.size or info.sha256 != job.file_sha256:
        return None
    return info


def _frames_apply(spec: ImportSpec, info: FileInfo) -> bool:
    """A UTF-8 CSV file is read in chunks and checked column-wise when the import has a fast
    path (``ImportSpec.clean_frame``); other files row by row."""
    return (info.format == "csv" and info.encoding == "utf-8-sig"
            and type(spec).clean_frame is not ImportSpec.clean_frame)


def _fail(job: ImportJob, message: str, *, reload: bool = False) -> ImportJob:
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, message=message,
                                                   finished_at=clock.now(), rows_pending=0)
        job.refresh_from_db()
        _audit(job, "import.fail", outcome=Outcome.FAILURE, extra={"message": message})
    return job


def _map_header(spec: ImportSpec, header: list[str]) -> list[int]:
    """Position of each spec column in the file (-1: absent, allowed for optional columns)."""
    names = [h.strip().lstrip("\ufeff") for h in header]
    known = {c.header for c in spec.columns}
    unknown = [h for h in names if h and h not in known]
    seen: set[str] = set()
    doubled = [h for h in names if h and (h in seen or seen.add(h))]  # type: ignore[func-returns-value]
    missing = [c.header for c in spec.columns if c.required and c.header not in names]
    problems = []
    if missing:
        problems.append("缺少必填列：" + "、".join(missing))
    if unknown:
        problems.append("无法识别的列：" + "、".join(unknown))
    if doubled:
        problems.append("列名重复：" + "、".join(doubled))
    if problems:
        raise FileRefused("表头有误（" + "；".join(problems) + "）。请使用下载的模板，列为："
                          + "，".join(c.header for c in spec.columns) + "。")
    return [names.index(c.header) if c.header in names else -1 for c in spec.columns]


class _TooManyErrors(Exception):
    pass


class _Abandoned(Exception):
    """Ends a first load's transaction by rolling it back."""


_END = object()  # the reading thread is done: the writer finishes
_ABORT = object()  # the reading thread failed: a first load is rolled back


class _Runner:
    def __init__(self, job: ImportJob, spec: ImportSpec, present: frozenset[str],
                 on_progress: Callable[[Progress], None] | None) -> None:
        self.job = job
        self.spec = spec
        self.present = present
        self.on_progress = on_progress
        self.writer: Writer = writer_for(spec.model, spec.key_field)
        self.limit = max_errors()
        # SQLite limits the parameters of one statement: smaller batches there.
        # IMPORT_BATCH_ROWS lowers it further (tests that kill an import between batches).
        self.batch_size = (spec.batch_size if self.writer.__class__ is not Writer
                           else min(spec.batch_size, 2000))
        self.batch_size = min(self.batch_size, env_int("IMPORT_BATCH_ROWS", self.batch_size))
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
        self.bulk = False

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
        size = max(1, min(env_int("IMPORT_BATCH_ROWS", most), most))
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
            raise _TooManyErrors

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
        thread = threading.Thread(target=self._writer_loop, args=(self._bulk_wanted(),),
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

    def _bulk_wanted(self) -> bool:
        """A first load is tried for a large file, from its start, that inserts rows."""
        job = self.job
        least = bulk_min_rows()
        return (least > 0 and job.rows_total >= least and job.rows_done == 0 and not job.dry_run
                and job.mode != ImportMode.UPDATE and hasattr(self.writer, "bulk_begin"))

    def _writer_loop(self, bulk: bool) -> None:
        assert self.queue is not None
        load: Any = None
        try:
            try:
                load = self._bulk_begin() if bulk else None
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
            if load is not None:
                try:
                    if item is _END and self.failure is None:
                        self._bulk_finish()
                        load.__exit__(None, None, None)  # commit
                    else:
                        load.__exit__(_Abandoned, _Abandoned(), None)  # roll back
                except BaseException as exc:
                    if self.failure is None:
                        self.failure = exc
                    if connection.in_atomic_block:
                        load.__exit__(type(exc), exc, None)
            self.queue.task_done()
        finally:
            if self.side is not None:
                self.side.close()
            connection.close()

    # --- a first load ------------------------------------------------------------------------
    #
    # A large file into an empty table (PostgreSQL): the writer holds one transaction for the
    # whole file, with the table, its related tables (``spec.related_models``) and the tables
    # whose foreign keys point at it locked, and their keys and secondary indexes dropped
    # (``PostgresWriter.bulk_begin``), and builds them again at the end (one sort instead of
    # a million random index insertions, which cost more than the COPY itself; one join
    # instead of a key check per related row). Keys
    # doubled across batches, which no index refused, are found then: the first occurrence
    # stays, later ones are rejected as duplicates, as on the usual path. Killed at any
    # point, the transaction is rolled back: the table is empty again and the rerun loads
    # from the start. Progress goes to ``rows_pending`` through a second connection; the
    # checkpoint is written at the end.

    side: Any = None
    shown = 0.0  # when rows_pending was last written
    ready: threading.Event

    def _bulk_begin(self) -> Any:
        """Open the load's transaction; None (and nothing held) when the table is not empty."""
        load = transaction.atomic()
        load.__enter__()
        try:
            started = self.writer.bulk_begin(  # type: ignore[attr-defined]
                self.spec.related_models, rows=self.job.rows_total - self.job.rows_done)
            done = ImportJob.objects.filter(pk=self.job.pk).values_list("rows_done", flat=True).first()
        except BaseException as exc:
            load.__exit__(type(exc), exc, None)
            raise
        if not started or done != self.progress.rows_done:
            load.__exit__(_Abandoned, _Abandoned(), None)
            if done != self.progress.rows_done:
                raise Conflict("该文件正由另一个进程导入，本进程停止。")
            return None
        self.bulk = True
        self.side = connection.get_new_connection(connection.get_connection_params())
        self.side.autocommit = True
        return load

    def _bulk_progress(self) -> None:
        """Rows written so far, for the page (at most twice a second)."""
        now = time.monotonic()
        if now - self.shown < 0.5:
            return
        self.shown = now
        self.side.execute(f"UPDATE {ImportJob._meta.db_table} SET rows_pending = %s, "  # noqa: S608
                          f"heartbeat_at = now() WHERE id = %s", [self.progress.rows_done, self.job.pk])

    def _bulk_finish(self) -> None:
        """Rebuild the indexes (after removing keys doubled across batches), then write the
        checkpoint and counts; the caller commits."""
        writer: Any = self.writer
        p = self.progress
        writer.bulk_restore(primary=True)
        try:
            with transaction.atomic():
                writer.bulk_restore()
        except IntegrityError:
            doubled = writer.bulk_duplicates()
            later = [(pk, row, key, rows[0][1]) for key, rows in doubled.items() for pk, row in rows[1:]]
            for start in range(0, len(later), 10_000):
                part = later[start:start + 10_000]
                self.spec.model._default_manager.filter(pk__in=[pk for pk, *_ in part]).delete()
                ImportRowError.objects.bulk_create(
                    [ImportRowError(job=self.job, row=row, column=self.key_header[:64], key=key[:64],
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
        if self.bulk:
            self._bulk_progress()
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


# --- reports and templates -----------------------------------------------------------------

REPORT_HEADERS = ["行号", "列", "错误说明", "主键"]


def error_report_write(job: ImportJob, out: str | IO[bytes]) -> int:
    rows = ((e.row, e.column, e.message, e.key) for e in
            ImportRowError.objects.filter(job=job).order_by("row", "id").iterator(chunk_size=2000))
    return write_xlsx(out, REPORT_HEADERS, rows, sheet_name="错误报告")


def template_csv(spec: ImportSpec) -> bytes:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(spec.headers())
    writer.writerows(spec.template_rows())
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def template_xlsx(spec: ImportSpec) -> bytes:
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"strings_to_formulas": False, "strings_to_numbers": False,
                                     "in_memory": True})
    bold = book.add_format({"bold": True})
    text = book.add_format({"num_format": "@"})
    sheet = book.add_worksheet(spec.title[:31])
    for col, c in enumerate(spec.columns):
        sheet.write_string(0, col, c.header, bold)
        sheet.set_column(col, col, max(12, len(c.header) * 3), text)
    for line, row in enumerate(spec.template_rows(), start=1):
        for col, value in enumerate(row):
            sheet.write_string(line, col, value)
    notes = book.add_worksheet("填写说明")
    for col, h in enumerate(["列", "必填", "说明"]):
        notes.write_string(0, col, h, bold)
    notes.set_column(0, 0, 20)
    notes.set_column(2, 2, 80)
    for line, c in enumerate(spec.columns, start=1):
        notes.write_string(line, 0, c.header)
        notes.write_string(line, 1, "是" if c.required else "否（可整列省略；留空表示不修改）")
        notes.write_string(line, 2, c.help)
    book.close()
    return buf.getvalue()


TEMPLATE_TYPES = {"csv": "text/csv; charset=utf-8", "xlsx": XLSX_CONTENT_TYPE}


# --- the command line ---------------------------------------------------------------------


def import_command(spec: ImportSpec, path: str, *, mode: str, dry_run: bool, stdout: Any,
                   stderr: Any = None) -> ImportJob:
    """What ``manage.py import_<things> PATH`` does: run the import here with a progress line,
    print a summary; raise ``CommandError`` (non-zero exit) on a file-level failure."""
    from django.core.management.base import CommandError

    stderr = stderr or sys.stderr
    try:
        job = import_job_create(spec=spec, acting_user=None, path=path, mode=mode, dry_run=dry_run)
    except FileRefused as exc:
        raise CommandError(f"文件被拒绝，未写入任何数据：{exc.message}") from exc
    if job.rows_done:
        stdout.write(f"继续未完成的导入任务 #{job.pk}：已处理 {job.rows_done} 行。\n")

    def show(p: Progress) -> None:
        total = max(p.job.rows_total, p.rows_done, 1)
        share = min(p.rows_done / total, 1.0)
        bar = "#" * int(share * 30)
        rate = p.rows_done / max(time.monotonic() - p.started, 1e-6)
        stderr.write(f"\r[{bar:<30}] {share:6.1%} {p.rows_done}/{total} 行 "
                     f"新增 {p.inserted} 更新 {p.updated} 拒绝 {p.rejected} ({rate:,.0f} 行/秒)")
        stderr.flush()

    try:
        job = import_run(job.pk, on_progress=show)
    except ServiceError as exc:  # another process is running this job
        raise CommandError(exc.message) from exc
    stderr.write("\n")
    verb = "试运行（未写入）" if job.dry_run else "导入"
    stdout.write(f"{verb}任务 #{job.pk}：新增 {job.inserted} 行，更新 {job.updated} 行，"
                 f"拒绝 {job.rejected} 行。\n")
    if job.rejected:
        stdout.write("被拒绝的行（前 20 条）：\n")
        for e in ImportRowError.objects.filter(job=job).order_by("row", "id")[:20]:
            stdout.write(f"  第 {e.row} 行 {e.column}：{e.message}\n")
    if job.status == ImportStatus.FAILED:
        raise CommandError(job.message)
    return job
