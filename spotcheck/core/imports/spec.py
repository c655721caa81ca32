"""What an import declares: its columns, how a row is cleaned, where it is written."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

# The rows a spec gives the writer are declared below both (``rows``); named here too, where
# the imports take them from.
from spotcheck.core.imports.rows import PK_COLUMN, CleanFrame, CleanRow, Rejected
from spotcheck.core.imports.writers import Writer

if TYPE_CHECKING:
    from django.db import models

    from spotcheck.core.imports.models import ImportJob

__all__ = ["PK_COLUMN", "CleanFrame", "CleanRow", "Column", "ImportSpec", "Rejected", "RowErrors",
           "frame_plain"]


@dataclass(frozen=True)
class Column:
    """A column of the file: its Chinese header, the field it feeds, whether the header must
    have it, and the help and example shown in the downloadable templates."""

    header: str
    field: str
    required: bool = True
    help: str = ""
    example: str = ""


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
