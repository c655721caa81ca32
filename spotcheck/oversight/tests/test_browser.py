"""The dashboard in a real browser (Debian chromium via Playwright): ECharts, served from the
platform's own static files under its CSP, draws each chart; the table beside it shows the
same figures; on a 375-px phone nothing overflows; printed, the tables stand alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.test_browser import sign_in
from spotcheck.oversight.tests.conftest import YEAR

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (375, 812)])
def test_the_dashboard_draws_its_charts_beside_the_same_figures(
        width: int, height: int, page: Any, live_server: Any, fresh_user: Any,
        world: dict[str, Any], output_dir: Path) -> None:
    office = fresh_user(Role.OFFICE)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server.url, office.username)
    page.goto(f"{live_server.url}/oversight/?year={YEAR}")
    page.wait_for_selector("#chart-tasks[data-rendered='1'] canvas")
    for chart in ("#chart-tasks", "#chart-plans", "#chart-filings"):
        box = page.locator(f"{chart} canvas").first.bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
    # Something was drawn: the canvas holds non-transparent pixels.
    drawn = page.evaluate("""() => {
        const c = document.querySelector('#chart-tasks canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; for (let i = 3; i < d.length; i += 4) { if (d[i]) n++; } return n; }""")
    assert drawn > 1000
    # The chart's series are the table's figures (市生态环境局: 3 tasks, 1 done, 2 overdue).
    series = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart-tasks'))
        .getOption().series.map(s => s.data)""")
    names = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('chart-tasks'))
        .getOption().yAxis[0].data""")
    i = names.index("市生态环境局")
    row = page.locator("#table-tasks tr[data-department='市生态环境局']")
    table = [int(row.locator(f"[data-figure={f}]").inner_text()) for f in ("tasks", "done", "overdue")]
    assert [s[i] for s in series] == table == [3, 1, 2]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(output_dir / f"oversight-dashboard-{width}.png"), full_page=True)
    # Printed: the charts are left out, the tables carry the figures.
    page.emulate_media(media="print")
    assert not page.locator("#chart-tasks").is_visible()
    assert page.locator("#table-tasks").is_visible()
    page.screenshot(path=str(output_dir / f"oversight-dashboard-{width}-print.png"), full_page=True)
    assert not [e for e in errors if "Content Security Policy" in e], errors
    # Drill down: the department, then one of its plans.
    page.emulate_media(media="screen")
    page.click("#table-tasks a:has-text('市生态环境局')")
    page.wait_for_selector("h1:has-text('市生态环境局')")
    page.locator("#table-plan-list a").first.click()
    page.wait_for_selector("h1")
    assert "/planning/" in page.url


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (375, 812)])
def test_the_report_and_accountability_pages_fit_the_screen(
        width: int, height: int, page: Any, live_server: Any, fresh_user: Any,
        world: dict[str, Any], output_dir: Path) -> None:
    from spotcheck.accounts.models import Division
    from spotcheck.oversight import services

    office = fresh_user(Role.OFFICE)
    report = services.report_create(acting_user=office, division=Division.objects.get(pk="361100"),
                                    year=YEAR, quarter=3)
    services.report_run(report.pk)
    services.notification_issue(acting_user=office, report=report, title="关于第三季度抽查工作的通报",
                                body="市生态环境局逾期未完成检查任务 2 项。")
    page.set_viewport_size({"width": width, "height": height})
    sign_in(page, live_server.url, office.username)
    for name, path, selector in [
            ("reports", "/oversight/reports/", "#table-reports"),
            ("report", f"/oversight/reports/{report.pk}/", "#table-comparison"),
            ("accountability", f"/oversight/accountability/?year={YEAR}", "#table-departments")]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector(selector)
        assert page.evaluate("document.documentElement.scrollWidth") <= width, name
        page.screenshot(path=str(output_dir / f"oversight-{name}-{width}.png"), full_page=True)
    row = page.locator("#table-departments tr[data-department='市生态环境局']")
    assert row.locator("[data-figure=due]").count() == 1
