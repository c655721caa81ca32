"""The import engine: CSV and XLSX files into a table, streamed, validated row by row,
resumable after a crash, with progress and an error report. Every import of the platform
(entities, inspectors, items) uses it; an app only declares its columns and how a row is
cleaned.

Declaring an import (e.g. ``spotcheck/roster/imports.py``)::

    from spotcheck.core.imports.jobs import register
    from spotcheck.core.imports.spec import Column, ImportSpec, RowErrors

    class InspectorImport(ImportSpec):
        kind = "roster.inspector"            # stored on the job; unique
        title = "执法检查人员"                 # used in messages and file names
        perm = "roster.import_inspector"     # who may import (the command line may always)
        model = Inspector                    # must inherit core.imports.models.ImportedRow
        key_field = "certificate_no"         # unique field: upsert key, duplicate detection
        columns = [Column("执法证号", "certificate_no", example="JX-0001", help="..."),
                   Column("姓名", "name"),
                   Column("证件有效期至", "valid_until", required=False)]   # optional column
        batch_size = 2000                    # rows per transaction (= per checkpoint)

        def prepare(self, job, present):     # once per run: lookup sets, the user's scope
            self.depts = {...}               # job.created_by is the uploader (None: command line)

        def clean_row(self, data, errors):   # data: field -> stripped cell ("" if empty/absent)
            if not data["name"]:
                errors.add("姓名", "姓名不能为空")
            return data["certificate_no"], {"name": data["name"], ...}, None

    INSPECTOR_IMPORT = register(InspectorImport())   # import this module in AppConfig.ready()

``clean_row`` returns ``(key, values, related)``: ``values`` maps the model's attnames (``department_id``)
to Python values; a value ``None`` means "not given": an update keeps the current value, an
insert takes the field's default. Add every problem to ``errors`` as (column header, Chinese
message); the engine names the row. A spec with many-to-many data sets ``has_related = True``
and implements ``write_related(written, writer)`` where ``written`` is [(pk, CleanRow, inserted)]
and ``writer.bulk_insert(Model, [dict])`` / ``writer.delete_where_in(Model, column, values)``
write in the batch's transaction (COPY on PostgreSQL). ``clean_batch`` may be overridden for
speed (the entity import does: one call checks 5,000 USCCs, one cipher call encrypts them).

The modules: ``spec`` (what an import declares), ``rows`` (the rows it gives the writer),
``files`` (what a file is, its rows),
``jobs`` (a job's life: created, run, failed, audited), ``tasks`` (the worker's task and
the services that queue it: ``import_start``, ``import_resume``), ``runner`` (the rows of a
run: read, checked, written a batch per transaction, a second writing thread),
``bulk`` (a first load), ``writers`` (SQL per database), ``reports`` (error report,
templates), ``pages`` (the import pages), ``commands`` (the ``manage.py`` base).

Running it::

    from spotcheck.core.imports import jobs, tasks
    job = tasks.import_start(spec=SPEC, acting_user=user, upload=uploaded_file, mode="upsert",
                             dry_run=False)  # saves the upload, checks it, queues the run
    job = jobs.import_job_create(spec=SPEC, acting_user=None, path=path)  # a file on disk
    jobs.import_run(job.pk)             # what the django-tasks job (tasks.py) does

    class Command(ImportCommand):       # spotcheck.core.imports.commands: manage.py import_x
        help = "..."
        spec = SPEC

Pages: ``spotcheck.core.imports.pages.ImportPages(SPEC, app="roster", perm=...,
view_perm=..., back=..., back_label=..., stylesheet=...)``, whose ``urls()`` an app mounts
in its ``urls.py``: upload with mode and dry run, the job with its progress (htmx polls
every second until the job ends; a job without progress for two minutes offers
"从断点继续"), the error report and the templates.

Behaviour (the same for every import):
- Modes (``ImportMode``): ``upsert`` (default) inserts new keys and updates existing ones;
  ``insert`` rejects rows whose key exists; ``update`` rejects rows whose key does not.
  ``dry_run`` validates and counts without writing the target table.
- File-level failures write nothing at all (the job is recorded as failed with the reason):
  not CSV/XLSX by content or extension, over IMPORT_MAX_MB (200), an XLSX whose declared
  unpacked size is over IMPORT_MAX_UNPACKED_MB (1000) or whose compression ratio is over
  IMPORT_MAX_ZIP_RATIO (100) or whose sheet unpacks to more than IMPORT_MAX_XLSX_SHEET_MB
  (200: calamine holds a sheet in memory) — checked before calamine opens it —, an empty file, a CSV with
  NUL bytes, an encoding other than UTF-8 (BOM or not) or GB18030, unbalanced quotes, a
  header with a missing required column, an unknown or a doubled column. The whole CSV is
  decoded once before any row is written, so a bad byte near the end is still file-level.
- Wrong kind of file: when more than half of the first batch (at least 20 rows) is invalid,
  the file is refused as a whole, nothing written (shifted columns, another template).
- Row-level problems reject that row with a message naming the row (header = row 1), the
  column and the problem; the valid rows are imported. A cell beginning with = + - @ is
  refused ("单元格含公式"). A key seen in an earlier row of the file is rejected naming
  both rows (the first occurrence wins, even if it was itself rejected).
- Limits are Django settings (``config/settings.py`` reads them from the environment once).
- More than IMPORT_MAX_ERRORS (10,000) rejected rows stop the import: the job fails; the
  batches already committed hold only valid rows, and importing the corrected file again
  updates them by key (nothing doubled).
- Crash safety: each batch is one transaction that also advances the job's checkpoint
  (``rows_done`` and the counts) and stores its rejected rows; a rerun (the same command, or
  "继续" on the page) skips the committed rows and continues. Each written row records
  (import_job_id, import_row), so duplicates are recognised across a resume without
  keeping keys in memory. Memory does not grow with the file (a dry run keeps its keys).
- Progress: ``rows_done`` / ``rows_total`` on the job (rows_total is estimated from the file).
- Batches: ``spec.batch_size`` rows per transaction (at most 2,000 on SQLite);
  ``IMPORT_BATCH_ROWS`` lowers it (tests that kill an import between batches).
- Audit: import.create / import.refuse / import.continue / import.finish / import.fail events.

The column-wise path (large CSV files). A spec may also implement ``clean_frame(frame,
present) -> CleanFrame``: then a UTF-8 CSV file is read in chunks of about 4 MB (the first 1 MB)
(``files.csv_chunks``, cut at record boundaries, parsed by polars) and each batch of
``spec.frame_batch_size`` rows (50,000; the first 5,000) is checked column-wise. ``clean_frame`` may be
conservative: it returns only rows it is sure of, with the same values ``clean_batch`` would
give; every other row (and any chunk polars cannot parse one record per line: line breaks in
quotes, blank or ragged lines) goes through ``clean_batch`` as above, which has the last word
and writes the messages. Both are made from one declaration per column
(``checks.Check``: ``cells`` row by row, ``frame`` column-wise, side by side; ``checks.Checks``
applies them either way), and a property test per spec holds the two paths equal (see
``registry/tests/test_imports_frame.py``). The engine passes ``clean_frame`` only rows
``spec.frame_plain`` accepts (no control character, no surrounding whitespace, no formula,
not blank): what a chunk's bytes cannot hold (``files.block_marks``) is not looked for cell
by cell. On PostgreSQL the frame gets its primary keys from the table's sequence and is
written as one COPY in key order; rows with related data are passed, with their new keys, to
``write_related_frame``.

A first load (PostgreSQL): a file of at least IMPORT_BULK_MIN_ROWS rows (100,000) into an
empty table is written in one transaction that locks the table, ``spec.related_models`` and
the tables whose foreign keys point at the table, drops the table's primary key, the unique
constraints, foreign keys and secondary indexes of the first two and the keys pointing at
the table, draws the file's ids as one block, and rebuilds everything at the end (primary key
first); keys doubled across batches are removed then (first occurrence wins) and reported as
duplicates. Related rows are prepared by the reading thread (``spec.prepare_related_frame``)
and written a few MB at a time. Its checkpoint is written at the end: killed, it leaves
nothing and reruns from the start. Progress shows as ``rows_pending``. See
``bulk.FirstLoad`` and docs/operations.md.

Two threads on PostgreSQL: outside a transaction, batches are written by a second thread with
its own connection while the first reads and checks the next batch (one writer, batches in
file order, so the checkpoint stays a row count). In a test's transaction everything runs in
one thread.
"""
