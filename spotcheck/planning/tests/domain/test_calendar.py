"""R-Q1 windows and the quiet period; R-P2 end-of-March deadline."""

from __future__ import annotations

from datetime import date

import pytest

from spotcheck.planning.domain.calendar import YearCalendar, month

CAL = YearCalendar.default(2027)


@pytest.mark.parametrize(("cls", "day", "allowed"), [
    ("A", date(2027, 6, 1), True), ("A", date(2027, 6, 30), True), ("A", date(2027, 9, 15), False),
    ("A", date(2027, 5, 31), False), ("B", date(2027, 6, 15), True), ("B", date(2027, 9, 30), True),
    ("B", date(2027, 10, 1), False), ("B", date(2027, 3, 1), False), ("C", date(2027, 2, 14), True),
    ("C", date(2027, 12, 31), True),
])
def test_windows_by_class_r_q1(cls: str, day: date, allowed: bool) -> None:
    assert CAL.in_window(cls, day) is allowed
    assert CAL.is_quiet(cls, day) is (not allowed)


def test_a_plan_window_must_lie_inside_one_window() -> None:
    assert CAL.window_within("B", date(2027, 9, 1), date(2027, 9, 30))
    assert not CAL.window_within("B", date(2027, 6, 20), date(2027, 9, 10))  # spans the quiet July
    assert not CAL.window_within("A", date(2027, 9, 1), date(2027, 9, 30))
    assert CAL.window_within("C", date(2027, 1, 5), date(2027, 11, 30))
    assert not CAL.window_within("C", date(2027, 11, 5), date(2028, 1, 30))


def test_plans_after_march_are_late_r_p2() -> None:
    assert not CAL.plan_is_late(date(2027, 3, 31))
    assert CAL.plan_is_late(date(2027, 4, 1))


def test_month_ends() -> None:
    assert month(2028, 2).end == date(2028, 2, 29)
    assert month(2027, 12).end == date(2027, 12, 31)
    assert month(2027, 6).label() == "6月"
