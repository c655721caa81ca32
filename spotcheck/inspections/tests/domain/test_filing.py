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


def test_the_csv_s_applies_to_column_decides_where_a_reason_applies() -> None:
    by_name = {r.name: r.rules for r in REASONS}
    assert {n for n, r in by_name.items() if r == {QUIET_PERIOD}} == set(QUIET_ONLY)
    assert {n for n, r in by_name.items() if r == {QUIET_PERIOD, CLASS_A}} == set(BOTH)
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


@pytest.mark.parametrize("reason", CLASS_A_ONLY)
def test_a_transfer_from_elsewhere_does_not_allow_a_quiet_period_inspection(reason: str) -> None:
    problem = reason_problem(reason, REASONS, frozenset({QUIET_PERIOD}))
    assert problem and "R-Q2" in problem and "企业安静期" in problem


@pytest.mark.parametrize("reason", BOTH + CLASS_A_ONLY)
def test_class_a_reasons_allow_a_class_a_inspection_outside_draws_r_a4(reason: str) -> None:
    assert reason_problem(reason, REASONS, frozenset({CLASS_A})) is None


@pytest.mark.parametrize("reason", QUIET_ONLY)
def test_quiet_period_only_reasons_do_not_allow_a_class_a_inspection(reason: str) -> None:
    problem = reason_problem(reason, REASONS, frozenset({CLASS_A}))
    assert problem and "R-A4" in problem


def test_class_a_in_the_quiet_period_needs_a_reason_both_rules_allow() -> None:
    both = frozenset({QUIET_PERIOD, CLASS_A})
    assert allowed_reasons(REASONS, both) == BOTH
    assert reason_problem("外地移送", REASONS, both)
    assert reason_problem("安全生产", REASONS, both)


def test_a_missing_or_unknown_reason_is_refused_naming_the_choices() -> None:
    missing = reason_problem("", REASONS, frozenset({CLASS_A}))
    assert missing and "R-A4" in missing and "投诉举报" in missing
    assert "不在规定的事由清单中" in (reason_problem("领导要求", REASONS, frozenset({CLASS_A})) or "")


def test_a_justification_is_required_and_not_too_short() -> None:
    assert justification_problem("") == "须填写检查理由说明。"
    assert "过短" in (justification_problem("有人投诉") or "")
    assert justification_problem("接到消费者投诉，反映该店销售过期食品，需现场核查。") is None
    assert justification_problem("x" * MIN_JUSTIFICATION) is None
