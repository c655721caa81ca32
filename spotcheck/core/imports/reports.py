"""What an import offers for download: the error report of a job and the templates of a
spec (CSV and XLSX, with a sheet that explains each column)."""

from __future__ import annotations

import io
from typing import IO

import xlsxwriter

from spotcheck.core.exports import XLSX_CONTENT_TYPE, write_xlsx
from spotcheck.core.imports.models import ImportJob, ImportRowError
from spotcheck.core.imports.spec import ImportSpec

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
