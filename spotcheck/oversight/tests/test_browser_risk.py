"""结果互认 on a task (R-R3) and the office's risk warnings (R-R4) in a real browser at 375 px
(Debian chromium via Playwright): the other departments' results, the adoption with its
reason, the flags with their figures; nothing overflows the phone's width. Screenshots are
kept in test-output/."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.test_browser import sign_in
from spotcheck.inspections.models import EntityBurden, ResultRecognition
from spotcheck.inspections.tests import factories as fi
from spotcheck.inspections.tests.recognition_world import ENV, SAMR, world
from spotcheck.oversight.tests.test_risk import _found

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 812}


def test_r_r3_a_planner_adopts_another_departments_result_on_a_phone(
        page: Any, live_server: Any, fresh_user: Any, on_day: Any, output_dir: Path) -> None:
    on_day(date(2027, 5, 15))
    w = world()
    planner = fresh_user(Role.PLANNER, ENV)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/inspections/tasks/{w.task.pk}/")
    row = page.locator(f"[data-earlier-task='{w.earlier.pk}']")
    assert "市市场监管局" in row.inner_text() and "可以互认" in row.inner_text()
    page.locator("#recognition").scroll_into_view_if_needed()
    page.fill("#id_reason", "同一事项市场监管局 3 月已检查，结果已确认")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(output_dir / "recognition-task-375.png"), full_page=True)
    page.click("[data-recognise-form] button[type=submit]")
    page.wait_for_selector("[data-adopted]")
    assert "免于入户检查" in page.locator("[data-adopted]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(output_dir / "recognition-adopted-375.png"), full_page=True)
    assert ResultRecognition.objects.filter(task=w.task, source_task=w.earlier).count() == 1
    burden = EntityBurden.objects.get(entity=w.entity, year=fi.YEAR)
    assert (burden.tasks, burden.visits) == (2, 1)


def test_r_r4_the_office_reads_the_risk_warnings_on_a_phone(
        page: Any, live_server: Any, fresh_user: Any, on_day: Any, output_dir: Path) -> None:
    on_day(date(2027, 7, 1))
    finder = fresh_user(Role.INSPECTOR, ENV)
    x = fi.entity(name="上饶甲商贸有限公司")
    _found(ENV, x, severity="serious", name="未按规定公示信息", user=finder)
    _found(SAMR, x, severity="general", name="销售不合格产品", user=finder)
    office = fresh_user(Role.OFFICE)
    page.set_viewport_size(PHONE)
    sign_in(page, live_server.url, office.username)
    page.goto(f"{live_server.url}/oversight/risk/?year=2027")
    flag = page.locator(f"[data-entity-flags] tr[data-uscc='{x.uscc}']")
    assert "市生态环境局" in flag.inner_text() and "市市场监管局" in flag.inner_text()
    assert page.locator("[data-field-flags] tr[data-field='F']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(output_dir / "risk-warnings-375.png"), full_page=True)
    page.goto(f"{live_server.url}/oversight/joint-punishment/?year=2027")
    assert page.locator(f"[data-punishment] tr[data-uscc='{x.uscc}']").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(output_dir / "joint-punishment-375.png"), full_page=True)
