"""What an uploaded file is, by its content, and its rows, streamed.

Every check here happens before anything is written (file-level failures: nothing is
written at all): size, type by content (XLSX = a zip holding ``[Content_Types].xml`` and
``xl/workbook.xml``; CSV = text in UTF-8, with or without BOM, or GB18030, without NUL bytes),
declared unpacked size and compression ratio of an XLSX before calamine opens it (zip bombs),
encoding and quote balance of a whole CSV (one C-speed pass that also hashes the file and
estimates the rows), and the header.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import os
import threading
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, NamedTuple

from spotcheck.core.errors import ServiceError

MB = 1024 * 1024
_CHUNK = 4 * MB
ZIP_MAGIC = b"PK\x03\x04"
# Formats that are not ours but are often renamed to .xlsx/.csv.
_FOREIGN_MAGIC = {b"\xd0\xcf\x11\xe0": "Excel 97-2003（.xls）或其他 OLE 文件", b"%PDF": "PDF 文件",
                  b"\x89PNG": "PNG 图片", b"\xff\xd8\xff": "JPEG 图片", b"\x1f\x8b": "gzip 压缩文件",
                  b"Rar!": "RAR 压缩文件", b"7z\xbc\xaf": "7z 压缩文件"}


def _limit(name: str) -> int:
    from django.conf import settings

    return int(getattr(settings, name))


def max_bytes() -> int:
    """IMPORT_MAX_MB (default 200): the largest file accepted."""
    return _limit("IMPORT_MAX_MB") * MB


def max_unpacked_bytes() -> int:
    """IMPORT_MAX_UNPACKED_MB (default 1000): the largest declared unpacked size of an XLSX."""
    return _limit("IMPORT_MAX_UNPACKED_MB") * MB


def max_sheet_bytes() -> int:
    """IMPORT_MAX_XLSX_SHEET_MB (default 200): calamine holds a sheet in memory, about 1.7
    times its unpacked XML; 200 MB is about 250,000 entity rows and keeps an import under
    500 MB. Larger files go as CSV, which streams."""
    return _limit("IMPORT_MAX_XLSX_SHEET_MB") * MB


def max_zip_ratio() -> int:
    """IMPORT_MAX_ZIP_RATIO (default 100): unpacked/packed; real XLSX stay well under 20."""
    return _limit("IMPORT_MAX_ZIP_RATIO")


class FileRefused(ServiceError):
    """The file as a whole cannot be imported; nothing was written."""

    code = "file_refused"


def upload_save(upload: Any) -> Path:
    """Store an upload (a Django ``UploadedFile``) under var/media/imports/, streamed in
    chunks, and return its path; a file over IMPORT_MAX_MB is refused first."""
    import secrets

    from django.conf import settings

    if upload.size and upload.size > max_bytes():
        raise FileRefused(f"文件超过上限 {max_bytes() // (1024 * 1024)} MB。")
    folder = Path(settings.VAR_DIR) / "media" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.name or "").suffix.lower()[:8]
    path = folder / f"{secrets.token_hex(12)}{suffix}"
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return path


@dataclass(frozen=True)
class FileInfo:
    format: str  # "csv" | "xlsx"
    size: int
    sha256: str
    encoding: str = ""  # csv only
    rows_estimate: int = 0  # data rows, without the header


def _sha256(path: Path, stop: threading.Event | None = None) -> str:
    """The file's SHA-256 (hashlib lets go of the GIL: this runs beside the other checks);
    empty when ``stop`` is set before the end."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if stop is not None and stop.is_set():
                return ""
            digest.update(chunk)
    return digest.hexdigest()


def inspect_file(path: str | os.PathLike[str], *, name: str = "") -> FileInfo:
    """Check the file as a whole; raise ``FileRefused`` with a Chinese message if it is not one
    we import. The format is decided by the content and must agree with the extension."""
    p = Path(path)
    name = name or p.name
    ext = Path(name).suffix.lower()
    if ext not in (".csv", ".xlsx"):
        raise FileRefused(f"不支持的文件类型“{ext or '无扩展名'}”：请上传 .csv 或 .xlsx 文件。")
    size = p.stat().st_size
    if size == 0:
        raise FileRefused("文件为空。")
    if size > max_bytes():
        raise FileRefused(f"文件大小 {size / MB:.1f} MB 超过上限 {max_bytes() // MB} MB。")
    with p.open("rb") as fh:
        head = fh.read(8)
    for magic, what in _FOREIGN_MAGIC.items():
        if head.startswith(magic):
            raise FileRefused(f"文件内容是{what}，不是 {ext[1:].upper()} 文件。"
                              "请另存为 .xlsx 或 .csv 后上传。")
    if head.startswith(ZIP_MAGIC):
        if ext != ".xlsx":
            raise FileRefused("文件扩展名为 .csv，但内容是压缩包（可能是 XLSX）：请使用正确的扩展名。")
        _check_xlsx_zip(p)
        return FileInfo("xlsx", size, _sha256(p))
    if ext == ".xlsx":
        raise FileRefused("文件扩展名为 .xlsx，但内容不是 XLSX 工作簿（可能是改了扩展名的其他文件）。")
    return _inspect_csv(p, size)


