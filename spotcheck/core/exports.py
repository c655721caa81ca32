"""Exports of any list to XLSX and CSV, safe against formula injection.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be taken
for a formula by a spreadsheet. XLSX cells are always written with ``write_string`` (never a
formula, whatever the text); CSV cells that begin so get a leading single quote (OWASP).

Memory does not grow with the list: XLSX is written by xlsxwriter in constant-memory mode
(row by row to a temporary file), CSV is streamed (``StreamingHttpResponse``). One sheet holds
at most 1,048,576 rows; longer lists continue on further sheets.

Interface::

    rows = ((e.uscc, e.name, ...) for e in queryset.iterator(chunk_size=2000))
    return xlsx_response("市场主体.xlsx", headers, rows)   # or csv_response(...)
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import IO, Any
from urllib.parse import quote

import xlsxwriter
from django.http import FileResponse, StreamingHttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_ROWS = 1_048_576
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_text(value: Any) -> str:
    """The text of a cell: dates as ISO dates, None as empty, everything else ``str``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def csv_safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_xlsx(out: str | IO[bytes], headers: Sequence[str], rows: Iterable[Sequence[Any]],
               *, sheet_name: str = "Sheet1") -> int:
    """Write the rows (every cell as a string, never a formula); returns the row count."""
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_numbers": False, "strings_to_urls": False,
                                         "in_memory": False})
    bold = workbook.add_format({"bold": True})
    count = 0
    part = 1
    sheet = _new_sheet(workbook, sheet_name, headers, bold)
    line = 1
    for row in rows:
        if line >= XLSX_MAX_ROWS:
            part += 1
            sheet = _new_sheet(workbook, f"{sheet_name}-{part}", headers, bold)
            line = 1
        for col, value in enumerate(row):
            text = cell_text(value)
            if text:
                sheet.write_string(line, col, text)
        line += 1
        count += 1
    workbook.close()
    return count


def _new_sheet(workbook: Any, name: str, headers: Sequence[str], bold: Any) -> Any:
    sheet = workbook.add_worksheet(name[:31])
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, bold)
        sheet.set_column(col, col, max(10, min(40, len(header) * 3)))
    return sheet


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """UTF-8 CSV with a BOM (so that spreadsheet programs read Chinese), one line at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([csv_safe(h) for h in headers])
    for row in rows:
        yield writer.writerow([csv_safe(cell_text(v)) for v in row])


def content_disposition(filename: str) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode() or "export"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
                 ) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_lines(headers, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition(filename)
    return response


def xlsx_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]],
                  *, sheet_name: str = "Sheet1") -> FileResponse:
    """Write to a temporary file (constant memory), then send it; the file goes when closed."""
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    write_xlsx(tmp, headers, rows, sheet_name=sheet_name)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
