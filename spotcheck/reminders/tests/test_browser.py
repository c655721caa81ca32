"""In a real browser at phone width: the bell in the header counts the unread reminders, the
list fits a 375-px screen, and marking one as read lowers the count."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.accounts.tests.otp import pass_second_step
from spotcheck.core import clock
from spotcheck.reminders.models import Notification

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_notification_list_on_a_phone(page: Any, live_server: Any, make_user: Any,
                                          output_dir: Any) -> None:
    planner = make_user(Role.PLANNER, "361100-ENV")
    titles = ["【已逾期】市生态环境局录入 2027 年度抽查计划（期限 2027-03-31）",
              "【今日到期】市生态环境局有 12 项检查任务须在 06月30日前完成（期限 2027-06-30）",
              "【即将到期】市生态环境局有 3 项检查结果须在 07月28日前公示（期限 2027-07-28）"]
    for i, (title, stage) in enumerate(zip(titles, ["overdue", "due", "upcoming"], strict=True)):
        Notification.objects.create(user=planner, key=f"k{i}", kind="plan", stage=stage, title=title,
                                    url="/planning/", due=date(2027, 3, 31), day=date(2027, 4, 1),
                                    created_at=clock.now())
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", planner.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    pass_second_step(page, planner.username)
    page.wait_for_selector("h1:has-text('工作台')")
    assert page.locator(".bell-count").inner_text() == "3"
    page.click("a.bell")
    page.wait_for_selector("h1:has-text('到期提醒')")
    assert page.locator(".notices li.unread").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= 375")
    page.screenshot(path=str(output_dir / "reminders-list-375.png"), full_page=True)
    page.locator(".notices li").first.locator("button:has-text('标为已读')").click()
    page.wait_for_selector(".notices li.unread >> nth=1")
    assert page.locator(".bell-count").inner_text() == "2"
    assert page.locator(".notices li.unread").count() == 2
