"""The import engine through its public contract, with a toy import (``toy.py``): row
checks and their messages, duplicates, modes, dry run, the error limit and the batch size
read from settings, the wrong kind of file, resume after a kill, a first load."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from spotcheck.audit.models import AuditEvent
from spotcheck.core.imports import jobs
from spotcheck.core.imports.commands import import_command
from spotcheck.core.imports.files import FileRefused
from spotcheck.core.imports.models import ImportJob, ImportMode, ImportRowError, ImportStatus
from spotcheck.core.imports.runner import FORMULA_MESSAGE
from spotcheck.core.imports.tests.conftest import gadgets
from spotcheck.core.imports.tests.toy import Gadget, GadgetImport, Killed

pytestmark = pytest.mark.django_db


def run(spec: GadgetImport, path: Path, **kwargs: Any) -> ImportJob:
    job = jobs.import_job_create(spec=spec, acting_user=None, path=path, resume=False, **kwargs)
    return jobs.import_run(job.pk)


def errors_of(job: ImportJob) -> list[tuple[int, str, str]]:
    found = ImportRowError.objects.filter(job=job).order_by("row", "id")
    return list(found.values_list("row", "column", "message"))


def first_load(job: ImportJob) -> bool:
    """What the job's finish event says: was it a first load?"""
    finish = AuditEvent.objects.get(action="import.finish", object_id=str(job.pk))
    return bool(finish.summary.get("first_load", False))


def test_a_bad_row_is_rejected_naming_its_row_and_column_and_the_others_are_imported(
        spec: GadgetImport, gadget_csv: Callable[..., Path]) -> None:
    rows = gadgets(25)
    rows[4][2] = "大"  # file row 6
    rows[9][1] = ""  # file row 11
    job = run(spec, gadget_csv(rows))
    assert (job.status, job.inserted, job.rejected) == (ImportStatus.SUCCEEDED, 23, 2)
    assert errors_of(job) == [(6, "尺寸", "尺寸“大”不是整数"), (11, "名称", "名称不能为空")]
    assert Gadget.objects.count() == 23
    assert Gadget.objects.get(code="G00001").import_row == 2


def test_a_key_seen_before_is_rejected_naming_the_first_row(spec: GadgetImport,
                                                            gadget_csv: Callable[..., Path]) -> None:
    rows = gadgets(25)
    rows.append([rows[2][0], "后来的", "1"])  # row 27 repeats row 4
    job = run(spec, gadget_csv(rows))
    assert (job.inserted, job.rejected) == (25, 1)
    assert errors_of(job)[0][0] == 27 and "与第 4 行重复" in errors_of(job)[0][2]
    assert Gadget.objects.get(code=rows[2][0]).name == rows[2][1]


def test_formulas_blank_rows_and_extra_cells_are_handled_per_row(spec: GadgetImport,
                                                                 gadget_csv: Callable[..., Path]) -> None:
    rows = gadgets(25)
    rows[0][1] = "=cmd()"
    rows[1] = ["", "", ""]
    rows[2] = [*rows[2], "多出"]
    job = run(spec, gadget_csv(rows))
    assert (job.inserted, job.rejected) == (22, 2)
    assert errors_of(job) == [(2, "名称", FORMULA_MESSAGE), (4, "", "本行有 4 列，多于表头的 3 列")]


def test_insert_and_update_modes_refuse_what_they_do_not_do_and_a_dry_run_writes_nothing(
        spec: GadgetImport, gadget_csv: Callable[..., Path]) -> None:
    run(spec, gadget_csv(gadgets(20)))
    dry = run(spec, gadget_csv(gadgets(30), name="dry.csv"), dry_run=True)
    assert (dry.inserted, dry.updated, Gadget.objects.count()) == (10, 20, 20)
    inserted = run(spec, gadget_csv(gadgets(30), name="insert.csv"), mode=ImportMode.INSERT)
    assert (inserted.inserted, inserted.rejected) == (10, 20)
    Gadget.objects.filter(code__gt="G00025").delete()
    updated = run(spec, gadget_csv(gadgets(30), name="update.csv"), mode=ImportMode.UPDATE)
    assert (updated.updated, updated.rejected) == (25, 5)
    assert Gadget.objects.count() == 25


def test_a_file_of_the_wrong_kind_is_refused_whole_with_nothing_written(
        spec: GadgetImport, gadget_csv: Callable[..., Path]) -> None:
    shifted = run(spec, gadget_csv(gadgets(3), header=["编码", "别的"], name="other.csv"))
    assert shifted.status == ImportStatus.FAILED and "缺少必填列：名称；无法识别的列：别的" in shifted.message
    rows = gadgets(30)
    for r in rows[:20]:
        r[2] = "x"
    job = run(spec, gadget_csv(rows, name="mostly-wrong.csv"))
    assert job.status == ImportStatus.FAILED and "超过一半" in job.message
    assert Gadget.objects.count() == 0
    assert AuditEvent.objects.filter(action="import.fail", object_id=str(job.pk)).exists()


