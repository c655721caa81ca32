"""Reading a CSV file in chunks (core.imports.files): records are never cut, and what a
chunk's bytes may hold (control characters, cells that start like a formula) is never
missed — the column-wise checks skip what the bytes say is absent."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spotcheck.core.imports.files import block_marks, csv_chunks


@pytest.mark.parametrize(("block", "controls", "formulas"), [
    (b"a,b\r\nc,d\r\n", False, False),          # CRLF line ends are not control characters
    (b"a,b\n", False, False),
    (b"a,b-c,2015-03-01\n", False, False),      # a dash inside a cell
    (b"a,\tb\n", True, False),                  # a tab
    (b"a,b\rc\n", True, False),                 # a lone CR
    (b"a,b\x7f\n", True, False),
    (b"a,b\r", True, False),                    # a CR with nothing after it
    (b"a,-b\n", False, True),
    (b"-a,b\n", False, True),                   # the first cell of the block
    (b'a,"=b"\n', False, True),                 # quoted
    (b"a,b\n+c,d\n", False, True),              # the first cell of a later line
    (b"a,b@c\n", False, False),
])
def test_block_marks(block: bytes, controls: bool, formulas: bool) -> None:
    assert block_marks(block) == (controls, formulas)


CELL = st.text(alphabet=st.sampled_from(list("ab-=+@ \t\r\x01\x7f\"上饶,")), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8))
def test_block_marks_never_misses_what_the_cells_hold(rows: list[list[str]]) -> None:
    # a last cell ending in CR is written unquoted: in the file it is a CRLF line end
    assume(not any(r[-1].endswith("\r") for r in rows))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    controls, formulas = block_marks(buf.getvalue().encode("utf-8"))
    cells = [c for r in rows for c in r]
    if any((ch < " " and ch not in "\n") or ch == "\x7f" for c in cells for ch in c):
        assert controls
    if any(c[:1] in ("=", "+", "-", "@") for c in cells):
        assert formulas


def test_chunks_cut_at_record_boundaries_and_keep_row_numbers(tmp_path: Path) -> None:
    rows = [[f"{i:05d}", "上饶" * (i % 7), "多行\n单元格" if i % 97 == 0 else "x"] for i in range(3000)]
    path = tmp_path / "f.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["a", "b", "c"], *rows])
    seen: list[list[str]] = []
    numbers: list[int] = []
    for chunk in csv_chunks(path, 3, chunk_bytes=4096):
        got = (chunk.frame.rows() if chunk.frame is not None else chunk.rows) or []
        numbers.append(chunk.first)
        seen += [list(r) for r in got]
    assert seen == rows
    assert numbers[0] == 2 and numbers == sorted(numbers) and len(numbers) > 5
