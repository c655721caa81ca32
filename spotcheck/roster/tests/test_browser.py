"""In a real browser at phone width: the roster and the public item list fit a 375-px screen
(tables stack into cards), and a department admin registers an inspector through the form."""

from __future__ import annotations

from typing import Any

import pytest

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.accounts.tests.otp import pass_second_step
from spotcheck.roster.models import Inspector
from spotcheck.roster.tests.factories import InspectorFactory, TagFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    pass_second_step(page, username)
    page.wait_for_selector("h1:has-text('工作台')")


def _fits(page: Any, width: int) -> bool:
    return bool(page.evaluate(f"document.documentElement.scrollWidth <= {width}"))


def test_a_department_admin_works_the_roster_on_a_phone(page: Any, live_server: Any,
                                                       make_user: Any, output_dir: Any) -> None:
    env = Department.objects.get(code="361100-ENV")
    tag = TagFactory.create(department=env, code="WATER", label="水环境执法")
    for n in range(3):
        InspectorFactory.create(department=env, name=f"执法员{n}", tags=[tag],
                                organisation="")
    admin = make_user(Role.DEPT_ADMIN)
    page.set_viewport_size({"width": 375, "height": 812})
    _sign_in(page, live_server.url, admin.username)
    page.goto(f"{live_server.url}/roster/")
    assert page.locator("table.stack tbody tr").count() == 3
    assert _fits(page, 375)
    page.screenshot(path=str(output_dir / "roster-list-375.png"), full_page=True)
    page.click("a:has-text('登记人员')")
    page.fill("#id_certificate_no", "JX-2027-01")
    page.fill("#id_name", "孙八")
    page.select_option("#id_kind", "civil_servant")
    page.fill("#id_valid_until", "2030-12-31")
    page.check("text=水环境执法")
    page.click("button:has-text('保存')")
    page.wait_for_selector("h1:has-text('孙八')")
    assert _fits(page, 375)
    assert list(Inspector.objects.get(certificate_no="JX-2027-01").tags.values_list(
        "code", flat=True)) == ["WATER"]


def test_the_public_item_list_fits_a_phone(page: Any, live_server: Any, departments: Any,
                                           output_dir: Any) -> None:
    from spotcheck.catalog.tests.factories import ItemListFilingFactory

    filing = ItemListFilingFactory.create()
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/catalog/public/?year={filing.year}&division=361100"
              f"&department={filing.department_id}")
    assert page.locator("table.stack tbody tr").count() == 1
    assert _fits(page, 375)
    page.screenshot(path=str(output_dir / "catalog-public-375.png"), full_page=True)
