"""Writing small import files for tests, and reading a job's row errors."""

from __future__ import annotations

import csv
from pathlib import Path

import xlsxwriter

from spotcheck.core.imports.models import ImportJob, ImportRowError


def write_csv(path: Path, rows: list[list[str]], headers: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[str]], headers: list[str]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate([headers, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return path


def errors(job: ImportJob) -> list[tuple[int, str, str]]:
    return list(ImportRowError.objects.filter(job=job).order_by("row", "id")
                .values_list("row", "column", "message"))
