"""Column checks declared once, from which both ways of checking a batch are made.

An import declares one ``Check`` per column. The same object answers:
- row by row (``cells``: the batch's stripped cells of its column → a value, or ``Bad``
  with the Chinese message, per cell; the row-by-row path has the last word and the
  messages);
- column-wise (``frame``: polars expressions over the column's raw cells → which rows it is
  sure of, and their values; it may be conservative: a row it does not take goes row by row,
  so each ``frame`` takes only rows that ``cells`` accepts with the same value).
``Checks`` (column field → its check) applies them to a batch either way, or to one row
(``row``) for an import that adds rules across columns in ``clean_row``. The checks shared by
the imports (one function each): ``Text``, ``Choice``, ``Code``, ``Scope``, ``Flag``,
``Whole``, ``Date``, ``Uscc``; an import adds its own (the entity import: ID number, phone,
industry, tags). A check with several ``fields`` gives a tuple row by row and one expression
per field column-wise (``{field: expr}``); an expression may also be a DataFrame of
(``row``, value) joined on the row (lists, e.g. tags).
A check may add a last column-wise pass over the rows taken (``valid``: check characters,
computed over the packed column at C speed).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from spotcheck.core.domain.cells import NO, YES
from spotcheck.core.domain.dates import parse_date
from spotcheck.core.domain.uscc import uscc_problem, usccs_valid
from spotcheck.core.imports.spec import Column, RowErrors

CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Bad:
    """A cell's problem (a value, not an exception: most batches have none, and a bad
    file's many are cheap)."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


class Check:
    """How one column is checked. Override ``one`` (or ``cells``) and ``frame``."""

    fields: tuple[str, ...] = ()

    def one(self, cell: str) -> Any:
        """The value of one stripped cell, or ``Bad``."""
        raise NotImplementedError(f"{type(self).__name__} overrides neither one nor cells")

    def cells(self, cells: list[str]) -> list[Any]:
        one = self.one
        return [one(c) for c in cells]

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        """(rows it is sure of, {field: value}) as polars expressions over ``cell``."""
        raise NotImplementedError(f"{type(self).__name__} has no column-wise check")

    def valid(self, values: dict[str, Any]) -> Any:
        """After the rows are taken: a boolean array over them, or None (all valid).
        ``values`` maps this check's fields to their Series."""
        return None


@dataclass(frozen=True)
class OneField(Check):
    """A check of a column that feeds one field (``field``)."""

    field: str

    @property
    def fields(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.field,)


@dataclass(frozen=True)
class Text(OneField):
    """Free text of at most ``longest`` characters; blank is refused when required (else
    None, "not given"); control characters are refused where ``controls`` is True."""

    label: str
    longest: int
    required: bool = True
    controls: bool = True

    def one(self, cell: str) -> Any:
        if not cell:
            return Bad(f"{self.label}不能为空") if self.required else None
        if len(cell) > self.longest:
            return Bad(f"{self.label}超过 {self.longest} 字")
        if self.controls and CONTROL.search(cell):
            return Bad(f"{self.label}含有控制字符")
        return cell

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        import polars as pl

        # Length in bytes bounds that in characters: a longer text in Chinese that still fits
        # is left to the row-by-row check.
        ok = cell.str.len_bytes().is_between(1 if self.required else 0, self.longest)
        value = cell if self.required else pl.when(cell == "").then(None).otherwise(cell)
        return ok, {self.field: value}


@dataclass(frozen=True)
class Choice(OneField):
    """One of a vocabulary, by its label or its stored value (``names`` → value); blank is
    None when not required."""

    label: str
    names: Mapping[str, str]
    shown: str  # the labels in the message
    required: bool = True

    def one(self, cell: str) -> Any:
        if not cell and not self.required:
            return None
        value = self.names.get(cell)
        return Bad(f"{self.label}“{cell}”不正确，应为：{self.shown}") if value is None else value

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        import polars as pl

        value = cell.replace_strict(dict(self.names), default=None, return_dtype=pl.String)
        ok = value.is_not_null() if self.required else (cell == "") | value.is_not_null()
        return ok, {self.field: value}


