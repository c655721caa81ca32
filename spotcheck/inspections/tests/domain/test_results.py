"""The one form's entries against the reference lists (result tree, methods, follow-ups)."""

from __future__ import annotations

import csv
from pathlib import Path

from spotcheck.inspections.domain.results import NO_FOLLOW_UP, Entry, ResultTree, entry_problems

REF = Path(__file__).resolve().parents[3] / "core" / "reference"
TREE = ResultTree.from_rows(csv.DictReader((REF / "result_codes.csv").open(encoding="utf-8")))
METHODS = ["实地检查", "书面检查"]
FOLLOW_UPS = [NO_FOLLOW_UP, "责令改正、日常监管跟踪", "涉嫌犯罪移送司法机关"]


def _problems(**kw: str) -> dict[str, str]:
    entry = Entry(**{"result_code": "1", "method": "实地检查", **kw})
    return entry_problems(entry, TREE, METHODS, FOLLOW_UPS)


def test_leaves_are_the_codes_nobody_refines() -> None:
    leaves = {c.code for c in TREE.leaves()}
    assert {"1", "B", "C", "6", "D", "3", "4", "5", "E", "12"} <= leaves
    assert not {"A", "2"} & leaves


def test_a_label_names_the_path() -> None:
    assert TREE.label("B") == "发现问题待后续处理 / 违反工商行政管理相关规定 / 未按规定公示应当公示的信息"
    assert TREE.is_problem("B") and not TREE.is_problem("1") and not TREE.is_problem("E")


def test_a_clean_entry_has_no_problem() -> None:
    assert _problems() == {}


def test_a_result_with_finer_codes_is_refused() -> None:
    assert "最末级" in _problems(result_code="2")["result_code"]
    assert "不存在" in _problems(result_code="ZZ")["result_code"]
    assert "须选择" in _problems(result_code="")["result_code"]


def test_a_method_must_be_one_of_the_list() -> None:
    assert "不在规定" in _problems(method="电话询问")["method"]
    assert "须选择" in _problems(method="")["method"]


def test_a_problem_found_needs_a_follow_up_r_r1() -> None:
    assert "R-R1" in _problems(result_code="B")["follow_up"]
    assert "R-R1" in _problems(result_code="3", follow_up=NO_FOLLOW_UP)["follow_up"]
    assert _problems(result_code="3", follow_up="涉嫌犯罪移送司法机关") == {}
    assert "不在规定" in _problems(follow_up="罚款")["follow_up"]


def test_a_long_note_is_refused() -> None:
    assert "1000" in _problems(note="x" * 1001)["note"]
