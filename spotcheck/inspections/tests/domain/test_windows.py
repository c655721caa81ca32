"""Naming a merge's window, and which tasks lie within or overlap it."""

from __future__ import annotations

from datetime import date

import pytest

from spotcheck.core.domain.workflow import TransitionRefused, next_state
from spotcheck.inspections.domain import windows
from spotcheck.inspections.domain.windows import WindowError, key, label, overlaps, parse_window, within
from spotcheck.inspections.domain.workflow import WORKFLOW, State, Step
from spotcheck.planning.domain.calendar import Window, month

JUNE = month(2027, 6)


@pytest.mark.parametrize("given", [6, "6", "2027-06", "2027-06-01/2027-06-30", JUNE])
def test_a_window_can_be_named_in_several_ways(given: object) -> None:
    assert parse_window(2027, given) == JUNE
    assert key(JUNE) == "2027-06-01/2027-06-30" and label(JUNE) == "2027年6月"


def test_december_ends_on_new_year_s_eve() -> None:
    assert parse_window(2027, 12).end == date(2027, 12, 31)


@pytest.mark.parametrize("given", [0, 13, "2027-13", "2026-06", "2027-06-31/2027-07-01", "六月",
                                   "2027-07-01/2027-06-01", None])
def test_a_bad_window_is_refused(given: object) -> None:
    with pytest.raises(WindowError):
        parse_window(2027, given)


def test_within_and_overlaps() -> None:
    assert within(JUNE, date(2027, 6, 1), date(2027, 6, 30))
    assert not within(JUNE, date(2027, 1, 1), date(2027, 12, 31))
    assert overlaps(JUNE, date(2027, 1, 1), date(2027, 12, 31))
    assert not overlaps(JUNE, date(2027, 9, 1), date(2027, 9, 30))
    assert label(Window(date(2027, 1, 1), date(2027, 12, 31))) == "2027-01-01至2027-12-31"


def test_the_task_workflow() -> None:
    assert next_state(WORKFLOW, "pending", Step.RECORD) == State.IN_PROGRESS
    assert next_state(WORKFLOW, "in_progress", Step.COMPLETE) == State.COMPLETED
    assert next_state(WORKFLOW, "pending", Step.CANCEL) == State.CANCELLED
    with pytest.raises(TransitionRefused, match="已完成"):
        next_state(WORKFLOW, "completed", Step.RECORD)
    with pytest.raises(TransitionRefused, match="检查中"):
        next_state(WORKFLOW, "in_progress", Step.CANCEL)


@pytest.mark.parametrize(("today", "late_until", "allowed"), [
    (date(2026, 12, 4), None, False),  # long before a 2027-09 window
    (date(2027, 8, 31), None, False),
    (date(2027, 9, 1), None, True),
    (date(2027, 9, 30), None, True),
    (date(2027, 10, 1), None, False),
    (date(2027, 10, 1), date(2027, 10, 1), True),  # the office's exception
    (date(2027, 10, 2), date(2027, 10, 1), False),
])
def test_results_are_recorded_only_within_the_window_r_q1(today: date, late_until: date | None,
                                                          allowed: bool) -> None:
    problem = windows.recording_problem(date(2027, 9, 1), date(2027, 9, 30), today, late_until)
    assert (problem is None) == allowed
    assert problem is None or "R-Q1" in problem
