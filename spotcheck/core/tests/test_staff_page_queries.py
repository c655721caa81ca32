"""The staff pages run a fixed number of queries, whatever the number of rows they show (no
N+1): each page is read on a small year and on a year with more plans, items, history, tasks
and visits, and the two counts must be equal. The figures under load are in
``benchmarks/bench_staff.py``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spotcheck.accounts.roles import Role
from spotcheck.inspections import services as inspections
from spotcheck.inspections.models import JointInspection
from spotcheck.inspections.tests import factories as f
from spotcheck.planning.domain.review import Status
from spotcheck.planning.tests import factories as pf

pytestmark = pytest.mark.django_db

YEAR = f.YEAR
ENV, SAMR = "361100-ENV", "361100-SAMR"


def _year(n: int, people: dict[str, Any]) -> dict[str, Any]:
    """``n`` plans of each status the pages show (each with ``n`` items), ``n`` executed draws
    of ``2n`` entities each turned into tasks of two departments and merged into visits."""
    planner, office, justice = people["planner"], people["office"], people["justice"]
    plans = []
    for i in range(n):
        items = [pf.item(ENV, year=YEAR, code=f"ENV-Q{n}-{i}-{k}") for k in range(n)]
        for status in (Status.DRAFT, Status.SUBMITTED, Status.OFFICE_APPROVED, Status.APPROVED):
            plans.append(pf.plan(owner=planner, status=status, office=office, justice=justice,
                                 items=items, year=YEAR, title=f"第{n}-{i}-{status}号计划"))
    pf.entities(4 * n, division="361102")
    chosen = f.entities(2 * n)
    for code in (ENV, SAMR):
        for _ in range(n):
            draw = f.executed_draw(code, chosen, window=f.JUNE)
            inspections.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(code, n)))
    inspections.window_merge(division="361100", year=YEAR, window=6, acting_user=None)
    return {"plans": plans, "joint": JointInspection.objects.order_by("pk").first()}


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.fixture
def people(make_user: Callable[..., Any], on_day: Callable[[date], None]) -> dict[str, Any]:
    on_day(date(YEAR, 3, 1))
    return {"planner": make_user(Role.PLANNER, ENV), "office": make_user(Role.OFFICE),
            "justice": make_user(Role.JUSTICE)}


PAGES: list[tuple[str, str, Callable[[dict[str, Any]], str]]] = [
    ("office", "work bench", lambda w: "/"),
    ("planner", "work bench", lambda w: "/"),
    ("office", "plan list", lambda w: f"/planning/?year={YEAR}"),
    ("planner", "plan list", lambda w: f"/planning/?year={YEAR}"),
    ("office", "plan detail (submitted)", lambda w: f"/planning/{w['plans'][1].pk}/"),
    ("justice", "plan detail (approved)", lambda w: f"/planning/{w['plans'][3].pk}/"),
    ("office", "review queue", lambda w: "/planning/review/"),
    ("justice", "review queue", lambda w: "/planning/review/"),
    ("office", "coverage", lambda w: f"/planning/coverage/?year={YEAR}"),
    ("planner", "coverage", lambda w: f"/planning/coverage/?year={YEAR}"),
    ("planner", "task list", lambda w: "/inspections/"),
    ("office", "task list", lambda w: "/inspections/"),
    ("office", "the one form", lambda w: f"/inspections/joint/{w['joint'].pk}/form/"),
]


def test_each_staff_page_runs_as_many_queries_for_many_rows_as_for_few(
        client: Any, people: dict[str, Any]) -> None:
    counts: dict[tuple[str, str], list[int]] = {}
    for n in (1, 2):
        world = _year(n, people)
        for who, label, url in PAGES:
            f.login(client, people[who])
            _count(client, url(world))  # the session's first request settles its own rows
            counts.setdefault((who, label), []).append(_count(client, url(world)))
    report = {f"{who}: {label}": c for (who, label), c in counts.items()}
    print(report)
    assert {k: c for k, c in report.items() if c[0] != c[1]} == {}
