"""The staff pages run a fixed number of queries, whatever the number of rows they show (no
N+1): each page is read on a small year and on a year with more plans, items, history, tasks
and visits, and both counts must be the page's figure fixed below. The figures under load are in
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
from spotcheck.inspections.models import InspectionTask, JointInspection
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
    team = {ENV: people["env_team"], SAMR: people["samr_team"]}
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
            draw = f.executed_draw(code, chosen, window=f.JUNE, team=team[code])
            inspections.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(code, n)))
    inspections.window_merge(division="361100", year=YEAR, window=6, acting_user=None)
    # Tasks of one department alone (no other department visits these entities): each is its
    # own visit, filled in on the task's form.
    alone = f.executed_draw(ENV, f.entities(2 * n), window=f.JUNE, team=team[ENV])
    inspections.tasks_from_draw(draw=alone, plan=f.plan(alone, f.items(ENV, n)))
    return {"plans": plans, "joint": JointInspection.objects.order_by("pk").first(),
            "task": InspectionTask.objects.filter(draw=alone).order_by("pk").first()}


def _count(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)


@pytest.fixture
def people(make_user: Callable[..., Any], on_day: Callable[[date], None]) -> dict[str, Any]:
    on_day(date(YEAR, 3, 1))
    inspector = make_user(Role.INSPECTOR, ENV)
    return {"planner": make_user(Role.PLANNER, ENV), "office": make_user(Role.OFFICE),
            "justice": make_user(Role.JUSTICE), "inspector": inspector,
            "env_team": f.inspectors(ENV, user=inspector), "samr_team": f.inspectors(SAMR)}


# (who, page, queries, url): the count is the page's whole request (session, user with their
# department, navigation, the bell, the page's own; no permission rows, no session write within
# a minute), fixed here so that a new per-row query or a dropped select_related shows as a
# failure, and a page made cheaper lowers its figure.
PAGES: list[tuple[str, str, int, Callable[[dict[str, Any]], str]]] = [
    ("office", "work bench", 21, lambda w: "/"),
    ("planner", "work bench", 20, lambda w: "/"),
    ("justice", "work bench", 10, lambda w: "/"),
    ("inspector", "work bench", 8, lambda w: "/"),
    ("office", "plan list", 6, lambda w: f"/planning/?year={YEAR}"),
    ("planner", "plan list", 5, lambda w: f"/planning/?year={YEAR}"),
    ("office", "plan detail (submitted)", 12, lambda w: f"/planning/{w['plans'][1].pk}/"),
    ("justice", "plan detail (approved)", 11, lambda w: f"/planning/{w['plans'][3].pk}/"),
    ("office", "review queue", 6, lambda w: "/planning/review/"),
    ("justice", "review queue", 6, lambda w: "/planning/review/"),
    ("office", "coverage", 16, lambda w: f"/planning/coverage/?year={YEAR}"),
    ("planner", "coverage", 16, lambda w: f"/planning/coverage/?year={YEAR}"),
    ("planner", "task list", 5, lambda w: "/inspections/"),
    ("office", "task list", 5, lambda w: "/inspections/"),
    ("inspector", "task list", 5, lambda w: "/inspections/"),
    ("office", "the one form (joint visit)", 16, lambda w: f"/inspections/joint/{w['joint'].pk}/form/"),
    ("office", "the one form (task)", 15, lambda w: f"/inspections/tasks/{w['task'].pk}/form/"),
    ("inspector", "the one form (task)", 20, lambda w: f"/inspections/tasks/{w['task'].pk}/form/"),
]


def test_each_staff_page_runs_its_fixed_number_of_queries_for_few_rows_and_for_many(
        client: Any, people: dict[str, Any]) -> None:
    counts: dict[tuple[str, str], list[int]] = {}
    for n in (1, 2):
        world = _year(n, people)
        for who, label, _, url in PAGES:
            f.login(client, people[who])
            _count(client, url(world))  # the session's first request settles its own rows
            counts.setdefault((who, label), []).append(_count(client, url(world)))
    f.login(client, people["inspector"])
    assert f"/inspections/tasks/{world['task'].pk}/form/" in client.get("/").content.decode()  # rows shown
    report = {f"{who}: {label}": c for (who, label), c in counts.items()}
    print(report)
    assert report == {f"{who}: {label}": [n, n] for who, label, n, _ in PAGES}
