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


def test_on_a_phone_a_planner_edits_the_common_ratio_and_reads_the_plan_in_words(
        page: Any, live_server: Any, make_user: Any, march: Any, output_dir: Path) -> None:
    from spotcheck.planning.tests import factories as f

    entities(30, risk="general")
    entities(10, risk="high")
    planner = make_user(Role.PLANNER)
    plan = f.plan(owner=planner, strata=["risk"], divisions=["361102"],
                  quota={"kind": "rates", "rates_bp": {"risk.high": 2500}, "default_bp": 300,
                         "rounding": "ceil"})
    page.set_viewport_size({"width": 375, "height": 812})
    base = live_server.url
    sign_in(page, base, planner.username)
    page.screenshot(path=str(output_dir / "home-planner-375.png"), full_page=True)
    page.goto(f"{base}/planning/{plan.pk}/edit/")
    page.wait_for_selector("#figures h2:has-text('抽取范围与抽取数')")
    assert page.input_value("#id_quota_default") == "3"
    assert page.input_value("[name='s:risk.high']") == "25"
    # (a full-page screenshot resizes the viewport: taken before typing, not between a change and a click)
    page.screenshot(path=str(output_dir / "planning-edit-375.png"), full_page=True)
    page.fill("#id_quota_default", "8")
    page.locator("#id_quota_default").dispatch_event("change")
    page.wait_for_selector("#figures td:has-text('8%')")
    page.click("button:has-text('保存草稿')")
    page.wait_for_selector("dd:has-text('其余分层 8%')")
    assert "高风险 25%" in page.inner_text("main") and "信州区" in page.inner_text("main")
    page.screenshot(path=str(output_dir / "planning-detail-375.png"), full_page=True)
    assert Plan.objects.get().quota["rates_bp"]["risk.low"] == 800
    for name, path in (("list", "/planning/"), ("coverage", "/planning/coverage/"),
                       ("new", "/planning/new/?class=B")):
        page.goto(base + path)
        page.wait_for_selector("h1")
        page.screenshot(path=str(output_dir / f"planning-{name}-375.png"), full_page=True)