def _check_xlsx_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, EOFError) as exc:
        # a damaged directory may also claim a zip version or method zipfile does not know
        raise FileRefused("XLSX 文件已损坏，无法打开。") from exc
    names = {i.filename for i in infos}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise FileRefused("文件是压缩包，但不是 XLSX 工作簿（缺少 [Content_Types].xml 或 xl/workbook.xml）。")
    unpacked = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if unpacked > max_unpacked_bytes():
        raise FileRefused(f"XLSX 解压后大小 {unpacked / MB:.0f} MB 超过上限 "
                          f"{max_unpacked_bytes() // MB} MB，拒绝打开（疑似压缩炸弹）。")
    sheet = max((i.file_size for i in infos if i.filename.startswith("xl/worksheets/")), default=0)
    sheet += sum(i.file_size for i in infos if i.filename == "xl/sharedStrings.xml")
    if sheet > max_sheet_bytes():
        raise FileRefused(f"XLSX 工作表解压后 {sheet / MB:.0f} MB，超过上限 {max_sheet_bytes() // MB} MB"
                          "（约 25 万行）：请分成几个文件，或另存为 CSV 导入（CSV 不受此限）。")
    ratio = max_zip_ratio()
    if (unpacked > 10 * MB and unpacked > ratio * max(packed, 1)) or any(
            i.file_size > 10 * MB and i.file_size > ratio * max(i.compress_size, 1) for i in infos):
        raise FileRefused(f"XLSX 压缩比超过 {ratio} 倍，拒绝打开（疑似压缩炸弹）。")


def _inspect_csv(path: Path, size: int) -> FileInfo:
    """One pass over the whole file: NUL bytes, encoding, quote balance, line count; the hash
    is taken at the same time by a second thread reading the file on its own."""
    with path.open("rb") as fh:
        if fh.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            raise FileRefused("文件编码无法识别：文件为 UTF-16 编码，CSV 应为 UTF-8 或 GB18030（GBK）编码，"
                              "请另存为“CSV UTF-8”。")
    stop = threading.Event()
    with ThreadPoolExecutor(1) as pool:
        hashing = pool.submit(_sha256, path, stop)
        try:
            for encoding in ("utf-8-sig", "gb18030"):
                try:
                    lines, quotes, last = _scan_text(path, encoding)
                except UnicodeDecodeError:
                    continue
                if quotes % 2:
                    raise FileRefused("CSV 文件中的双引号不成对（某个单元格的引号没有闭合）。")
                rows = lines + (1 if last not in (b"\n", b"") else 0)
                return FileInfo("csv", size, hashing.result(), encoding, max(rows - 1, 0))
            raise FileRefused("文件编码无法识别：CSV 应为 UTF-8 或 GB18030（GBK）编码的文本。")
        finally:
            stop.set()  # a refused file: the hash is not waited for


def _scan_text(path: Path, encoding: str) -> tuple[int, int, bytes]:
    """(line breaks, double quotes, last byte) of a file that decodes in ``encoding``; raises
    ``UnicodeDecodeError`` otherwise and ``FileRefused`` at a NUL byte."""
    decoder = _Utf8Check() if encoding == "utf-8-sig" else codecs.getincrementaldecoder(encoding)()
    lines = quotes = 0
    last = b""
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            if b"\0" in chunk:
                raise FileRefused("文件含有空字节（NUL），不是文本 CSV 文件。")
            decoder.decode(chunk)
            lines += count_lines(chunk)
            # most files quote nothing
            if b'"' in chunk:
                quotes += chunk.count(b'"')
            last = chunk[-1:]
        decoder.decode(b"", final=True)
    return lines, quotes, last


