from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from spotcheck.core.imports.jobs import register
from spotcheck.core.imports.tests.toy import Gadget, GadgetImport


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The toy import's table, in the test database only."""
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.create_model(Gadget)


@pytest.fixture
def spec() -> GadgetImport:
    """A fresh toy import, registered under its kind (the runner looks it up by kind)."""
    return register(GadgetImport())  # type: ignore[return-value]


@pytest.fixture
def gadget_csv(tmp_path: Path) -> Callable[..., Path]:
    """``gadget_csv(rows, header=None, name="g.csv")``: a CSV file of the toy import."""

    def write(rows: list[list[str]], *, header: list[str] | None = None, name: str = "g.csv") -> Path:
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(header or ["编码", "名称", "尺寸"])
        writer.writerows(rows)
        path = tmp_path / name
        path.write_bytes(buf.getvalue().encode("utf-8"))
        return path

    return write


def gadgets(n: int, start: int = 1) -> list[list[str]]:
    return [[f"G{i:05d}", f"部件{i}", str(i % 7)] for i in range(start, start + n)]
