"""In a real browser, a city goes live with no shell between the steps: on a database just
migrated (reference data only), the three administrators are bootstrapped; the system
administrator signs in (changing the one-time password), creates a department
administrator's account from the page with the department picker; the security
administrator grants the role (三员分立); the department administrator signs in and imports
1,000 entities from a CSV file through the entity import page."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from spotcheck.accounts.models import User
from spotcheck.accounts.roles import Role
from spotcheck.demo.registry import HEADERS, entity_rows
from spotcheck.registry.models import MarketEntity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENTITIES = 1000


def _bootstrap_admins() -> dict[str, str]:
    """username -> one-time password of ``sysadmin``, ``secadmin`` and ``auditor``, as
    ``manage.py bootstrap_admins`` prints them (a header line, then
    ``<role>\\t<username>\\t<password>`` lines)."""
    out = io.StringIO()
    call_command("bootstrap_admins", stdout=out)
    lines = [line.split("\t") for line in out.getvalue().splitlines()[1:] if line.count("\t") == 2]
    return {username: password for _, username, password in lines}


@pytest.fixture
def immediate_tasks(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path


def _sign_in_first_time(page: Any, base: str, username: str, password: str, new: str) -> None:
    """Sign in with a one-time password: every page leads to the forced change first."""
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('修改密码')")
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", new)
    page.fill("#id_new_password2", new)
    page.click("button:has-text('修改密码')")
    page.wait_for_selector(".messages li:has-text('密码已修改')")


def _sign_out(page: Any) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_selector("h1:has-text('登录')")


def test_a_city_goes_live_from_an_empty_database_without_a_shell(
        page: Any, live_server: Any, departments: Any, immediate_tasks: None, tmp_path: Path,
        output_dir: Path) -> None:
    assert not User.objects.exists() and not MarketEntity.objects.exists()
    admins = _bootstrap_admins()
    base = live_server.url

    # The system administrator creates the account, finding the department by typing.
    _sign_in_first_time(page, base, "sysadmin", admins["sysadmin"], "Sys-Admin-2027x")
    page.click("nav.nav a:has-text('账户管理')")
    page.click("a:has-text('新建账户')")
    page.fill("#id_username", "env_admin")
    page.fill("#id_display_name", "生态环境局管理员 周涛")
    page.fill("#id_dept_q", "市生态")
    page.wait_for_selector("#dept-options input[value='361100-ENV']")
    assert page.locator("#dept-options input[name=department]").count() <= 21  # not 430
    page.check("#dept-options input[value='361100-ENV']")
    page.set_viewport_size({"width": 375, "height": 812})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    page.screenshot(path=str(output_dir / "accounts-create-375.png"), full_page=True)
    assert overflow <= 0
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("button:has-text('创建账户')")
    page.wait_for_selector("h1:has-text('账户已创建')")
    one_time = page.inner_text(".issued-password code").strip()
    page.screenshot(path=str(output_dir / "accounts-issued.png"), full_page=True)
    _sign_out(page)

    # The security administrator grants the role; the department comes pre-selected.
    _sign_in_first_time(page, base, "secadmin", admins["secadmin"], "Sec-Admin-2027x")
    page.click("nav.nav a:has-text('账户管理')")
    page.fill("input[name=q]", "env_admin")
    page.click("button:has-text('查询')")
    page.click("tr:has-text('env_admin') a:has-text('授权')")
    page.select_option("#id_role", Role.DEPT_ADMIN)
    assert page.is_checked("#dept-options input[value='361100-ENV']")
    page.click("button:has-text('保存')")
    page.wait_for_selector(".messages li:has-text('授予角色')")
    _sign_out(page)

    # The department administrator imports 1,000 entities through the entity import page.
    _sign_in_first_time(page, base, "env_admin", one_time, "Env-Admin-2027x")
    path = tmp_path / "市场主体.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS)
        writer.writerows(entity_rows(ENTITIES, seed=2027))
    page.click("nav.nav a:has-text('检查对象名录库')")
    page.click("a:has-text('导入市场主体')")
    page.set_input_files("#id_file", str(path))
    page.click("button:has-text('上传并导入')")
    page.wait_for_selector(".import-status:has-text('已完成')", timeout=120_000)
    assert page.inner_text(".n-inserted") == str(ENTITIES)
    assert page.inner_text(".n-rejected") == "0"
    page.screenshot(path=str(output_dir / "accounts-golive-import.png"), full_page=True)

    assert MarketEntity.objects.count() == ENTITIES
    admin = User.objects.get(username="env_admin")
    assert admin.role == Role.DEPT_ADMIN and admin.department_id == departments.get(code="361100-ENV").pk
    assert not admin.must_change_password


def test_an_enterprise_activates_its_account_on_a_phone_with_the_printed_code(
        page: Any, browser: Any, live_server: Any, make_user: Any, output_dir: Path) -> None:
    from spotcheck.accounts.tests.factories import PASSWORD
    from spotcheck.registry.tests.factories import EntityFactory, make_uscc

    entity = EntityFactory.create(uscc=make_uscc("361102"), name="上饶市信州区某食品有限公司")
    office = make_user(Role.OFFICE)
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", office.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.click("nav.nav a:has-text('企业账户')")
    page.fill("input[name=uscc]", entity.uscc)
    page.click("button:has-text('查找')")
    page.wait_for_selector(f"h2:has-text('{entity.name}')")
    page.click("button:has-text('签发并打印激活码')")
    code = page.inner_text(".activation-code").strip()
    page.screenshot(path=str(output_dir / "accounts-activation-code.png"), full_page=True)

    phone = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
    mobile = phone.new_page()
    mobile.goto(f"{base}/accounts/login/")
    mobile.click("a:has-text('用激活码激活企业账户')")
    mobile.fill("#id_uscc", entity.uscc)
    mobile.fill("#id_code", "WRNG-WRNG-WRNG")
    mobile.fill("#id_username", "shipin")
    mobile.fill("#id_password1", "Shi-Pin-2027x")
    mobile.fill("#id_password2", "Shi-Pin-2027x")
    mobile.click("button:has-text('激活账户')")
    mobile.wait_for_selector(".errors:has-text('激活码不正确')")
    mobile.fill("#id_code", code.lower())
    mobile.fill("#id_password1", "Shi-Pin-2027x")
    mobile.fill("#id_password2", "Shi-Pin-2027x")
    mobile.click("button:has-text('激活账户')")
    mobile.wait_for_selector(".messages li:has-text('企业账户已激活')")
    mobile.fill("#id_username", "shipin")
    mobile.fill("#id_password", "Shi-Pin-2027x")
    mobile.click("button[type=submit]")
    mobile.wait_for_selector("h1")
    mobile.goto(f"{base}/registry/entities/{entity.pk}/")
    mobile.wait_for_selector(f"h1:has-text('{entity.name}')")
    overflow = mobile.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    mobile.screenshot(path=str(output_dir / "accounts-enterprise-activated-375.png"), full_page=True)
    assert overflow <= 0
    assert User.objects.get(username="shipin").enterprise_uscc == entity.uscc
    phone.close()
