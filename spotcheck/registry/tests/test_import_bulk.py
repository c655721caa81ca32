"""A first load (a large file into an empty table on PostgreSQL: one transaction, indexes
dropped and rebuilt at its end) ends exactly as the usual path does: the same entities with
the same values and tags, the same rows rejected with the same messages — keys doubled
within a batch and across batches, invalid rows, rows the column-wise check leaves to the
row-by-row one. A table that already holds rows is never loaded that way."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from spotcheck.audit.models import AuditEvent
from spotcheck.core.crypto import field_cipher
from spotcheck.core.imports import jobs
from spotcheck.core.imports.models import ImportRowError, ImportStatus
from spotcheck.demo.registry import HEADERS, entity_rows
from spotcheck.registry.imports import ENTITY_IMPORT
from spotcheck.registry.models import EntityTag, MarketEntity

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _file(path: Path) -> Path:
    rows = [list(r) for r in entity_rows(3000, seed=31)]
    rows[5][11] = "制造业;招商引资"
    rows[6][11] = ";"
    rows[100] = [rows[3][0], "同一批内的重复", *rows[100][2:]]      # doubled in its batch
    rows[2500] = [rows[7][0], "另一批的重复", *rows[2500][2:]]       # doubled across batches
    rows[2600][11] = "纳税大户"
    rows[2600][0] = rows[5][0]                                     # doubled, with tags
    rows[40][6] = "999999"                                         # unknown division
    rows[41][0] = rows[41][0][:17] + "?"                           # bad check character
    rows[42][1] = " 前后有空格的名称 "                               # valid, row by row
    rows[43][3] = "=HYPERLINK(1)"                                  # a formula
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(rows)
        writer.writerow([""] * len(HEADERS))                        # a blank line
    return path


def _outcome(job: Any) -> tuple[Any, ...]:
    cipher = field_cipher()
    entities = sorted((e.uscc, e.name, e.kind, e.division_id, e.founded_on, e.address, e.risk_level,
                       e.import_row, cipher.decrypt(e.legal_rep_secret or b""), e.legal_rep_id_masked,
                       tuple(sorted(EntityTag.objects.filter(entity=e).values_list("tag__name", flat=True))))
                      for e in MarketEntity.objects.all())
    errors = sorted(ImportRowError.objects.filter(job=job).values_list("row", "column", "message"))
    return entities, errors, (job.inserted, job.updated, job.rejected, job.rows_done)


def _import(path: Path) -> tuple[Any, bool]:
    """Import the file; (the job, whether it ran as a first load, as its finish event says)."""
    job = jobs.import_job_create(spec=ENTITY_IMPORT, acting_user=None, path=path, resume=False)
    job = jobs.import_run(job.pk)
    assert job.status == ImportStatus.SUCCEEDED, job.message
    finish = AuditEvent.objects.get(action="import.finish", object_id=str(job.pk))
    return job, bool(finish.summary.get("first_load", False))


def _schema() -> list[tuple[str, ...]]:
    """Constraints and indexes of the entity table, of its tags and of every table whose
    foreign keys point at it: what a first load drops and builds again."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated::text "
            "FROM pg_constraint WHERE conrelid IN ('registry_marketentity'::regclass, "
            "'registry_entitytag'::regclass) OR confrelid = 'registry_marketentity'::regclass "
            "UNION ALL SELECT tablename, indexname, indexdef, '' FROM pg_indexes "
            "WHERE tablename IN ('registry_marketentity', 'registry_entitytag') ORDER BY 1, 2, 3")
        return cursor.fetchall()


def _empty() -> None:
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE registry_marketentity CASCADE")


def test_a_first_load_ends_exactly_as_the_usual_path(departments: Any, tmp_path: Path, settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    path = _file(tmp_path / "entities.csv")
    settings.IMPORT_BATCH_ROWS = 700
    settings.IMPORT_BULK_MIN_ROWS = 0  # the usual path
    usual, began = _import(path)
    assert not began
    expected = _outcome(usual)
    assert expected[2][:3] == (2994, 0, 6), expected[1]
    schema = _schema()
    assert any(d.startswith("PRIMARY KEY") for _, _, d, _ in schema)
    assert sum(t.startswith("inspections_") for t, *_ in schema) >= 4  # keys pointing at entities
    _empty()
    settings.IMPORT_BULK_MIN_ROWS = 1000
    first, began = _import(path)
    assert began
    assert _outcome(first) == expected
    # the primary key, the keys pointing at it, uniques and indexes are all back, validated
    assert _schema() == schema
    # again, into the table it has just filled: the usual path, every row an update
    again, began = _import(path)
    assert not began
    assert (again.inserted, again.updated) == (0, 2994)
    assert MarketEntity.objects.count() == 2994


def test_a_file_below_the_threshold_or_a_dry_run_is_not_a_first_load(departments: Any, tmp_path: Path,
                                                                     settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    path = _file(tmp_path / "entities.csv")
    settings.IMPORT_BULK_MIN_ROWS = 5000
    _, began = _import(path)
    assert not began
    _empty()
    settings.IMPORT_BULK_MIN_ROWS = 1000
    job = jobs.import_job_create(spec=ENTITY_IMPORT, acting_user=None, path=path, resume=False,
                                   dry_run=True)
    job = jobs.import_run(job.pk)
    assert (job.status, MarketEntity.objects.count()) == (ImportStatus.SUCCEEDED, 0)
