"""Reading a CSV file in chunks (core.imports.files): records are never cut, and what a
chunk's bytes may hold (control characters, cells that start like a formula, cells with
whitespace at an edge) is never missed — the column-wise checks skip what the bytes say
is absent."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from spotcheck.core.imports.files import block_marks, count_lines, csv_chunks


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
    marks = block_marks(block)
    assert (marks.controls, marks.formulas) == (controls, formulas)
    assert count_lines(block) == block.count(b"\n")


@pytest.mark.parametrize(("text", "spaces"), [
    ("上饶市 信州区,b\n", False),              # a space inside a cell
    ("a,b c,2015-03-01\r\n", False),
    ("a, b\n", True),                          # at a cell's start
    ("a ,b\n", True),                          # at its end
    ("a,b \n", True),                          # before the line end
    ("a,b \r\n", True),                        # before a CRLF line end
    (" a,b\n", True),                          # the block's first byte
    ("a,b ", True),                             # its last byte
    ('a," b"\n', True),                        # inside quotes
    ("a,\u3000上饶\n", True),                  # ideographic space
    ("a,上饶\u3000\n", True),
    ("a,上\u3000饶、《文》\n", False),         # inside a cell; other CJK punctuation
    ("a,\u00a0b\n", True),                     # no-break space
    ("a,·b\u00b7\n", False),                   # a middle dot is not whitespace
    ("a,b\u2003\n", True),                     # em space
    ("a,“b”—c\u2026\n", False),               # quotes, dash, ellipsis are not whitespace
    ("a,b\u205f\n", True),
    ("a,\u1680b\n", True),
    ("a,\tb\n", True),                         # a tab: a control character, and whitespace
])
def test_block_marks_spaces(text: str, spaces: bool) -> None:
    assert block_marks(text.encode("utf-8")).spaces is spaces


WHITESPACE = [" ", "\t", "\u3000", "\u00a0", "\u2003", "\u2028", "\u205f", "\u1680", "\x85", "\x1f"]
CELL = st.text(alphabet=st.sampled_from([*"ab-=+@\r\x01\x7f\"上饶,·、", *WHITESPACE]), max_size=6)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=8))
def test_block_marks_never_misses_what_the_cells_hold(rows: list[list[str]]) -> None:
    # a last cell ending in CR is written unquoted: in the file it is a CRLF line end
    assume(not any(r[-1].endswith("\r") for r in rows))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    controls, formulas, spaces = block_marks(buf.getvalue().encode("utf-8"))
    cells = [c for r in rows for c in r]
    if any((ch < " " and ch not in "\n") or ch == "\x7f" for c in cells for ch in c):
        assert controls
    if any(c[:1] in ("=", "+", "-", "@") for c in cells):
        assert formulas
    if any(c.strip() != c for c in cells):
        assert spaces


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


@pytest.mark.parametrize(("body", "framed"), [
    (b"1,a,b\r\n2,c,d\r\n3,e,f\r\n", True),    # Windows line ends: read column-wise
    (b"1,a,b\r\n2,c\rx,d\r\n3,e,f\r\n", False),  # a lone CR ends a record for the csv module
    (b"1,a,b\n2,c,d\r", True),                 # a last CR: the line end added to the file's end follows it
])
def test_a_lone_cr_sends_the_block_to_the_csv_module_and_both_readers_agree(
        tmp_path: Path, body: bytes, framed: bool) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"n,x,y\r\n" + body)
    chunks = list(csv_chunks(path, 3))
    got = [list(r) for c in chunks for r in ((c.frame.rows() if c.frame is not None else c.rows) or [])]
    expected = list(csv.reader(io.StringIO(body.decode(), newline=""), strict=True))
    assert got == expected
    assert all((c.frame is not None) is framed for c in chunks)
