"""Column checks declared once give both ways of checking a batch: what the column-wise
check takes, the row-by-row check accepts with the same value; the rest is explained row by
row naming the column. No database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotcheck.core.domain.uscc import uscc_with_check
from spotcheck.core.imports.checks import Checks, Choice, Code, Date, Flag, Scope, Text, Uscc, Whole
from spotcheck.core.imports.spec import Column, RowErrors, frame_plain

COLUMNS = [Column("代码", "code"), Column("名称", "name"), Column("类型", "kind"),
           Column("区划", "division"), Column("备注", "note", required=False),
           Column("等级", "level", required=False)]
GOOD_CODE = uscc_with_check("91361102MA35XXXX0")
CHECKS = Checks(COLUMNS, {
    "code": Uscc("code"),
    "name": Text("name", "名称", 6),
    "kind": Choice("kind", "类型", {"公司": "company", "company": "company"}, "公司"),
    "division": Scope("division", "区划", frozenset({"361102"}), frozenset({"361102", "361123"})),
    "note": Text("note", "备注", 4, required=False),
    "level": Choice("level", "等级", {"低": "low"}, "低", required=False),
})
CELLS = [
    [GOOD_CODE, GOOD_CODE[:17] + "0", GOOD_CODE.lower(), "913611", "上" * 6],
    ["名称", "", "名" * 7, "名\t称", "abcdef"],
    ["公司", "company", "", "有限"],
    ["361102", "361123", "999999", ""],
    ["", "注", "注" * 5, "a\x01"],
    ["", "低", "高"],
]


def _both(rows: list[list[str]]) -> tuple[list[Any], dict[int, dict[str, Any]]]:
    numbered = list(enumerate(rows, start=2))
    slow = CHECKS.rows(numbered)
    frame = pl.DataFrame({"row": [n for n, _ in numbered],
                          **{f"s{i}": [r[i] for r in rows] for i in range(len(COLUMNS))}})
    # as the engine does: only rows whose cells need no stripping reach the column-wise check
    frame = frame.filter(frame_plain(len(COLUMNS)))
    fast = {r["row"]: {k: v for k, v in r.items() if k != "row"} for r in CHECKS.frame(frame).to_dicts()}
    return slow, fast


@settings(deadline=None, max_examples=60)
@given(st.lists(st.tuples(*[st.sampled_from(c) for c in CELLS]).map(list), min_size=1, max_size=30))
def test_what_the_column_wise_check_takes_the_row_wise_check_accepts_alike(rows: list[list[str]]) -> None:
    slow, fast = _both(rows)
    for number, values in fast.items():
        accepted, errors = slow[number - 2]
        assert errors == [] and accepted == values, rows[number - 2]


def test_a_clean_row_takes_both_ways_and_each_problem_names_its_column() -> None:
    rows = [[GOOD_CODE, "名称", "公司", "361102", "", ""],
            [GOOD_CODE[:17] + "0", "", "有限", "361123", "注" * 5, "高"]]
    slow, fast = _both(rows)
    assert fast == {2: {"code": GOOD_CODE, "name": "名称", "kind": "company", "division": "361102",
                        "note": None, "level": None}}
    assert slow[0] == (fast[2], [])
    headers = [h for h, _ in slow[1][1]]
    assert headers == ["代码", "名称", "类型", "区划", "备注", "等级"]
    messages = dict(slow[1][1])
    assert "校验位错误" in messages["代码"] and messages["名称"] == "名称不能为空"
    assert messages["类型"] == "类型“有限”不正确，应为：公司"
    assert messages["区划"] == "区划“361123”不在您的管辖范围内"
    assert messages["备注"] == "备注超过 4 字" and messages["等级"] == "等级“高”不正确，应为：低"


ONE_ROW = [Column("用户名", "user"), Column("部门", "dept"), Column("在册", "active", required=False),
           Column("人数", "count", required=False), Column("有效期", "until", required=False)]
ONE_ROW_CHECKS = Checks(ONE_ROW, {
    "user": Code("user", "用户名", str.isalnum, "只能由字母和数字组成"),
    "dept": Scope("dept", "部门", frozenset({"A"}), frozenset({"A", "B"}),
                  out_of_reach="不在您可导入的部门中", blank="部门不能为空"),
    "active": Flag("active", "在册"),
    "count": Whole("count", "人数"),
    "until": Date("until", "有效期", "2028-12-31", latest=dt.date(2030, 1, 1)),
})


def test_checks_of_some_columns_only_are_for_columns_the_import_has() -> None:
    with pytest.raises(ValueError, match="nothing"):
        Checks(ONE_ROW, {"nothing": Flag("nothing")})


def test_the_checks_shared_by_the_imports_read_one_row_and_name_each_bad_column() -> None:
    errors = RowErrors()
    values = ONE_ROW_CHECKS.row({"user": "zhang3", "dept": "A", "active": "否", "count": "2",
                                 "until": "2028年12月31日"}, errors)
    assert errors == []
    assert values == {"user": "zhang3", "dept": "A", "active": False, "count": 2,
                      "until": dt.date(2028, 12, 31)}
    blank = RowErrors()
    assert ONE_ROW_CHECKS.row({"user": "", "dept": "", "active": "", "count": "", "until": ""}, blank) == {
        "user": None, "dept": None, "active": None, "count": None, "until": None}
    assert blank == [("用户名", "用户名不能为空"), ("部门", "部门不能为空")]
    bad = RowErrors()
    values = ONE_ROW_CHECKS.row({"user": "张.三", "dept": "B", "active": "也许", "count": "-1",
                                 "until": "2031-01-01"}, bad)
    assert set(values.values()) == {None}
    assert bad == [("用户名", "用户名“张.三”无效：只能由字母和数字组成"),
                   ("部门", "部门“B”不在您可导入的部门中"),
                   ("在册", "在册“也许”不正确，应为 是 或 否"), ("人数", "人数“-1”应为正整数"),
                   ("有效期", "有效期 2031-01-01 晚于今天")]
    unknown = RowErrors()
    ONE_ROW_CHECKS.row({"user": "a", "dept": "C", "active": "是", "count": "1", "until": "2028-02-30"},
                       unknown)
    assert unknown == [("部门", "未知的部门“C”"),
                       ("有效期", "有效期“2028-02-30”不是有效日期（如 2028-12-31）")]