@dataclass(frozen=True)
class Uscc(OneField):
    """A unified social credit code with its check character (GB 32100); the key of the row."""


    def cells(self, cells: list[str]) -> list[Any]:
        shaped = [i for i, v in enumerate(cells) if len(v) == 18 and v.isascii()]
        ok = [False] * len(cells)
        if shaped:
            for i, good in zip(shaped, usccs_valid("".join(cells[i] for i in shaped).encode("ascii")),
                               strict=True):
                ok[i] = bool(good)
        return [v if good else Bad(uscc_problem(v) or "统一社会信用代码无效")
                for v, good in zip(cells, ok, strict=True)]

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        return cell.str.len_bytes() == 18, {self.field: cell}  # the alphabet: ``valid``

    def valid(self, values: dict[str, Any]) -> Any:
        return usccs_valid(values[self.field].str.join("").item().encode("utf-8"))


def one_of(cell: str, known: set[str] | frozenset[str], everywhere: set[str] | frozenset[str],
           label: str, out_of_reach: str = "不在您的管辖范围内") -> Bad | None:
    """A code from ``known``; the message says whether it exists at all (``everywhere``)."""
    if cell in known:
        return None
    return Bad(f"{label}“{cell}”{out_of_reach}" if cell in everywhere else f"未知的{label}“{cell}”")


@dataclass(frozen=True)
class Scope(OneField):
    """A code the user may act on (``known``, e.g. the divisions of their scope, the
    departments they import for); ``out_of_reach`` says why an existing one is not."""

    label: str
    known: frozenset[str]
    everywhere: frozenset[str]
    out_of_reach: str = "不在您的管辖范围内"
    blank: str | None = None  # the message for a blank cell, when it differs

    def one(self, cell: str) -> Any:
        if not cell and self.blank is not None:
            return Bad(self.blank)
        return one_of(cell, self.known, self.everywhere, self.label, self.out_of_reach) or cell

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        return cell.is_in(list(self.known)), {self.field: cell}


@dataclass(frozen=True)
class Code(OneField):
    """An identifier that ``accepts`` takes (a username, a certificate number); ``rule`` says
    in Chinese what it may hold."""

    label: str
    accepts: Callable[[str], object]  # truthy: valid
    rule: str

    def one(self, cell: str) -> Any:
        if self.accepts(cell):
            return cell
        return Bad(f"{self.label}“{cell}”无效：{self.rule}" if cell else f"{self.label}不能为空")


@dataclass(frozen=True)
class Flag(OneField):
    """是 / 否 (and their usual spellings) → True / False; blank → None (not given)."""

    label: str = ""

    def one(self, cell: str) -> Any:
        if not cell:
            return None
        if cell in YES:
            return True
        if cell in NO:
            return False
        return Bad(f"{self.label}“{cell}”不正确，应为 是 或 否")


@dataclass(frozen=True)
class Whole(OneField):
    """A whole number written with digits only; blank → None (not given)."""

    label: str

    def one(self, cell: str) -> Any:
        if not cell:
            return None
        return int(cell) if cell.isdigit() else Bad(f"{self.label}“{cell}”应为正整数")


@dataclass(frozen=True)
class Date(OneField):
    """An optional date as people write it (``parse_date``), not after ``latest`` when given;
    ``example`` shows the expected form. Column-wise: ISO dates only, kept as ISO text."""

    label: str
    example: str
    latest: dt.date | None = None

    def one(self, cell: str) -> Any:
        if not cell:
            return None
        day = parse_date(cell)
        if day is None:
            return Bad(f"{self.label}“{cell}”不是有效日期（如 {self.example}）")
        return Bad(f"{self.label} {day} 晚于今天") if self.latest and day > self.latest else day

    def frame(self, frame: Any, cell: Any) -> tuple[Any, dict[str, Any]]:
        import polars as pl

        day = cell.str.to_date("%Y-%m-%d", strict=False)
        ok = (cell == "") | (cell.str.contains(r"^[12][0-9]{3}-[0-9]{2}-[0-9]{2}$") & day.is_not_null())
        if self.latest is not None:
            ok = ok & ((cell == "") | (day <= self.latest))
        return ok, {self.field: pl.when(cell == "").then(None).otherwise(cell)}


