"""The second factor in a real browser (Debian chromium): the audit administrator enrols a
TOTP device at first sign-in from the QR page, signs out and in again with a code; five
wrong codes lock the account."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.lifecycle import is_locked
from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.accounts.tests.otp import code_for, pass_second_step
from spotcheck.audit.models import AuditEvent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.real_otp]


def _password(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def test_the_auditor_enrols_at_first_sign_in_then_signs_in_with_a_code(
        page: Any, live_server: Any, make_user: Any, output_dir: Path) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    auditor = make_user(Role.AUDIT_ADMIN)
    base = live_server.url
    page.set_viewport_size({"width": 375, "height": 812})
    _password(page, base, auditor.username)
    page.wait_for_selector("h1:has-text('绑定动态验证码')")
    assert page.locator(".otp-qr svg").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= 375")
    page.screenshot(path=str(output_dir / "otp-enrol-375.png"), full_page=True)
    pass_second_step(page, auditor.username)  # reads the secret, types the code, keeps the codes
    page.wait_for_selector("h1:has-text('工作台')")
    assert TOTPDevice.objects.filter(user=auditor, confirmed=True).count() == 1
    page.click("button:has-text('退出')")
    page.wait_for_selector("h1:has-text('登录')")
    _password(page, base, auditor.username)
    page.wait_for_selector("h1:has-text('输入动态验证码')")
    page.fill("#id_code", code_for(TOTPDevice.objects.get(user=auditor)))
    page.click("form.form button[type=submit]")
    page.wait_for_selector("h1:has-text('工作台')")
    actions = list(AuditEvent.objects.filter(actor=auditor).values_list("action", flat=True))
    assert "auth.otp_enrol" in actions and "auth.otp_verify" in actions


def test_five_wrong_codes_in_the_browser_lock_the_account(page: Any, live_server: Any,
                                                          make_user: Any) -> None:
    from spotcheck.accounts.tests.otp import enrolled_device

    office = make_user(Role.OFFICE)
    enrolled_device(office)
    base = live_server.url
    _password(page, base, office.username)
    for _ in range(4):
        page.wait_for_selector("h1:has-text('输入动态验证码')")
        page.fill("#id_code", "000000")
        page.click("form.form button[type=submit]")
        page.wait_for_selector(".errors:has-text('验证码不正确')")
    page.fill("#id_code", "000000")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("h1:has-text('账户已锁定')")
    assert is_locked(office.username)
    _password(page, base, office.username)
    page.wait_for_selector("h1:has-text('账户已锁定')")
