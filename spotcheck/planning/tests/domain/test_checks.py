"""Plan rules, each test citing its rule id."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from spotcheck.planning.domain.calendar import YearCalendar
from spotcheck.planning.domain.checks import (
    PlanFacts,
    PlannedItem,
    check_plan,
    class_a_headroom,
    uncovered_items,
)

CAL = YearCalendar.default(2027)
ITEM = PlannedItem("SAMR-001", "食品经营条件检查", on_owner_list=True, has_power_basis=True)
B_PLAN = PlanFacts(year=2027, target_class="B", owner_is_office=False, is_joint=False,
                   window_start=date(2027, 9, 1), window_end=date(2027, 9, 30), items=[ITEM],
                   population=1000, drawn=50, entered_on=date(2027, 3, 10))


def rules(facts: PlanFacts) -> set[str]:
    return {f.rule for f in check_plan(facts, CAL).findings}


def test_a_sound_class_b_plan_passes() -> None:
    assert check_plan(B_PLAN, CAL).ok and rules(B_PLAN) == set()


def test_r_a2_class_a_at_most_ten_percent_across_plans() -> None:
    a = replace(B_PLAN, target_class="A", owner_is_office=True, is_joint=True,
                window_start=date(2027, 6, 1), window_end=date(2027, 6, 30),
                class_a_population=5000, population=5000, drawn=300, other_class_a_drawn=200)
    assert "R-A2" not in rules(a)  # 300 + 200 = 500 = 10 %
    report = check_plan(replace(a, drawn=301), CAL)
    assert not report.ok and any("最多还可抽 300 户" in str(f) for f in report.findings)
    assert class_a_headroom(5005, 0) == 500  # floor


def test_r_a3_class_a_plans_are_joint_and_owned_by_the_office() -> None:
    a = replace(B_PLAN, target_class="A", window_start=date(2027, 6, 1), window_end=date(2027, 6, 30),
                class_a_population=5000, drawn=10)
    assert "R-A3" in rules(a)
    assert "R-A3" not in rules(replace(a, owner_is_office=True, is_joint=True))


def test_r_c2_class_c_must_be_covered_in_full() -> None:
    c = replace(B_PLAN, target_class="C", window_start=date(2027, 2, 1), window_end=date(2027, 11, 30),
                population=80, drawn=79)
    assert "R-C2" in rules(c)
    assert rules(replace(c, drawn=80)) == set()


def test_r_q1_windows_and_the_quiet_period() -> None:
    july = replace(B_PLAN, window_start=date(2027, 7, 1), window_end=date(2027, 7, 31))
    findings = check_plan(july, CAL).findings
    assert [f.rule for f in findings] == ["R-Q1"] and "企业安静期" in findings[0].message
    a_in_sept = replace(B_PLAN, target_class="A", owner_is_office=True, is_joint=True, class_a_population=100,
                        drawn=1)
    assert "R-Q1" in rules(a_in_sept)


def test_r_p2_late_plans_are_flagged_and_special_plans_kept_apart() -> None:
    late = replace(B_PLAN, entered_on=date(2027, 4, 2))
    report = check_plan(late, CAL)
    assert report.ok and [f.rule for f in report.findings] == ["R-P2"]
    assert report.findings[0].severity == "warning"
    assert rules(replace(late, special=True)) == set()


def test_r_l1_nothing_outside_the_list_is_inspected() -> None:
    off_list = PlannedItem("X-1", "自拟事项", on_owner_list=False, has_power_basis=False)
    no_basis = PlannedItem("X-2", "无依据事项", on_owner_list=True, has_power_basis=False)
    findings = check_plan(replace(B_PLAN, items=[ITEM, off_list, no_basis]), CAL).findings
    assert [f.rule for f in findings] == ["R-L1", "R-L1"]
    assert "清单之外无检查" in findings[0].message and "行政权力清单" in findings[1].message


def test_r_p1_every_item_on_the_list_has_a_plan() -> None:
    assert uncovered_items(["a", "b", "c"], ["b", "b"]) == ["a", "c"]
    assert uncovered_items(["a"], ["a"]) == []