class _Utf8Check:
    """UTF-8 validation of a stream, in the manner of an incremental decoder but without
    building the text: polars checks each run of whole lines (a line break never falls
    inside a UTF-8 sequence), about three times as fast as decoding. A BOM is valid UTF-8."""

    def __init__(self) -> None:
        self.rest = b""

    def decode(self, chunk: bytes, final: bool = False) -> None:
        import polars as pl

        data = self.rest + chunk
        cut = len(data) if final else data.rfind(b"\n") + 1
        if cut:
            try:
                pl.Series([data[:cut]], dtype=pl.Binary).cast(pl.String, strict=True)
            except pl.exceptions.PolarsError as exc:
                raise UnicodeDecodeError("utf-8", data[:16], 0, 1, "invalid utf-8") from exc
        self.rest = data[cut:]


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def open_rows(path: str | os.PathLike[str], info: FileInfo) -> tuple[int, Iterator[list[str]]]:
    """(estimated data rows, the rows as lists of strings with the header first).

    An XLSX sheet is opened here, so that a workbook calamine cannot read is refused before
    anything is written.
    """
    if info.format == "csv":
        return info.rows_estimate, _csv_rows(path, info.encoding)
    from python_calamine import CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = sheet.iter_rows()
    except Exception as exc:  # calamine raises its own error types
        raise FileRefused(f"XLSX 工作簿无法读取：{exc}") from exc
    return max(sheet.height - 1, 0), (list(map(_xlsx_cell, row)) for row in rows)


def _csv_rows(path: str | os.PathLike[str], encoding: str) -> Iterator[list[str]]:
    with open(path, encoding=encoding, newline="") as fh:
        yield from csv.reader(fh, strict=True)


# --- column-wise reading of large CSV files --------------------------------------------------

CHUNK_BYTES = 4 * MB


class BlockMarks(NamedTuple):
    """What a block of CSV records may hold (False: surely not)."""

    controls: bool  # a control character other than a line end
    formulas: bool  # a cell that starts with = + - @
    spaces: bool  # a cell that starts or ends with whitespace (what str.strip removes)


# Nothing known of a block's bytes: every check is made cell by cell.
UNMARKED = BlockMarks(controls=True, formulas=True, spaces=True)


@dataclass
class Chunk:
    """Consecutive records of a CSV file: ``first`` is the number of the first (the header is
    record 1). ``frame`` holds them as a polars DataFrame of strings (columns ``c0``…) when
    they parsed cleanly one record per line; otherwise ``rows`` holds them as the csv module
    reads them (blank lines, line breaks inside quotes, ragged or malformed rows)."""

    first: int
    count: int
    frame: Any = None
    rows: list[list[str]] | None = None
    # What the chunk's bytes may hold, found in one pass over the bytes (``block_marks``), so
    # that the column-wise checks need not look for it cell by cell.
    marks: BlockMarks = UNMARKED
    backslashes: bool = True

    def skip(self, k: int) -> Chunk:
        if self.frame is not None:
            return replace(self, first=self.first + k, count=self.count - k, frame=self.frame.slice(k))
        return Chunk(self.first + k, self.count - k, rows=(self.rows or [])[k:])


_FORMULA_START = b"=+-@"
# bytes after which a cell starts: separator, line end, opening quote
_CELL_START = [c in b',\n\r"' for c in range(256)]
# bytes before which a cell ends: separator, line end (LF or CR before it), closing quote
_CELL_END = _CELL_START


def count_lines(block: bytes) -> int:
    """Line feeds in ``block`` (numpy counts a byte about twice as fast as bytes.count)."""
    import numpy as np

    return int(np.count_nonzero(np.frombuffer(block, dtype=np.uint8) == 10))


def block_marks(block: bytes, lines: int | None = None) -> BlockMarks:
    """What a block of whole CSV records (``lines`` of them, if counted) may hold: a control
    character other than a line end (LF, or CR before LF), a cell that starts with a formula
    character, a cell that starts or ends with whitespace. Conservative (a quote inside a
    cell counts as a cell's edge), exact when it says no."""
    import numpy as np

    a = np.frombuffer(block, dtype=np.uint8)
    lf = count_lines(block) if lines is None else lines
    low = int(np.count_nonzero(a < 32))
    controls = b"\x7f" in block
    if not controls and low != lf:
        cr = np.flatnonzero(a == 13)
        controls = bool(low != lf + len(cr) or (len(cr) > 0 and cr[-1] + 1 >= len(a))
                        or not (a[np.minimum(cr + 1, len(a) - 1)] == 10).all())
    formulas = bool(block[:1]) and block[:1] in (b"=", b"+", b"-", b"@")
    lookup = np.asarray(_CELL_START, dtype=bool)
    for c in _FORMULA_START:
        if formulas:
            break
        if bytes((c,)) in block:
            at = np.flatnonzero(a[1:] == c)  # positions of c, less one: the byte before it
            formulas = bool(lookup[a[at]].any())
    # the control characters that are whitespace (tab, VT, FF, FS…US) count as controls
    spaces = controls or _edge_spaces(block, a)
    return BlockMarks(controls, formulas, spaces)


