"""In a real browser (Debian chromium via Playwright): sign-in, navigation by role, lockout,
and the home page at desktop and phone widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.accounts.tests.otp import pass_second_step

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What each role must see in its navigation, and must not.
NAV = {
    Role.AUDIT_ADMIN: ({"工作台", "审计日志"}, {"账户管理"}),
    Role.SYSTEM_ADMIN: ({"工作台", "账户管理"}, {"审计日志"}),
    Role.SECURITY_ADMIN: ({"工作台", "账户管理"}, {"审计日志"}),
    Role.DEPT_ADMIN: ({"工作台", "账户管理"}, {"审计日志"}),
    Role.OFFICE: ({"工作台"}, {"审计日志", "账户管理"}),
    Role.JUSTICE: ({"工作台"}, {"审计日志", "账户管理"}),
    Role.PLANNER: ({"工作台"}, {"审计日志", "账户管理"}),
    Role.INSPECTOR: ({"工作台"}, {"审计日志", "账户管理"}),
    Role.ENTERPRISE: ({"工作台", "检查通知"}, {"审计日志", "账户管理", "接口文档", "检查对象名录库"}),
}


def sign_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    pass_second_step(page, username)


def switch_user(page: Any, base: str, username: str) -> None:
    """Sign in as someone else on the same browser. A request the page still has in flight
    (the figures a plan page fetches after it is shown) is let finish first: its reply would
    otherwise bring back the session cookie of the one who made it."""
    page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    sign_in(page, base, username)
    page.wait_for_selector("h1:has-text('工作台')")


@pytest.mark.parametrize("role", list(NAV))
def test_each_role_signs_in_and_sees_its_navigation(role: Role, page: Any, live_server: Any,
                                                    make_user: Any) -> None:
    user = make_user(role)
    sign_in(page, live_server.url, user.username)
    page.wait_for_selector("h1:has-text('工作台')")
    labels = set(page.locator("nav.nav a").all_inner_texts())
    must, must_not = NAV[role]
    assert must <= labels, f"{role}: {labels}"
    assert not (must_not & labels), f"{role}: {labels}"
    assert role.label in page.inner_text(".who")


def test_five_bad_passwords_lock_the_account(page: Any, live_server: Any, make_user: Any) -> None:
    user = make_user(Role.INSPECTOR)
    for _ in range(4):
        sign_in(page, live_server.url, user.username, "Wrong-pass-123")
        assert "用户名或密码错误" in page.wait_for_selector(".errors").inner_text()
    sign_in(page, live_server.url, user.username, "Wrong-pass-123")  # the fifth locks at once
    assert page.wait_for_selector("h1:has-text('账户已锁定')").is_visible()
    sign_in(page, live_server.url, user.username)  # now even the right password is refused
    assert page.wait_for_selector("h1:has-text('账户已锁定')").is_visible()


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (375, 812)])
def test_home_page_screenshots(width: int, height: int, page: Any, live_server: Any,
                               make_user: Any, output_dir: Path) -> None:
    user = make_user(Role.SECURITY_ADMIN)
    make_user("")  # an account waiting for a role: a due item
    page.set_viewport_size({"width": width, "height": height})
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    sign_in(page, live_server.url, user.username)
    page.wait_for_selector("h1:has-text('工作台')")
    assert page.locator("[data-section='待授权的账户'] li").count() >= 1
    # Nothing wider than the screen: readable on a phone without sideways scrolling.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert refused == [], "the page breaks its own CSP (nothing inline, nothing from elsewhere)"
    path = output_dir / f"home-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5000


def test_a_visitor_on_a_phone_finds_the_public_portal_and_sign_in(page: Any, live_server: Any,
                                                                   output_dir: Path) -> None:
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(live_server.url + "/")
    page.wait_for_selector("h1")
    assert "信息公示" in page.inner_text("main")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    page.screenshot(path=str(output_dir / "welcome-375.png"), full_page=True)
    # The front door is the portal itself: the regime explained in plain words (R-S5).
    assert page.inner_text("h1") == "双随机、一公开 信息公示"
    assert "企业安静期" in page.inner_text("#quiet") and "verify_draw.py" in page.inner_text("#verify")
    page.click("header a:has-text('登录')")
    page.wait_for_selector("#id_username")
