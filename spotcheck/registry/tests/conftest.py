from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from spotcheck.registry.imports import COLUMNS

HEADERS = [c.header for c in COLUMNS]


@pytest.fixture
def files(tmp_path: Path) -> Any:
    """Writers of import files into a temporary folder."""

    class Files:
        def csv(self, rows: list[list[str]], *, header: list[str] | None = None, name: str = "e.csv",
                encoding: str = "utf-8") -> Path:
            buf = io.StringIO()
            writer = csv.writer(buf)
            writer.writerow(HEADERS if header is None else header)
            writer.writerows(rows)
            path = tmp_path / name
            path.write_bytes(buf.getvalue().encode(encoding))
            return path

        def xlsx(self, rows: list[list[Any]], *, header: list[str] | None = None,
                 name: str = "e.xlsx") -> Path:
            path = tmp_path / name
            book = xlsxwriter.Workbook(str(path))
            sheet = book.add_worksheet()
            for r, row in enumerate([HEADERS if header is None else header, *rows]):
                for c, value in enumerate(row):
                    if isinstance(value, str):
                        sheet.write_string(r, c, value)
                    else:
                        sheet.write(r, c, value)
            book.close()
            return path

        def raw(self, data: bytes, name: str) -> Path:
            path = tmp_path / name
            path.write_bytes(data)
            return path

    return Files()
