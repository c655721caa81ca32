"""Exports never contain a formula: reopened with openpyxl, no cell has data type 'f'."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl

from spotcheck.core.exports import csv_lines, write_xlsx

NASTY = ["=1+1", "+SUM(A1:A2)", "-2+3", "@cmd", "\tx", "\rx", "=HYPERLINK(\"http://x\")", "正常文本"]


def test_xlsx_cells_that_look_like_formulas_are_text() -> None:
    buf = io.BytesIO()
    write_xlsx(buf, ["a", "=b"], [[v, dt.date(2024, 1, 2)] for v in NASTY])
    buf.seek(0)
    sheet = openpyxl.load_workbook(buf).active
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    # openpyxl shows a carriage return in its XML escape; the text is kept either way
    assert [r[0].value.replace("_x000D_", "\r") for r in sheet.iter_rows(min_row=2)] == NASTY
    assert sheet["B2"].value == "2024-01-02"


def test_csv_cells_that_look_like_formulas_get_a_quote() -> None:
    text = "".join(csv_lines(["h"], [[v] for v in NASTY]))
    assert text.startswith("\ufeff")
    lines = text.splitlines()
    assert "'=1+1" in lines
    assert "'@cmd" in lines
    assert "正常文本" in lines