def test_the_error_limit_is_read_from_settings(spec: GadgetImport, gadget_csv: Callable[..., Path],
                                               settings: Any) -> None:
    settings.IMPORT_MAX_ERRORS = 3
    rows = gadgets(40)
    for r in rows[20:30]:
        r[2] = "x"
    job = run(spec, gadget_csv(rows))
    assert job.status == ImportStatus.FAILED and "错误行超过 3 行" in job.message
    # the batches committed before hold only valid rows
    assert Gadget.objects.count() == 20


def test_the_file_size_limit_is_read_from_settings(spec: GadgetImport, gadget_csv: Callable[..., Path],
                                                   settings: Any) -> None:
    settings.IMPORT_MAX_MB = 0
    with pytest.raises(FileRefused, match="上限"):
        run(spec, gadget_csv(gadgets(3)))


def test_a_killed_import_resumes_from_its_checkpoint_with_nothing_lost_or_doubled(
        gadget_csv: Callable[..., Path], settings: Any) -> None:
    settings.IMPORT_BATCH_ROWS = 7  # lowers the spec's 10 rows per transaction
    rows = gadgets(45)
    rows[33] = [rows[2][0], "后来的重复行", "1"]  # a duplicate of a row committed before the kill
    path = gadget_csv(rows)
    killing = jobs.register(GadgetImport(kill_in_batch=3))
    job = jobs.import_job_create(spec=killing, acting_user=None, path=path)
    with pytest.raises(Killed):
        jobs.import_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows_done, Gadget.objects.count()) == (ImportStatus.RUNNING, 14, 14)
    # running the same command again finds the unfinished job and continues it
    spec = jobs.register(GadgetImport())
    again = jobs.import_job_create(spec=spec, acting_user=None, path=path)
    assert again.pk == job.pk
    job = jobs.import_run(job.pk)
    assert (job.status, job.inserted, job.rejected) == (ImportStatus.SUCCEEDED, 44, 1)
    assert Gadget.objects.count() == 44
    assert Gadget.objects.get(code=rows[2][0]).name == rows[2][1]
    assert "与第 4 行重复" in errors_of(job)[0][2]
    assert AuditEvent.objects.filter(action="import.continue", object_id=str(job.pk)).exists()


def test_the_command_base_prints_a_summary_and_fails_on_a_refused_file(
        spec: GadgetImport, gadget_csv: Callable[..., Path]) -> None:
    from django.core.management import CommandError

    out, err = io.StringIO(), io.StringIO()
    import_command(spec, str(gadget_csv(gadgets(3))), mode=ImportMode.UPSERT, dry_run=False,
                   stdout=out, stderr=err)
    assert "新增 3 行，更新 0 行，拒绝 0 行" in out.getvalue() and "100.0%" in err.getvalue()
    empty = gadget_csv([], name="empty.csv")
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="未写入任何数据"):
        import_command(spec, str(empty), mode=ImportMode.UPSERT, dry_run=False, stdout=out, stderr=err)
    with pytest.raises(CommandError, match="表头有误"):
        import_command(spec, str(gadget_csv([], header=["?"], name="bad.csv")), mode=ImportMode.UPSERT,
                       dry_run=False, stdout=out, stderr=err)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_file_over_the_threshold_from_settings_into_an_empty_table_is_a_first_load_ending_alike(
        spec: GadgetImport, gadget_csv: Callable[..., Path], settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a first load needs PostgreSQL")
    rows = gadgets(300)
    rows[250] = [rows[5][0], "跨批次重复", "2"]  # doubled across batches: found when the index is built
    path = gadget_csv(rows)

    def outcome(job: ImportJob) -> Any:
        table = sorted(Gadget.objects.values_list("code", "name", "size", "import_row"))
        return table, [(r, c) for r, c, _ in errors_of(job)], (job.status, job.inserted, job.rejected)

    settings.IMPORT_BULK_MIN_ROWS = 1000  # below it: the usual path
    usual = run(spec, path)
    assert not first_load(usual)
    expected = outcome(usual)
    assert expected[1:] == ([(252, "编码")], (ImportStatus.SUCCEEDED, 299, 1))
    Gadget.objects.all().delete()
    settings.IMPORT_BULK_MIN_ROWS = 200
    first = run(spec, path)
    assert first_load(first)
    assert outcome(first) == expected
    assert "以第 7 行为准" in errors_of(first)[0][2]
    # into a table that is no longer empty: the usual path, every row an update
    again = run(spec, path)
    assert not first_load(again)
    assert (again.inserted, again.updated, Gadget.objects.count()) == (0, 299, 299)