def _edge_spaces(block: bytes, a: Any) -> bool:
    """Does whitespace other than a control character (what Python's ``str.strip`` removes:
    space, U+0085, U+00A0, U+1680, U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000)
    touch a cell's edge? Each lead byte is looked for first (memchr speed); CJK text leads
    with E4–E9, so a Chinese file rarely needs more than that."""
    import numpy as np

    n = len(a)
    found: list[tuple[Any, int]] = []  # (start positions, byte length)
    if b" " in block:
        found.append((np.flatnonzero(a == 0x20), 1))
    if b"\xc2" in block:
        at = np.flatnonzero(a[:-1] == 0xC2)
        second = a[at + 1]
        found.append((at[(second == 0x85) | (second == 0xA0)], 2))
    for lead in (0xE1, 0xE2, 0xE3):
        if bytes((lead,)) in block:
            at = np.flatnonzero(a[:-2] == lead)
            b1, b2 = a[at + 1].astype(np.int32), a[at + 2].astype(np.int32)
            if lead == 0xE1:
                hit = (b1 == 0x9A) & (b2 == 0x80)
            elif lead == 0xE2:
                hit = ((b1 == 0x80) & ((b2 <= 0x8A) | (b2 == 0xA8) | (b2 == 0xA9) | (b2 == 0xAF))
                       | (b1 == 0x81) & (b2 == 0x9F))
            else:
                hit = (b1 == 0x80) & (b2 == 0x80)
            found.append((at[hit], 3))
    if not found:
        return False
    start_ok = np.asarray(_CELL_START, dtype=bool)
    end_ok = np.asarray(_CELL_END, dtype=bool)
    for at, width in found:
        if not len(at):
            continue
        if at[0] == 0 or at[-1] + width >= n:
            return True
        if start_ok[a[at - 1]].any() or end_ok[a[at + width]].any():
            return True
    return False


def _record_end(buf: bytes, end: int) -> int:
    """The last line break before ``end`` that ends a record (an even number of quotes
    before it, counted from ``buf``'s start, which is a record start); -1 if none."""
    cut = buf.rfind(b"\n", 0, end)
    if b'"' not in buf:
        return cut
    while cut >= 0 and buf.count(b'"', 0, cut) % 2:
        cut = buf.rfind(b"\n", 0, cut)
    return cut


def _first_record_end(buf: bytes) -> int:
    """The line break that ends the first record of ``buf``; -1 if none."""
    cut = buf.find(b"\n")
    while cut >= 0 and buf.count(b'"', 0, cut) % 2:
        cut = buf.find(b"\n", cut + 1)
    return cut


def csv_chunks(path: str | os.PathLike[str], width: int, *,
               chunk_bytes: int = CHUNK_BYTES) -> Iterator[Chunk]:
    """The data records of a UTF-8 CSV file (after the header) in chunks of about
    ``chunk_bytes``, cut at record boundaries. Memory is bounded by the chunk size."""
    import polars as pl

    names = [f"c{i}" for i in range(width)]
    number = 2
    with open(path, "rb") as fh:
        # a small first chunk: the first batch, which the writer waits for, is ready sooner
        size = min(chunk_bytes, MB)
        buf = fh.read(size)
        if buf.startswith(codecs.BOM_UTF8):
            buf = buf[3:]
        # the header is the first record (its own line break may be inside quotes)
        cut = _first_record_end(buf)
        while cut < 0 and (more := fh.read(chunk_bytes)):
            buf += more
            cut = _first_record_end(buf)
        if cut < 0:
            return  # a header and no data
        rest = buf[cut + 1:]
        while True:
            more = fh.read(size)
            size = chunk_bytes
            data = rest + more
            if not data:
                return
            end = len(data) if not more else _record_end(data, len(data)) + 1
            if end <= 0:  # no record boundary yet: a huge record; read on
                rest = data
                continue
            block, rest = data[:end], data[end:]
            if not more and not block.endswith(b"\n"):
                block += b"\n"
            lines = count_lines(block)
            marks = block_marks(block, lines)
            frame = None
            # a CR not before an LF ends a record for the row reader (the csv module): such a
            # block is read by it here too, so that both readers give the same rows. A lone CR
            # is a control character: only a block with one is counted (counting CRs and CRLFs
            # cost more than the rest of the marks in a file with Windows line ends).
            lone_cr = marks.controls and b"\r" in block and block.count(b"\r") != block.count(b"\r\n")
            try:
                frame = pl.read_csv(block, has_header=False, infer_schema=False, empty_string_is_null=False,
                                    new_columns=names, quote_char='"', raise_if_empty=False)
            except (pl.exceptions.PolarsError, UnicodeDecodeError):
                frame = None
            if (frame is not None and not lone_cr and frame.height == lines and frame.width == width
                    and not any(frame.null_count().row(0))):
                yield Chunk(number, lines, frame=frame, marks=marks, backslashes=b"\\" in block)
                number += lines
                continue
            rows = list(csv.reader(io.StringIO(block.decode("utf-8"), newline=""), strict=True))
            yield Chunk(number, len(rows), rows=rows)
            number += len(rows)
