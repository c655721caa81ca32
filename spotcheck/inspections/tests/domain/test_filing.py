"""Which inspections outside the plans need a filing, and which reasons allow them (R-Q2,
R-A4), against the reference list itself."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from spotcheck.inspections.domain.filing import (
    CLASS_A,
    MIN_JUSTIFICATION,
    QUIET_PERIOD,
    allowed_reasons,
    grounds,
    justification_problem,
    parse_reasons,
    reason_problem,
)

CSV = Path(__file__).resolve().parents[3] / "core" / "reference" / "filing_reasons.csv"
REASONS = parse_reasons(csv.DictReader(CSV.open(encoding="utf-8")))
QUIET_ONLY = ["安全生产", "环境保护", "应急消防", "职业卫生", "突发事件"]
BOTH = ["投诉举报", "上级交办"]
CLASS_A_ONLY = ["外地移送"]
OTHER = "其他特殊情况（须说明）"


def test_the_csv_s_applies_to_column_decides_where_a_reason_applies() -> None:
    by_name = {r.name: r.rules for r in REASONS}
    assert {n for n, r in by_name.items() if r == {QUIET_PERIOD}} == set(QUIET_ONLY)
    assert {n for n, r in by_name.items() if r == {QUIET_PERIOD, CLASS_A}} == {*BOTH, OTHER}
    assert {n for n, r in by_name.items() if r == {CLASS_A}} == set(CLASS_A_ONLY)


@pytest.mark.parametrize(("library_class", "quiet", "expected"), [
    ("B", False, set()), ("C", False, set()), ("B", True, {QUIET_PERIOD}),
    ("A", False, {CLASS_A}), ("A", True, {QUIET_PERIOD, CLASS_A}),
])
def test_grounds_of_a_filing(library_class: str, quiet: bool, expected: set[str]) -> None:
    assert grounds(library_class=library_class, quiet=quiet) == expected


@pytest.mark.parametrize("reason", QUIET_ONLY + BOTH)
def test_quiet_period_reasons_allow_a_quiet_period_inspection_r_q2(reason: str) -> None:
    assert reason_problem(reason, REASONS, frozenset({QUIET_PERIOD})) is None


ALL_LISTED = QUIET_ONLY + BOTH + CLASS_A_ONLY + [OTHER]
GROUNDS = [frozenset({QUIET_PERIOD}), frozenset({CLASS_A}), frozenset({QUIET_PERIOD, CLASS_A})]


def test_the_open_lists_end_with_another_special_reason_r_a4_r_q2() -> None:
    assert {r.name: r.rules for r in REASONS}[OTHER] == {QUIET_PERIOD, CLASS_A}


@pytest.mark.parametrize("needed", GROUNDS)
@pytest.mark.parametrize("reason", ALL_LISTED)
def test_the_lists_are_open_any_listed_reason_serves_any_ground_r_a4_r_q2(
        reason: str, needed: frozenset[str]) -> None:
    """R-A4 and R-Q2 list reasons "such as" (等): a filing with a stated special reason and
    its justification serves either rule and both at once; the lists are not intersected."""
    assert reason_problem(reason, REASONS, needed) is None


@pytest.mark.parametrize("reason", ["应急消防", "安全生产"])
def test_a_fire_or_work_safety_inspection_of_class_a_is_possible_all_year_r_a4(reason: str) -> None:
    assert reason_problem(reason, REASONS, frozenset({CLASS_A})) is None
    assert reason_problem(reason, REASONS, frozenset({QUIET_PERIOD, CLASS_A})) is None


def test_every_listed_reason_is_offered_whichever_rules_apply() -> None:
    for needed in GROUNDS:
        assert allowed_reasons(REASONS, needed) == [r.name for r in REASONS]


def test_a_missing_or_unknown_reason_is_refused_naming_the_choices() -> None:
    missing = reason_problem("", REASONS, frozenset({CLASS_A}))
    assert missing and "R-A4" in missing and "投诉举报" in missing
    unknown = reason_problem("领导要求", REASONS, frozenset({CLASS_A})) or ""
    assert "不在备案事由清单中" in unknown and OTHER in unknown


def test_a_justification_is_required_and_not_too_short() -> None:
    assert justification_problem("") == "须填写检查理由说明。"
    assert "过短" in (justification_problem("有人投诉") or "")
    assert justification_problem("接到消费者投诉，反映该店销售过期食品，需现场核查。") is None
    assert justification_problem("x" * MIN_JUSTIFICATION) is None
