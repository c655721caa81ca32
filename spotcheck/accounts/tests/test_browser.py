"""Go-live without a shell, in a real browser: the administrators printed by
``bootstrap_admins`` sign in, change their one-time password, and make an API token on their
own page, on a 375-px phone."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from spotcheck.accounts.models import ApiToken, User
from spotcheck.accounts.tests.otp import pass_second_step
from spotcheck.core.tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bootstrapped_administrator_changes_the_password_and_makes_a_token(
        page: Any, live_server: Any, departments: Any, output_dir: Path) -> None:
    out = io.StringIO()
    call_command("bootstrap_admins", stdout=out)
    role, username, password = out.getvalue().splitlines()[1].split("\t")
    assert role == "system_admin"
    page.set_viewport_size({"width": 375, "height": 812})
    sign_in(page, live_server.url, username, password)
    page.wait_for_selector("input[name=new_password1]")  # the forced change comes first
    page.fill("#id_old_password", password)
    page.fill("#id_new_password1", "Xitong-Guanli-2027")
    page.fill("#id_new_password2", "Xitong-Guanli-2027")
    page.click("main button[type=submit]")  # not the header's sign-out button
    pass_second_step(page, username)  # then the TOTP enrolment of an administrator
    page.wait_for_selector("h1:has-text('工作台')")
    assert not User.objects.get(username=username).must_change_password
    page.click("a:has-text('接口令牌')")
    page.wait_for_selector("h1:has-text('接口令牌')")
    page.fill("#id_name", "运维监控")
    page.click("button:has-text('创建令牌')")
    page.wait_for_selector("#new-token code")
    key = page.inner_text("#new-token code").strip()
    assert len(key) == 40 and ApiToken.objects.get().name == "运维监控"
    page.screenshot(path=str(output_dir / "accounts-api-tokens-375.png"), full_page=True)
    page.reload()
    assert key not in page.content()
