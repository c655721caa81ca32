"""What an import declares: its columns, how a row is cleaned, where it is written."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from django.db import models

    from spotcheck.core.imports.models import ImportJob
    from spotcheck.core.imports.writers import Writer


@dataclass(frozen=True)
class Column:
    """A column of the file: its Chinese header, the field it feeds, whether the header must
    have it, and the help and example shown in the downloadable templates."""

    header: str
    field: str
    required: bool = True
    help: str = ""
    example: str = ""


@dataclass
class CleanRow:
    """A valid row: ``values`` are model attnames → values; ``None`` means "not given" (an
    update keeps the current value, an insert takes the field's default)."""

    row: int
    key: str
    values: dict[str, Any]
    related: Any = None


@dataclass
class Rejected:
    """A rejected row with its (column header, Chinese message) pairs."""

    row: int
    key: str
    errors: list[tuple[str, str]] = field(default_factory=list)


# The column of a clean frame holding the primary keys given to its new rows (PostgreSQL).
PK_COLUMN = "_pk"


@dataclass
class CleanFrame:
    """Valid rows checked column-wise: a polars DataFrame with ``row`` (file row number),
    ``key``, one column per model attname the rows set (strings in final form, ``None`` =
    not given, a binary field as hex) and ``related`` (null when none). ``to_rows`` turns
    rows of such a frame into ``CleanRow`` for the paths that take rows one by one."""

    frame: Any
    to_rows: Callable[[Any], list[CleanRow]]
    # The frame as COPY text, prepared ahead by the reading thread (PostgreSQL).
    text: bytes | None = None
    # False when no value can hold a backslash (its chunk's bytes hold none): nothing to escape.
    backslashes: bool = True
    # The related rows of its new rows, prepared by the reading thread
    # (``ImportSpec.prepare_related_frame``) for ``write_related_frame``.
    related_rows: Any = None

    @property
    def height(self) -> int:
        return int(self.frame.height)

    def rows(self) -> list[CleanRow]:
        return self.to_rows(self.frame.drop(PK_COLUMN, strict=False)) if self.height else []

    def related(self) -> CleanFrame | None:
        """Its rows with related data (``related`` not null), or None."""
        import polars as pl

        if self.related_rows is not None:  # prepared: this frame, or None if there are none
            return self if self.related_rows.height else None
        if "related" not in self.frame.columns:
            return None
        sub = self.frame.filter(pl.col("related").is_not_null())
        return CleanFrame(sub, self.to_rows) if sub.height else None


def frame_plain(n: int, *, controls: bool = True, formulas: bool = True, spaces: bool = True) -> Any:
    """A polars expression over the cells ``s0``…: the row's cells are exactly what the
    row-by-row path reads (no control character, no surrounding whitespace of any kind),
    the row is not blank and no cell starts like a formula (= + - @). Only such rows reach
    ``clean_frame``. ``controls`` / ``formulas`` / ``spaces`` False: the chunk's bytes hold
    none (``files.block_marks``), and those checks, the dear ones, are skipped."""
    import polars as pl

    cells = [pl.col(f"s{i}") for i in range(n)]
    ok = [c.str.strip_chars().str.len_bytes() == c.str.len_bytes() for c in cells] if spaces else []
    if controls:
        ok += [~c.str.contains(r"[\x00-\x1f\x7f]") for c in cells]
    if formulas:
        ok += [~c.str.contains(r"^[=+\-@]") for c in cells]
    ok.append(~pl.all_horizontal([c.str.len_bytes() == 0 for c in cells]))
    return pl.all_horizontal(ok)


class RowErrors(list[tuple[str, str]]):
    def add(self, column: str, message: str) -> None:
        self.append((column, message))


class ImportSpec:
    """Subclass per import; see the package docstring for the contract."""

    kind: ClassVar[str]
    title: ClassVar[str]
    perm: ClassVar[str]
    columns: ClassVar[Sequence[Column]]
    model: ClassVar[type[models.Model]]
    key_field: ClassVar[str]
    # Rows per transaction: a checkpoint per batch.
    batch_size: ClassVar[int] = 5000
    # Rows per transaction when read column-wise (``clean_frame``).
    frame_batch_size: ClassVar[int] = 50_000
    # Does write_related need the primary keys of written rows?
    has_related: ClassVar[bool] = False
    # The tables write_related writes to: a first load (``bulk``) locks them with the target
    # table, requires them empty too, and rebuilds their indexes and keys at its end.
    related_models: ClassVar[tuple[type[models.Model], ...]] = ()

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def prepare(self, job: ImportJob, present: frozenset[str]) -> None:
        """Called once per run before the first row: build lookup sets, read the user's scope.
        ``present`` holds the fields whose columns the file has."""

    def clean_batch(self, rows: list[tuple[int, list[str]]], present: frozenset[str]
                    ) -> list[CleanRow | Rejected]:
        """Clean rows given as (row number, cells in ``columns`` order; "" for a column the
        file lacks). The default calls ``clean_row`` with a dict field → stripped cell."""
        fields = [c.field for c in self.columns]
        out: list[CleanRow | Rejected] = []
        for number, cells in rows:
            errors = RowErrors()
            data = {f: v.strip() for f, v in zip(fields, cells, strict=True)}
            key, values, related = self.clean_row(data, errors)
            if errors:
                out.append(Rejected(number, key, list(errors)))
            else:
                out.append(CleanRow(number, key, values, related))
        return out

    def clean_row(self, data: dict[str, str], errors: RowErrors) -> tuple[str, dict[str, Any], Any]:
        """(key, model values, related data) for one row; add problems to ``errors``.
        An import overrides this, or ``clean_batch`` when it checks a batch at once."""
        raise NotImplementedError(f"{type(self).__name__} overrides neither clean_row nor clean_batch")

    def clean_frame(self, frame: Any, present: frozenset[str]) -> CleanFrame:
        """Optional fast path for large CSV files: check a polars DataFrame of raw cells
        (``row``, then ``s0``… in ``columns`` order; only rows ``frame_plain`` accepts, so
        no cell needs stripping) column-wise and return the rows found valid. It may be
        conservative: every row it does not return goes through ``clean_batch``, which has
        the last word and the messages. An import that overrides this is read column-wise
        (``jobs._frames_apply``)."""
        raise NotImplementedError(f"{type(self).__name__} has no column-wise path")

    def write_related(self, written: list[tuple[int, CleanRow, bool]], writer: Writer) -> None:
        """After the batch's rows are written, in the same transaction: (pk, row, inserted)."""

    def prepare_related_frame(self, frame: CleanFrame) -> None:
        """Optional, in the reading thread once the frame's new rows have their primary keys
        (``PK_COLUMN``): set ``frame.related_rows`` for ``write_related_frame``, so that the
        writing thread only writes them."""

    def write_related_frame(self, frame: CleanFrame, writer: Writer) -> None:
        """Related data of new rows written from a clean frame: ``frame`` holds them with
        their new primary keys in column ``PK_COLUMN``. By default ``write_related``."""
        pks = frame.frame[PK_COLUMN].to_list()
        rows = frame.rows()
        self.write_related([(pk, r, True) for pk, r in zip(pks, rows, strict=True)], writer)

    def template_rows(self) -> list[list[str]]:
        return [[c.example for c in self.columns]]
