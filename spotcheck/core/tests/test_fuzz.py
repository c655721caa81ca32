"""Fuzzing the readers of outside input (GB/T 22239-2019 8.1.4.4 input validation, 8.1.4.7
integrity; software fault tolerance): import files (CSV sniffing and chunking, XLSX) and API request bodies.

Properties: any bytes give either the rows or a refusal in Chinese (``ServiceError``,
``ParseError``), never another exception; well-formed CSV written by the csv module comes
back from the chunked reader record for record, whatever the chunk size. Bounded in the
suite (``FUZZ_EXAMPLES``, 60 by default); longer runs are documented in docs/security.md.
Inputs that once crashed are kept in ``fuzz_cases/`` and replayed first."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError

from spotcheck.core.errors import ServiceError
from spotcheck.core.imports.files import FileRefused, csv_chunks, inspect_file, open_rows
from spotcheck.core.parsers import FormParser, JSONParser

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
CASES = Path(__file__).parent / "fuzz_cases"
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _read_all(path: Path, name: str) -> None:
    """Inspect, then read every row, as an import does; only refusals may stop it."""
    try:
        info = inspect_file(path, name=name)
        _, rows = open_rows(path, info)
        for _ in rows:
            pass
        if info.format == "csv":
            width = 3
            for chunk in csv_chunks(path, width, chunk_bytes=64):
                _ = chunk.frame.rows() if chunk.frame is not None else chunk.rows
    except (ServiceError, csv.Error, UnicodeDecodeError):
        # csv.Error and UnicodeDecodeError are what the import engine turns into row errors
        return


CSV_BYTES = st.one_of(
    st.binary(max_size=400),
    st.lists(st.lists(st.text(max_size=8), min_size=1, max_size=4), max_size=6).map(
        lambda rows: "\n".join(",".join(r) for r in rows).encode("utf-8")),
    st.text(alphabet=st.sampled_from(list('ab,;\t"\r\n\x00\ufeff上饶=')), max_size=200).map(
        lambda t: t.encode("utf-8")),
    st.binary(max_size=200).map(lambda b: b"\xef\xbb\xbf" + b),
    st.text(max_size=100).map(lambda t: t.encode("gb18030", "replace")),
)


@FUZZ
@given(data=CSV_BYTES)
def test_any_csv_bytes_are_read_or_refused(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    path.write_bytes(data)
    _read_all(path, "f.csv")


# A lone CR too: both readers take it for a line end (test_a_lone_cr_reads_the_same_in_both_readers).
CELL = st.lists(st.sampled_from([*'ab ,"\n上饶-=X0', "\u3000", "\r\n", "\r"]), max_size=7).map("".join)


@FUZZ
@given(rows=st.lists(st.lists(CELL, min_size=3, max_size=3), min_size=1, max_size=30),
       chunk=st.integers(min_value=1, max_value=300))
def test_chunked_csv_gives_back_what_the_csv_module_wrote(tmp_path_factory: pytest.TempPathFactory,
                                                          rows: list[list[str]], chunk: int) -> None:
    path = tmp_path_factory.mktemp("csv") / "f.csv"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([["a", "b", "c"], *rows])
    path.write_bytes(buf.getvalue().encode("utf-8"))
    expected = list(csv.reader(io.StringIO(buf.getvalue(), newline="")))[1:]
    seen: list[list[str]] = []
    for c in csv_chunks(path, 3, chunk_bytes=chunk):
        got = (c.frame.rows() if c.frame is not None else c.rows) or []
        seen += [["" if v is None else v for v in r] for r in got]
    assert [r for r in seen if r] == [r for r in expected if r]


def _xlsx(rows: list[list[str]]) -> bytes:
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet()
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write_string(i, j, value)
    book.close()
    return buf.getvalue()


SEED_XLSX = _xlsx([["统一社会信用代码", "名称", "电话"], ["91361100MA35TEXT0X", "上饶某公司", "13800000000"]])


@FUZZ
@given(at=st.integers(min_value=0, max_value=len(SEED_XLSX) - 1),
       how=st.sampled_from(["flip", "cut", "insert"]),
       payload=st.binary(min_size=1, max_size=32))
def test_a_damaged_xlsx_is_read_or_refused(tmp_path_factory: pytest.TempPathFactory, at: int, how: str,
                                           payload: bytes) -> None:
    data = SEED_XLSX
    if how == "flip":
        data = data[:at] + bytes([data[at] ^ payload[0] or 1]) + data[at + 1:]
    elif how == "cut":
        data = data[:at]
    else:
        data = data[:at] + payload + data[at:]
    path = tmp_path_factory.mktemp("xlsx") / "f.xlsx"
    path.write_bytes(data)
    if not data:
        with pytest.raises(ServiceError):
            inspect_file(path, name="f.xlsx")
        return
    _read_all(path, "f.xlsx")


JSONISH = st.one_of(
    st.binary(max_size=200),
    st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
                 lambda inner: (st.lists(inner, max_size=4)
                                | st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                 max_leaves=20).map(lambda v: __import__("json").dumps(v).encode("utf-8")),
    st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@FUZZ
@given(body=JSONISH)
def test_any_json_body_is_parsed_or_refused(body: bytes) -> None:
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=150):
        try:
            JSONParser().parse(io.BytesIO(body), "application/json", {"encoding": "utf-8"})
        except (ParseError, ServiceError):
            pass
        except Exception as exc:  # RequestDataTooBig is the API's 413
            from django.core.exceptions import RequestDataTooBig

            assert isinstance(exc, RequestDataTooBig)


@FUZZ
@given(body=st.binary(max_size=200) | st.text(max_size=80).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_form_body_is_parsed_or_refused(body: bytes) -> None:
    from django.test import RequestFactory

    request = RequestFactory().post("/", data=body, content_type="application/x-www-form-urlencoded")
    context = {"request": request, "encoding": "utf-8"}
    try:
        FormParser().parse(io.BytesIO(body), "application/x-www-form-urlencoded", context)
    except (ParseError, ServiceError):
        pass


def test_a_lone_cr_reads_the_same_in_both_readers(tmp_path: Path) -> None:
    path = tmp_path / "lone-cr.csv"
    path.write_bytes((CASES / "lone-cr.csv").read_bytes())
    info = inspect_file(path)
    rows = list(open_rows(path, info)[1])[1:]
    chunked = [list(r) for c in csv_chunks(path, 3)
               for r in (c.frame.rows() if c.frame is not None else (c.rows or []))]
    assert rows == chunked


def test_kept_crash_cases_stay_fixed(tmp_path: Path) -> None:
    for case in sorted(CASES.glob("*")):
        if case.suffix in (".csv", ".xlsx"):
            target = tmp_path / case.name
            target.write_bytes(case.read_bytes())
            _read_all(target, case.name)
        elif case.suffix == ".json":
            try:
                JSONParser().parse(io.BytesIO(case.read_bytes()), "application/json", {"encoding": "utf-8"})
            except (ParseError, ServiceError):
                pass


def test_an_xlsx_whose_directory_claims_an_unknown_zip_version_is_refused(tmp_path: Path) -> None:
    data = bytearray(SEED_XLSX)
    at = data.index(b"PK\x01\x02")  # the first central directory entry
    data[at + 6:at + 8] = (84).to_bytes(2, "little")  # "version needed to extract": 8.4
    path = tmp_path / "f.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(FileRefused, match="XLSX 文件已损坏"):
        inspect_file(path)
