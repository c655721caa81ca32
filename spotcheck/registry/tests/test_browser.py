"""In a real browser: a department administrator imports a file with errors, downloads the
error report, fixes the file, imports it and finds an entity; the office moves an entity to
class C on a department's proposal and the history shows it."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.demo.registry import HEADERS, entity_rows
from spotcheck.registry.models import ClassChange, MarketEntity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows([HEADERS, *rows])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def immediate_tasks(settings: Any, tmp_path: Path) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path


def test_an_import_with_errors_is_fixed_and_the_entity_found(page: Any, live_server: Any, make_user: Any,
                                                             immediate_tasks: None, tmp_path: Path,
                                                             output_dir: Path) -> None:
    admin = make_user(Role.DEPT_ADMIN)
    rows = list(entity_rows(12, seed=8))
    broken = [list(r) for r in rows]
    broken[4][6] = "999999"  # unknown division
    broken[7][0] = rows[7][0][:17] + ("0" if rows[7][0][17] != "0" else "1")  # bad check character
    sign_in(page, live_server.url, admin.username)
    page.click("nav.nav a:has-text('检查对象名录库')")
    page.click("a:has-text('导入市场主体')")
    page.set_input_files("#id_file", str(write_csv(tmp_path / "主体.csv", broken)))
    page.click("button:has-text('上传并导入')")
    page.wait_for_selector(".import-status:has-text('已完成')")
    assert page.inner_text(".n-inserted") == "10" and page.inner_text(".n-rejected") == "2"
    with page.expect_download() as download:
        page.click("a.error-report")
    assert download.value.suggested_filename.endswith(".xlsx")
    report = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    lines = [[c.value for c in row] for row in report.iter_rows(min_row=2)]
    assert [(r[0], r[1]) for r in lines] == [("6", "行政区划代码"), ("9", "统一社会信用代码")]
    page.screenshot(path=str(output_dir / "registry-import-errors.png"), full_page=True)

    page.click("a:has-text('← 导入市场主体')")
    page.set_input_files("#id_file", str(write_csv(tmp_path / "主体-修正.csv", rows)))
    page.click("button:has-text('上传并导入')")
    page.wait_for_selector(".import-status:has-text('已完成')")
    assert page.inner_text(".n-inserted") == "2" and page.inner_text(".n-updated") == "10"
    assert page.inner_text(".n-rejected") == "0"
    assert MarketEntity.objects.count() == 12

    page.click("a:has-text('检查对象名录库')")
    page.fill("input[name=q]", rows[7][0])
    page.click("button:has-text('查询')")
    page.click(f"a:has-text('{rows[7][0]}')")
    page.wait_for_selector(f"h1:has-text('{rows[7][1]}')")
    assert rows[7][4] not in page.content()  # the ID number only masked


def test_the_office_moves_an_entity_to_class_c_on_a_proposal(page: Any, live_server: Any, make_user: Any,
                                                             browser: Any, output_dir: Path) -> None:
    from spotcheck.registry.tests.factories import EntityFactory, make_uscc

    entity = EntityFactory.create(uscc=make_uscc("361102"), name="上饶市信州区某化工经营部")
    planner = make_user(Role.PLANNER)
    sign_in(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/registry/entities/{entity.pk}/")
    page.select_option(".propose-class select[name=c_field]", "safety")
    page.fill(".propose-class textarea[name=basis]", "经营危险化学品，须每年检查")
    page.click(".propose-class button")
    page.wait_for_selector(".messages li:has-text('已提交')")

    office = make_user(Role.OFFICE)
    context = browser.new_context()
    office_page = context.new_page()
    sign_in(office_page, live_server.url, office.username)
    office_page.goto(f"{live_server.url}/registry/proposals/")
    office_page.click(f"a:has-text('{entity.name}')")
    office_page.fill(".decide-proposal textarea[name=reason]", "现场核实属实")
    office_page.click(".decide-proposal button")
    office_page.wait_for_selector(".messages li:has-text('已对')")
    history = office_page.inner_text("table.history")
    assert "B\tC" in history and "采纳部门提议" in history and "经营危险化学品" in history
    assert "C类" in office_page.inner_text("h1")
    office_page.set_viewport_size({"width": 375, "height": 812})
    overflow = office_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    office_page.screenshot(path=str(output_dir / "registry-entity-375.png"), full_page=True)
    assert overflow <= 0
    assert ClassChange.objects.get(entity=entity).proposal is not None
    context.close()
