"""The ratio picker by credit-risk level (R-R4) in a real browser on a 375-px phone: picking
1 / 3 / 10 / 30 % fills the four boxes and the live figures show what each level would draw
before the plan is saved; the saved plan keeps the rates."""

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


def test_r_r4_the_picker_shows_each_levels_draw_on_a_phone(
        page: Any, live_server: Any, make_user: Any, march: Any, output_dir: Path) -> None:
    for level, n in {"low": 150, "general": 60, "higher": 20, "high": 7}.items():
        entities(n, risk=level)
    it = item(name="排污许可执行情况检查")
    planner = make_user(Role.PLANNER)
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live_server.url, planner.username)
    page.goto(f"{live_server.url}/planning/new/?class=B")
    page.wait_for_selector("#figures h2:has-text('抽取范围与抽取数')")
    page.fill("#id_title", "差异化随机抽查")
    page.check(f"input[name=items][value='{it.pk}']")
    page.select_option("#id_risk_preset", "1-3-10-30")
    page.wait_for_selector("#figures [data-risk-effect] tr[data-level='high']")
    drawn = {level: page.inner_text(f"#figures [data-risk-effect] tr[data-level='{level}'] [data-drawn]")
             for level in ("low", "general", "higher", "high")}
    assert drawn == {"low": "2", "general": "2", "higher": "2", "high": "3"}
    assert page.input_value("#id_risk_rate_high") == "30"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=str(output_dir / "planning-risk-picker-375.png"), full_page=True)
    page.click("button:has-text('保存草稿')")
    page.wait_for_selector("h1:has-text('差异化随机抽查')")
    plan = Plan.objects.get()
    assert plan.strata == ["risk"] and plan.quota["rates_bp"]["risk.high"] == 3000
    assert plan.drawn_estimate == 9