class Checks:
    """The checks of an import's columns (in ``columns`` order), applied to a batch, or to
    one row (``row``: an import whose rows also need rules across columns)."""

    def __init__(self, columns: Sequence[Column], checks: Mapping[str, Check]) -> None:
        """``checks``: column field → its check, for every column or some (an import whose
        other columns are checked across columns in ``clean_row``)."""
        unknown = set(checks) - {c.field for c in columns}
        if unknown:
            raise ValueError(f"checks for no column: {sorted(unknown)}")
        # the checked columns' positions among the import's columns (cells ``s0``…)
        self.positions = [i for i, c in enumerate(columns) if c.field in checks]
        self.headers = [columns[i].header for i in self.positions]
        self.columns = [columns[i].field for i in self.positions]
        self.checks = [checks[f] for f in self.columns]

    def row(self, data: Mapping[str, str], errors: RowErrors) -> dict[str, Any]:
        """One row's stripped cells (column field → cell): the checked columns' values (a
        refused column's fields are None); each problem added as (header, message)."""
        values: dict[str, Any] = {}
        for column, header, check in zip(self.columns, self.headers, self.checks, strict=True):
            value = check.cells([data[column]])[0]
            if value.__class__ is Bad:
                errors.add(header, value.message)
                values.update(dict.fromkeys(check.fields))
            elif len(check.fields) > 1:
                values.update(zip(check.fields, value, strict=True))
            else:
                values[check.fields[0]] = value
        return values

    def rows(self, rows: list[tuple[int, list[str]]]) -> list[tuple[dict[str, Any], list[tuple[str, str]]]]:
        """Row by row: per row, its values (field → value) and its (header, message) problems."""
        if not rows:
            return []
        columns = list(zip(*(cells for _, cells in rows), strict=True))
        results = [check.cells([c.strip() for c in columns[i]])
                   for check, i in zip(self.checks, self.positions, strict=True)]
        out = []
        plan = [(h, c.fields, len(c.fields) > 1, r) for h, c, r in zip(self.headers, self.checks, results,
                                                                       strict=True)]
        for k in range(len(rows)):
            values: dict[str, Any] = {}
            errors: list[tuple[str, str]] = []
            for header, fields, several, result in plan:
                value = result[k]
                if value.__class__ is Bad:
                    errors.append((header, value.message))
                elif several:
                    values.update(zip(fields, value, strict=True))
                else:
                    values[fields[0]] = value
            out.append((values, errors))
        return out

    def frame(self, frame: Any) -> Any:
        """Column-wise: the rows every check is sure of (``row``, then one column per field)."""
        import polars as pl

        oks, exprs, joined = [], [], []
        for i, check in zip(self.positions, self.checks, strict=True):
            ok, values = check.frame(frame, pl.col(f"s{i}"))
            oks.append(ok)
            for name, value in values.items():
                if isinstance(value, pl.DataFrame):
                    joined.append(value)
                else:
                    exprs.append(value.alias(name))
        rows = frame.select(pl.col("row"), pl.all_horizontal(oks).alias("ok"), *exprs)
        rows = (rows if rows["ok"].all() else rows.filter(pl.col("ok"))).drop("ok")
        for by_row in joined:
            rows = rows.join(by_row, on="row", how="left", maintain_order="left")
        if rows.height:
            for check in self.checks:
                valid = check.valid({f: rows[f] for f in check.fields})
                if valid is not None and not valid.all():
                    rows = rows.filter(pl.Series(valid))
        return rows
