"""The dashboard page: the tables carry the figures (the page without JavaScript), the chart
data is the same, drill-down links, scope refusals, bad input, the menu and the home page."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spotcheck.accounts.roles import Role
from spotcheck.oversight.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


def _charts(html: str) -> dict[str, Any]:
    block = re.search(r'<script id="oversight-charts" type="application/json">(.*?)</script>', html, re.S)
    assert block is not None
    return json.loads(block.group(1))


def test_the_office_reads_its_division_with_tables_charts_and_drill_down(
        client: Any, fresh_user: Any, world: dict[str, Any]) -> None:
    client.force_login(fresh_user(Role.OFFICE))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/oversight/?year={YEAR}")
    assert response.status_code == 200
    print(f"dashboard (division): {len(queries)} queries")
    assert len(queries) <= 60
    html = response.content.decode()
    row = re.search(r'<tr data-department="市生态环境局">(.*?)</tr>', html, re.S)
    assert row is not None
    figures = dict(re.findall(r'data-figure="(\w+)">(\d+)<', row.group(1)))
    assert figures == {"tasks": "3", "done": "1", "overdue": "2"}
    charts = _charts(html)
    names = charts["departments"]["names"]
    i = names.index("市生态环境局")
    assert [s["data"][i] for s in charts["departments"]["series"]] == [3, 1, 2]
    assert charts["class_a"] == {"drawn": 2, "cap": 3, "population": 30}
    assert "?department=361100-ENV" in html and "?division=361102" in html  # drill-down
    assert "/planning/" in html  # plans link to their pages
    assert "unsafe-inline" not in response.headers.get("Content-Security-Policy", "")
    # the addresses the page loads from, not its text: a random CSRF token may spell "cdn"
    addresses = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert "vendor/echarts.min.js" in html and not any("cdn" in a.lower() for a in addresses)


def test_a_department_reads_its_own_figures_and_no_other(client: Any, world: dict[str, Any]) -> None:
    client.force_login(world["planner"])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/oversight/?year={YEAR}")
    print(f"dashboard (department): {len(queries)} queries")
    html = response.content.decode()
    assert response.status_code == 200
    assert re.findall(r'<tr data-department="([^"]+)"', html) == ["市生态环境局"]
    assert client.get(f"/oversight/?year={YEAR}&department=361100-SAMR").status_code == 403


def test_bad_input_is_refused_or_ignored(client: Any, make_user: Any) -> None:
    client.force_login(make_user(Role.OFFICE))
    assert client.get("/oversight/?department=NOPE").status_code == 404
    assert client.get("/oversight/?division=999999").status_code == 404
    response = client.get("/oversight/?year=abc")
    assert response.status_code == 200  # the year in execution instead
    assert client.get("/oversight/?year=1999").status_code == 200


def test_a_county_office_cannot_read_the_city(client: Any, make_user: Any) -> None:
    office = make_user(Role.OFFICE, "361102-SAMR")
    client.force_login(office)
    assert client.get("/oversight/").status_code == 200
    assert client.get("/oversight/?division=361100").status_code == 403
    assert client.get("/oversight/?division=361103").status_code == 403
    assert client.get("/oversight/?department=361100-ENV").status_code == 403


def test_the_menu_and_the_office_home_page_lead_to_the_dashboard(
        client: Any, fresh_user: Any, world: dict[str, Any]) -> None:
    client.force_login(fresh_user(Role.OFFICE))
    html = client.get("/").content.decode()
    assert 'data-nav="oversight:dashboard"' in html and "2027 年监督看板" in html
    assert "逾期未完成的检查任务 2 项" in html and "计划外检查备案 3 件" in html
    client.force_login(fresh_user(Role.INSPECTOR))
    assert 'data-nav="oversight:dashboard"' not in client.get("/").content.decode()


def test_the_page_reads_the_kept_figures_and_the_worker_counts_them_again(
        client: Any, fresh_user: Any, world: dict[str, Any], settings: Any) -> None:
    """R-C2, R-A2, R-B3 counted over the whole library are kept, with their time on the page;
    once older than the setting, one reading asks the worker, once, to count them again."""
    from datetime import timedelta

    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    from spotcheck.core import clock
    from spotcheck.oversight import selectors, services
    from spotcheck.oversight.models import DivisionFigures

    client.force_login(fresh_user(Role.OFFICE))
    html = client.get(f"/oversight/?year={YEAR}").content.decode()
    kept = DivisionFigures.objects.get(division_id="361100", year=YEAR)
    live = selectors.dashboard("361100", YEAR)
    figures = (kept.class_a_population, kept.burden_entities, kept.burden_tasks, kept.savings["tasks"])
    assert figures == (live.class_a_population, live.burden_entities, live.burden_tasks,
                       live.savings["tasks"]) == (30, 4, 5, 5)
    assert (kept.class_c_total, kept.class_c_inspected) == (live.class_c_total, live.class_c_inspected)
    assert 'id="figures-at"' in html
    assert _charts(html)["class_a"] == {"drawn": 2, "cap": 3, "population": 30}
    # Counted an hour ago, when the library held 50 class-A entities: the page shows them
    # (cap 5), and the first two readings enqueue one recount.
    settings.SPOTCHECK_FIGURES_MAX_AGE = 600
    DivisionFigures.objects.filter(pk=kept.pk).update(class_a_population=50,
                                                      computed_at=clock.now() - timedelta(hours=1))
    jobs = DBTaskResult.objects.filter(task_path=services.figures_task.module_path)
    assert jobs.count() == 0
    for _ in range(2):
        assert _charts(client.get(f"/oversight/?year={YEAR}").content.decode())["class_a"]["cap"] == 5
    assert jobs.count() == 1
    services.figures_task.call("361100", YEAR)  # what the worker runs
    assert _charts(client.get(f"/oversight/?year={YEAR}").content.decode())["class_a"]["cap"] == 3
    assert jobs.count() == 1  # fresh again: nothing more asked
    DivisionFigures.objects.filter(pk=kept.pk).update(class_a_population=50)
    call_command("oversight_figures", "--division", "361100", "--year", str(YEAR), stdout=io.StringIO())
    assert DivisionFigures.objects.get(pk=kept.pk).class_a_population == 30


def test_the_coverage_page_reads_the_kept_figures_and_counts_again_after_a_class_c_plan(
        client: Any, fresh_user: Any, world: dict[str, Any]) -> None:
    """Planning's coverage page (R-C2, R-A2) reads the figures the dashboard keeps, with their
    time, rather than scan the library on every reading; a class-C plan that changed since
    they were counted makes the next reading count them again."""
    from django.contrib.auth import get_user_model

    from spotcheck.core import clock
    from spotcheck.inspections.tests import factories as fi
    from spotcheck.oversight.models import DivisionFigures
    from spotcheck.planning.models import Plan

    client.force_login(fresh_user(Role.OFFICE))
    html = client.get(f"/planning/coverage/?year={YEAR}").content.decode()
    kept = DivisionFigures.objects.get(division_id="361100", year=YEAR)
    assert kept.class_a_population == 30 and "共 30 户" in html and 'id="figures-at"' in html
    fi.entities(10, "A")  # the library grows: the page shows the kept count until recounted
    assert "共 30 户" in client.get(f"/planning/coverage/?year={YEAR}").content.decode()
    planner = get_user_model().objects.get(pk=world["planner"].pk)
    plan = Plan.objects.filter(department=planner.department).order_by("pk").first()
    assert plan is not None
    Plan.objects.filter(pk=plan.pk).update(target_class="C", updated_at=clock.now())
    assert "共 40 户" in client.get(f"/planning/coverage/?year={YEAR}").content.decode()
    assert DivisionFigures.objects.get(pk=kept.pk).class_a_population == 40
