"""A planning cycle in a real browser (Debian chromium via Playwright): a department's planner
drafts a plan; the office returns it once; it is resubmitted; the office and the justice
bureau approve; its draw runs; another department drew the same entities; the office merges
the window into joint inspections; the coverage page shows the item covered and the visits
saved; an inspector opens the one form on a 375-px phone and completes the visit."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.test_browser import switch_user
from spotcheck.demo.walk import draw_walk
from spotcheck.inspections.models import JointInspection, TaskStatus
from spotcheck.inspections.tests import factories as f
from spotcheck.planning import services as planning
from spotcheck.planning.models import Plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ENV, SAMR = "361100-ENV", "361100-SAMR"



def test_a_plan_from_draft_to_joint_inspections_and_the_one_form(
        page: Any, live_server: Any, make_user: Any, on_day: Any, settings: Any, tmp_path: Path,
        output_dir: Path) -> None:
    year = date.today().year
    on_day(date(year, 3, 1))  # plans are entered by the end of March (R-P2)
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")
    targets = [f.entity("B") for _ in range(4)]
    env_item = f.items(ENV, 1, year=year)[0]
    samr_item = f.items(SAMR, 1, year=year)[0]
    env_planner, samr_planner = make_user(Role.PLANNER, ENV), make_user(Role.PLANNER, SAMR)
    office, justice = make_user(Role.OFFICE), make_user(Role.JUSTICE)
    inspector = make_user(Role.INSPECTOR, ENV)
    f.inspectors(ENV, 2, user=inspector)  # both on every ENV team: the inspector is on it
    f.inspectors(SAMR, 2)
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url} {m.text}") if m.type == "error" else None)

    # The ENV planner drafts a plan drawing every class-B entity in June, and submits it.
    switch_user(page, base, env_planner.username)
    page.goto(f"{base}/planning/new/?class=B")
    page.fill("#id_title", "生态环境B类库双随机抽查")
    page.check(f"input[name=items][value='{env_item.pk}']")
    page.fill("#id_window_start", f"{year}-06-01")
    page.fill("#id_window_end", f"{year}-06-30")
    page.fill("#id_quota_default", "100")
    page.click("button:has-text('保存草稿')")
    page.wait_for_selector("h1:has-text('生态环境B类库双随机抽查')")
    plan = Plan.objects.get(department__code=ENV)
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("h1 .status:has-text('待联席办审核')")

    # The office returns it once, with a reason; the planner resubmits.
    switch_user(page, base, office.username)
    page.goto(f"{base}/planning/{plan.pk}/")
    page.fill("#reason-office_return", "请核对抽查比例是否与本年度工作安排一致。")
    page.click("button:has-text('联席办退回')")
    page.wait_for_selector("h1 .status:has-text('草稿')")
    switch_user(page, base, env_planner.username)
    page.goto(f"{base}/planning/{plan.pk}/")
    assert "请核对抽查比例" in page.inner_text("main")
    page.click("button:has-text('提交审核')")
    page.wait_for_selector("h1 .status:has-text('待联席办审核')")

    # The office and the justice bureau approve (R-P3).
    switch_user(page, base, office.username)
    page.goto(f"{base}/planning/{plan.pk}/")
    page.click("button:has-text('联席办审核通过')")
    page.wait_for_selector("h1 .status:has-text('待司法局审核')")
    switch_user(page, base, justice.username)
    page.goto(f"{base}/planning/{plan.pk}/")
    page.click("button:has-text('司法局审核通过')")
    page.wait_for_selector("h1 .status:has-text('已批准')")

    # The planner prepares the plan's draw on the page; the parties run it.
    switch_user(page, base, env_planner.username)
    page.goto(f"{base}/planning/{plan.pk}/")
    page.click("button:has-text('按本计划准备抽取')")
    page.wait_for_url(f"{base}/draws/*/")
    plan.refresh_from_db()
    assert plan.draw is not None
    draw_walk(plan.draw, owner=env_planner, office=office, justice=justice)

    # 市市场监管局 drew the same entities in June under its own approved plan.
    samr_plan = planning.plan_create(
        acting_user=samr_planner, title="市场监管B类库双随机抽查", year=year, target_class="B",
        window_start=date(year, 6, 1), window_end=date(year, 6, 30), items=[samr_item.pk],
        quota={"kind": "rates", "rates_bp": {}, "default_bp": 10000, "rounding": "ceil"})
    samr_plan = planning.plan_submit(acting_user=samr_planner, plan=samr_plan)
    samr_plan = planning.plan_office_approve(acting_user=office, plan=samr_plan)
    samr_plan = planning.plan_justice_approve(acting_user=justice, plan=samr_plan)
    draw_walk(planning.plan_draw_prepare(acting_user=samr_planner, plan=samr_plan),
             owner=samr_planner, office=office, justice=justice)

    # The office merges the June window: each entity is visited once, jointly (R-B3).
    switch_user(page, base, office.username)
    page.goto(f"{base}/inspections/merge/")
    page.fill("#id_year", str(year))
    page.fill("#id_window", "6")
    page.click("button:has-text('合并该窗口')")
    page.wait_for_selector(f"text=联合检查 {len(targets)} 次")
    assert JointInspection.objects.filter(is_joint=True).count() == len(targets)
    assert page.inner_text("[data-figure=saved]") == str(len(targets))

    # The coverage page: ENV's item is covered by an approved plan, and the visits saved.
    page.goto(f"{base}/planning/coverage/?year={year}")
    cover = page.inner_text("main")
    assert "合并为联合检查" in cover and f"减少入企 {len(targets)} 次" in cover
    env_row = page.locator("tr", has_text="市生态环境局").first.inner_text()
    assert "1（100%）" in env_row
    page.screenshot(path=str(output_dir / "inspections-coverage.png"), full_page=True)

    # In the June window (results are recorded only within it, R-Q1), an ENV inspector, on a
    # phone, opens the joint visit from the home page and fills the form.
    on_day(date(year, 6, 2))
    page.set_viewport_size({"width": 375, "height": 812})
    switch_user(page, base, inspector.username)
    page.click("a:has-text('联合检查：')")
    page.wait_for_selector("h1:has-text('联合检查表')")
    assert page.locator("fieldset.item").count() == 2  # one ENV item, one SAMR item
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    for select in page.locator("select[name$='-result_code']").all():
        select.select_option("1")
    for select in page.locator("select[name$='-method']").all():
        select.select_option("实地检查")
    page.screenshot(path=str(output_dir / "inspections-form-375.png"), full_page=True)
    page.click("button:has-text('保存并完成检查')")
    page.wait_for_selector("text=检查已完成")
    assert JointInspection.objects.filter(status=TaskStatus.COMPLETED).count() == 1
    # No script is refused by the CSP (htmx's own indicator style, on every page, is a known
    # base-template matter and not checked here).
    assert not [e for e in errors if "Content Security Policy" in e and "script" in e], errors
