"""The planning year and the year in execution: one rule for every page and API default."""

from datetime import date

import pytest

from spotcheck.core import clock


@pytest.mark.parametrize(("day", "planning", "execution"), [
    (date(2026, 1, 2), 2026, 2026),     # the year's plans are entered until the end of March (R-P2)
    (date(2026, 3, 31), 2026, 2026),
    (date(2026, 9, 30), 2026, 2026),    # the last class-B window (R-Q1)
    (date(2026, 10, 1), 2027, 2026),    # from October the next year is planned
    (date(2026, 12, 4), 2027, 2026),
    (date(2026, 12, 31), 2027, 2026),
])
def test_the_planning_year_turns_in_october_the_year_in_execution_is_the_calendar_year(
        day: date, planning: int, execution: int) -> None:
    assert clock.planning_year(day) == planning
    assert clock.execution_year(day) == execution


def test_a_year_picker_offers_last_year_to_the_next() -> None:
    assert clock.years_around(date(2026, 12, 4)) == [2025, 2026, 2027]
    assert clock.years_around(date(2026, 2, 4)) == [2025, 2026, 2027]
