"""The publication cycle in a real browser (Debian chromium via Playwright), the portal on a
375-px phone without JavaScript: a confirmed result is published by its department, found on
the portal by USCC, objected to by the enterprise, the objection upheld, and the corrected
version shown with its history (R-R2, R-S4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
from spotcheck.core.tests.test_browser import switch_user
from spotcheck.inspections.tests import factories as fi
from spotcheck.publicity.models import PublishedResult
from spotcheck.publicity.tests.factories import ENV, PROBLEM, completed_task, signed_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



def test_published_found_objected_upheld_and_corrected_with_history(
        page: Any, browser: Any, live_server: Any, make_user: Any, on_day: Any, output_dir: Path) -> None:
    task = completed_task(on_day, entity=fi.entity(uscc=ENTERPRISE_USCC, name="上饶异议测试有限公司"),
                          results=[PROBLEM])
    planner = signed_in(make_user, Role.PLANNER, ENV)
    enterprise = signed_in(make_user, Role.ENTERPRISE)
    base = live_server.url

    # The department publishes the confirmed result from its queue.
    switch_user(page, base, planner.username)
    page.goto(f"{base}/publication/")
    page.check(f"input[name=task][value='{task.pk}']")
    page.click("button:has-text('公示所选结果')")
    page.wait_for_selector("text=已公示 1 项检查结果")
    first = PublishedResult.objects.get()

    # Anyone finds it on the portal by USCC, on a phone, without JavaScript.
    phone = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    visitor = phone.new_page()
    visitor.goto(f"{base}/")
    visitor.fill("input[name=q]", ENTERPRISE_USCC)
    visitor.click("button:has-text('查询')")
    visitor.wait_for_selector("#public-results")
    assert "违反其他部门相关规定" in visitor.inner_text("#public-results")
    visitor.screenshot(path=str(output_dir / "portal_result_phone.png"), full_page=True)

    # The enterprise objects from its account, with a file.
    switch_user(page, base, enterprise.username)
    page.goto(f"{base}/publication/objections/")
    page.click(f"a[href='/publication/results/{first.pk}/object/']")
    page.fill("textarea[name=reason]", "检查前企业已在公示系统补报年度报告，请复核。")
    attachment = output_dir / "objection_evidence.pdf"  # a PDF by its first bytes (R-S4 files)
    attachment.write_bytes(b"%PDF-1.4\n% receipt\n%%EOF\n")
    page.set_input_files("input[name=files]", str(attachment))
    page.click("button:has-text('提交异议')")
    page.wait_for_selector("text=异议已提交")

    # The department upholds it and corrects the result.
    switch_user(page, base, planner.username)
    page.click("a:has-text('上饶异议测试有限公司')")
    page.check("input[name=upheld][value='1']")
    page.select_option("select[name=result_code]", "E")
    page.select_option("select[name=follow_up]", "无需后续处置")
    page.fill("textarea[name=answer]", "经核实企业已补报，结果更正为已改正。")
    page.click("button:has-text('提交答复')")
    page.wait_for_selector("text=已答复异议")

    # The portal shows the corrected version with its history and reason.
    second = PublishedResult.objects.get(is_current=True)
    visitor.goto(f"{base}/public/results/?q={ENTERPRISE_USCC}")
    assert "发现问题经责令已改正" in visitor.inner_text("#public-results")
    visitor.click(f"a[href='/public/results/{second.pk}/']")
    history = visitor.inner_text("#result-history")
    assert "第 2 版" in history and "第 1 版" in history
    assert "异议成立：经核实企业已补报" in history and "违反其他部门相关规定" in history
    visitor.screenshot(path=str(output_dir / "portal_result_history_phone.png"), full_page=True)
    phone.close()
