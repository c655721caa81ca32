"""The dashboard's figures against a small world counted by hand (R-S3): plans on time and
late (R-P2), tasks done and overdue (R-Q1), class-A share of draws against the 10 % cap
(R-A2), filings (R-Q2, R-A4), the burden ledger (R-B3), and the department's own view."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from spotcheck.accounts.models import Department
from spotcheck.oversight import selectors
from spotcheck.oversight.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


def _row(board: selectors.Dashboard, code: str) -> selectors.DepartmentRow:
    return next(r for r in board.rows if r.department.code == code)


def test_the_division_figures_are_those_counted_by_hand(world: dict[str, Any]) -> None:
    board = selectors.dashboard("361100", YEAR)
    env, samr = _row(board, "361100-ENV"), _row(board, "361100-SAMR")
    assert (env.plans, env.plans_on_time, env.plans_late) == (3, 1, 1)  # the special is neither
    assert (samr.plans, samr.plans_on_time, samr.plans_late) == (1, 0, 1)  # never submitted
    assert (board.plans_on_time, board.plans_late) == (1, 2)
    assert (env.tasks, env.tasks_done, env.tasks_overdue) == (3, 1, 2)
    assert (samr.tasks, samr.tasks_done, samr.tasks_overdue) == (2, 0, 0)  # September: not yet
    assert (board.tasks, board.tasks_done, board.tasks_overdue) == (5, 1, 2)
    assert (board.class_a_population, board.class_a_cap, board.class_a_drawn) == (30, 3, 2)
    assert board.class_a_share_bp == 666 and not board.class_a_over_cap
    assert (env.filings, samr.filings) == (2, 1)
    assert (board.filings_quiet, board.filings_class_a, board.filings_both) == (1, 1, 1)
    # R-B3: 4 entities, 5 tasks, no merge yet: 5 visits.
    assert (board.burden_entities, board.burden_tasks, board.burden_visits) == (4, 5, 5)
    assert board.savings["tasks"] == 5
    late = [r.plan.title for r in board.plans if r.on_time is False]
    assert len(late) == 2
    # The charts draw the same numbers as the tables.
    charts = selectors.chart_data(board)
    tasks = dict(zip(charts["departments"]["names"], charts["departments"]["series"][0]["data"],
                     strict=True))
    assert tasks[env.department.name] == 3 and tasks[samr.department.name] == 2


def test_a_department_sees_its_own_figures_only(world: dict[str, Any]) -> None:
    env = Department.objects.get(code="361100-ENV")
    board = selectors.dashboard("361100", YEAR, department=env)
    assert [r.department.code for r in board.rows] == ["361100-ENV"]
    assert (board.tasks, board.tasks_overdue, board.filings) == (3, 2, 2)
    assert board.class_a_drawn == 0  # the class-A draws are SAMR's
    assert {r.plan.department_id for r in board.plans} == {env.pk}
    assert board.children == []


def test_a_year_without_anything_is_all_zero(world: dict[str, Any]) -> None:
    board = selectors.dashboard("361100", YEAR + 1)
    assert (board.tasks, board.plans_on_time, board.plans_late, board.filings) == (0, 0, 0, 0)
    assert board.class_a_drawn == 0 and board.class_a_population == 30


def test_on_time_is_decided_by_the_first_submission(world: dict[str, Any]) -> None:
    from spotcheck.planning.models import Plan

    p = Plan.objects.filter(special=False).first()
    assert p is not None
    deadline = date(YEAR, 3, 31)
    assert selectors.on_time(p, date(YEAR, 3, 31), deadline, date(YEAR, 7, 1)) is True
    assert selectors.on_time(p, date(YEAR, 4, 1), deadline, date(YEAR, 7, 1)) is False
    assert selectors.on_time(p, None, deadline, date(YEAR, 3, 15)) is None  # still time
    assert selectors.on_time(p, None, deadline, date(YEAR, 4, 1)) is False


def test_the_city_lists_its_counties_for_drill_down(world: dict[str, Any]) -> None:
    board = selectors.dashboard("361100", YEAR)
    assert {c.division.code for c in board.children} >= {"361102"}
