"""The rows an import gives the writer: valid rows (one by one, or a frame checked
column-wise) and rejected rows. Below both ``spec`` (what an import declares) and
``writers`` (where rows go), which use them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


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
