"""The plan editor in a real browser (Debian chromium via Playwright): the figures refresh
while typing (htmx under the site's CSP), on a desktop and on a 375-px phone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.test_browser import sign_in
from spotcheck.planning.models import Plan
from spotcheck.planning.tests.factories import entities, item, this_year

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
YEAR = this_year()


@pytest.mark.parametrize(("width", "height"), [(1366, 900), (375, 812)])
def test_the_editor_shows_live_figures_and_rule_findings(
        width: int, height: int, page: Any, live_server: Any, make_user: Any, march: Any,
        output_dir: Path) -> None:
    entities(40)
    it = item(name="排污许可执行情况检查")
    planner = make_user(Role.PLANNER)
    page.set_viewport_size({"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/planning/new/?class=B")
    page.wait_for_selector("#figures h2:has-text('抽取范围与抽取数')")
    assert "<strong>40</strong> 户" in page.inner_html("#figures")
    page.fill("#id_title", "生态环境随机抽查")
    page.check(f"input[name=items][value='{it.pk}']")
    page.fill("#id_window_start", f"{YEAR}-07-01")
    page.fill("#id_window_end", f"{YEAR}-07-31")
    page.locator("#id_window_end").dispatch_event("change")
    page.wait_for_selector("#figures li.error:has-text('R-Q1')")
    page.fill("#id_window_start", f"{YEAR}-09-01")
    page.fill("#id_window_end", f"{YEAR}-09-30")
    page.locator("#id_window_end").dispatch_event("change")
    page.wait_for_selector("#figures .good:has-text('符合各项规则')")
    page.screenshot(path=str(output_dir / f"planning-editor-{width}.png"), full_page=True)
    page.click("button:has-text('保存草稿')")
    page.wait_for_selector("h1:has-text('生态环境随机抽查')")
    assert Plan.objects.get().drawn_estimate == 2
    assert not [e for e in errors if "Content Security Policy" in e and "script" in e], errors
