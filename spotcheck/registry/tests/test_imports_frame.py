"""The entity import's two ways of checking rows agree: every row the column-wise check
(``clean_frame``) accepts, the row-by-row check (``clean_batch``) accepts with the same values,
and the rows it leaves are judged row by row. Hypothesis mixes valid cells with the kinds of
damage real exports carry."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotcheck.core.crypto import field_cipher
from spotcheck.core.imports.models import ImportJob
from spotcheck.core.imports.spec import CleanRow, frame_plain
from spotcheck.demo.registry import entity_rows
from spotcheck.registry.imports import COLUMNS, ENTITY_IMPORT

GOOD = list(entity_rows(400, seed=11))
ALL = frozenset(c.field for c in COLUMNS)

# Replacements for one cell: each is something a file really holds; some are valid in a
# form the column-wise check leaves to the row-by-row one.
DAMAGE = {
    0: ["", "91361102MA35XXXX0X", "91361102ma35xxxx06", " 91361102MA35XXXX06", "913611",
        "91361102MA35XXXX06\u3000"],
    1: ["", "名" * 201, "名\t称", "  上饶市某某公司  ", "=HYPERLINK(1)", "a\\b 公司"],
    2: ["", "有限公司", "company", " 公司"],
    3: ["", "人" * 65, "张\u3000三", "李\\四"],
    4: ["", "11010519491231002x", "110105194912310021", "11010519491231002Y", "E12345678", "1101051949123100",
        "１１０１０５１９４９１２３１００２Ｘ"],
    5: ["", "0793-8888888", "0793-8888888-123", "12345", "+8613800000000", "13800000000 "],
    6: ["", "999999", "110101", "36110"],
    7: ["", "f", "F52", "F5211", "F9999", "Z", "F 5211"],
    8: ["", "存续 ", "operating", "消亡"],
    9: ["", "2015/3/1", "2015年3月1日", "2015-02-30", "2999-01-01", "42064", "2015-3-1", "0999-01-01"],
    10: ["", "地" * 256, "上饶市\n某路"],
    11: ["", "制造业", "制造业;招商引资", "制造业；旅游业、数字经济", "未知领域", ";", " 制造业 ,纳税大户"],
    12: ["", "低", "一般风险", "极高", "general"],
}


def _job() -> ImportJob:
    return ImportJob.objects.create(kind=ENTITY_IMPORT.kind, file_name="t.csv", file_path="/dev/null")


def _frame(rows: list[list[str]]) -> Any:
    data: dict[str, list[Any]] = {"row": list(range(2, len(rows) + 2))}
    for i in range(len(COLUMNS)):
        data[f"s{i}"] = [r[i] for r in rows]
    return pl.DataFrame(data, schema={"row": pl.Int64, **{f"s{i}": pl.String for i in range(len(COLUMNS))}})


def _comparable(row: CleanRow) -> tuple[Any, ...]:
    values = dict(row.values)
    values["legal_rep_secret"] = field_cipher().decrypt(values["legal_rep_secret"])
    return row.row, row.key, values, row.related


def _check(rows: list[list[str]]) -> tuple[int, int]:
    ENTITY_IMPORT.prepare(_job(), ALL)
    # as the engine does: only rows whose cells need no stripping reach clean_frame
    frame = _frame(rows).filter(frame_plain(len(COLUMNS)))
    fast = ENTITY_IMPORT.clean_frame(frame, ALL).rows()
    slow = ENTITY_IMPORT.clean_batch(list(enumerate(rows, start=2)), ALL)
    by_row = {r.row: r for r in slow}
    for f in fast:
        s = by_row[f.row]
        assert isinstance(s, CleanRow), (f.row, rows[f.row - 2], s)
        assert _comparable(f) == _comparable(s)
    return len(fast), sum(isinstance(r, CleanRow) for r in slow)


@pytest.mark.django_db
def test_clean_rows_of_a_demo_file_all_take_the_column_wise_path(departments: Any) -> None:
    fast, slow = _check(GOOD)
    assert fast == slow == len(GOOD)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 12), st.integers(0, 6)),
                min_size=1, max_size=40))
def test_what_the_column_wise_check_accepts_the_row_wise_check_accepts_alike(
        departments: Any, damage: list[tuple[int, int, int]]) -> None:
    rows = [list(GOOD[i]) for i in range(60)]
    for k, (i, col, pick) in enumerate(damage):
        choices = DAMAGE[col]
        rows[k % len(rows)][col] = choices[pick % len(choices)]
        rows[k % len(rows)][0] = GOOD[i][0] if col != 0 else rows[k % len(rows)][0]
    fast, slow = _check(rows)
    assert fast <= slow


@pytest.mark.django_db
def test_rows_the_column_wise_check_leaves_are_still_imported_when_valid(departments: Any) -> None:
    rows = [list(r) for r in GOOD[:6]]
    rows[0][9] = "2015/3/1"          # another date form
    rows[1][4] = "E12345678"          # a passport number
    rows[2][5] = "0793-8888888-123"   # a phone with an extension
    rows[3][7] = "f5211"              # a lower-case section letter
    rows[4][1] = "名\u3000"            # an ideographic space to strip
    fast, slow = _check(rows)
    assert (fast, slow) == (1, 6)


@pytest.mark.django_db
def test_every_kind_of_damage_in_every_column_is_judged_alike(departments: Any) -> None:
    rows = []
    for col, choices in DAMAGE.items():
        for k, value in enumerate(choices):
            row = list(GOOD[(col * 7 + k) % len(GOOD)])
            row[col] = value
            rows.append(row)
    fast, slow = _check(rows)
    assert 0 < fast <= slow < len(rows)


@pytest.mark.django_db
def test_with_no_key_field_vocabulary_rows_without_tags_still_pass(departments: Any) -> None:
    from spotcheck.registry.models import KeyFieldTag

    KeyFieldTag.objects.update(is_active=False)
    rows = [list(r) for r in GOOD[:20]]
    rows[0][11] = "制造业"
    fast, slow = _check(rows)
    assert fast == slow == sum(1 for r in rows if not r[11])
