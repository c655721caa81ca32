"""A report's files (R-S3): an XLSX workbook (one sheet of figures with the comparison, one of
the departments, one per list of what was missed) and a PDF (A4, Noto CJK, WeasyPrint as the
inspection notice). Every text cell is written as a string, never a formula
(``core.exports``); figures are numbers."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

import xlsxwriter
from django.template.loader import render_to_string

from spotcheck.core import clock
from spotcheck.core.exports import cell_text
from spotcheck.inspections.notices import render_pdf
from spotcheck.oversight.reports import DEPARTMENT_COLUMNS, PDF_LIST_LIMIT, ReportData

SUMMARY_SHEET = "主要数据"
DEPARTMENT_SHEET = "各部门"


def _write(sheet: Any, row: int, col: int, value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
    else:
        text = cell_text(value)
        if text:
            sheet.write_string(row, col, text)


def write_xlsx(data: ReportData, out: str | IO[bytes]) -> None:
    book = xlsxwriter.Workbook(out, {"strings_to_formulas": False, "strings_to_numbers": False,
                                     "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    sheet = book.add_worksheet(SUMMARY_SHEET)
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 3, 14)
    sheet.write_string(0, 0, f"{data.scope_name} {data.label}“双随机、一公开”监管工作监督报告", bold)
    sheet.write_string(1, 0, f"统计截至 {data.as_of:%Y-%m-%d}；生成于 "
                             f"{clock.now().astimezone(dt.timezone(dt.timedelta(hours=8))):%Y-%m-%d %H:%M}")
    for col, header in enumerate(["项目", data.label, data.previous_label, "增减"]):
        sheet.write_string(3, col, header, bold)
    for i, (label, now, before, change) in enumerate(data.comparison(), start=4):
        for col, value in enumerate([label, now, before, change]):
            _write(sheet, i, col, value)

    sheet = book.add_worksheet(DEPARTMENT_SHEET)
    headers = ["部门"] + [label for _, label in DEPARTMENT_COLUMNS]
    sheet.set_column(0, 0, 24)
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
    for i, row in enumerate(data.departments, start=1):
        for col, value in enumerate([row["department"]] + [row[k] for k, _ in DEPARTMENT_COLUMNS]):
            _write(sheet, i, col, value)

    for missed in data.missed:
        sheet = book.add_worksheet(missed.title.split("（")[0][:31])
        sheet.set_column(0, len(missed.headers) - 1, 18)
        for col, header in enumerate(missed.headers):
            sheet.write_string(0, col, header, bold)
        for i, line in enumerate(missed.rows, start=1):
            for col, value in enumerate(line):
                _write(sheet, i, col, value)
    book.close()


def pdf_bytes(data: ReportData) -> bytes:
    html = render_to_string("oversight/report_pdf.html", {
        "data": data, "limit": PDF_LIST_LIMIT, "printed": clock.now()})
    return render_pdf(html)
