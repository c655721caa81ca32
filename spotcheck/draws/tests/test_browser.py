"""A draw in a real browser (Debian chromium via Playwright): the office prepares and announces
it, the two parties reveal, it is executed and published; a visitor who is not signed in opens
the public page, downloads the bundle and the verifier, and the verifier checks all but the
teams (conflicts.csv is not public)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.test_browser import switch_user
from spotcheck.draws.models import Draw
from spotcheck.draws.tests.factories import approved_plan, b_spec, make_entities
from verifier import verify_draw as vd

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
JUSTICE_SECRET = "justice-typed-secret-2027-xyz"



def test_a_draw_from_preparation_to_a_citizens_verification(page: Any, live_server: Any, make_user: Any,
                                                            browser: Any, tmp_path: Path, output_dir: Path,
                                                            settings: Any) -> None:
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")
    make_entities(12, division="361102")
    make_entities(8, division="361103")
    office, justice = make_user(Role.OFFICE), make_user(Role.JUSTICE)
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(f"{page.url} {m.text}") if m.type == "error" else None)

    # The office prepares the draw and commits to a secret the platform generates.
    switch_user(page, base, office.username)
    ten_percent = {"kind": "rates", "rounding": "ceil", "rates_bp": {}, "default_bp": 1000}
    plan = approved_plan(b_spec(quota=ten_percent), dept="361100-SAMR")  # the office's own department
    page.goto(f"{base}/draws/prepare/")
    page.select_option("#id_plan", str(plan.pk))  # R-P3: the draw of an approved plan
    page.fill("#id_title", "浏览器测试抽取")
    page.click("button:has-text('准备抽取')")
    page.wait_for_selector("h1:has-text('浏览器测试抽取')")
    draw = Draw.objects.get()
    page.click("a:has-text('提交承诺值')")
    page.click("button:has-text('提交承诺值')")
    office_secret = page.inner_text("#generated-secret").strip()
    assert len(office_secret) == 32

    # The justice bureau commits to a secret it types.
    switch_user(page, base, justice.username)
    page.goto(f"{base}/draws/{draw.pk}/commit/")
    page.fill("#id_secret", JUSTICE_SECRET)
    page.click("button:has-text('提交承诺值')")
    page.wait_for_selector("text=承诺值已提交")

    # The office announces; then each party reveals its own secret.
    switch_user(page, base, office.username)
    page.goto(f"{base}/draws/{draw.pk}/")
    page.click("#announce")
    page.wait_for_selector("#draw-status:has-text('已公告')")
    page.fill("form[data-reveal=office] input[name=secret]", office_secret)
    page.click("form[data-reveal=office] button")
    page.wait_for_selector("text=秘密值已揭示")
    switch_user(page, base, justice.username)
    page.goto(f"{base}/draws/{draw.pk}/")
    page.fill("form[data-reveal=justice] input[name=secret]", JUSTICE_SECRET)
    page.click("form[data-reveal=justice] button")
    page.wait_for_selector("#draw-status:has-text('已揭示')")

    # The office executes and publishes.
    switch_user(page, base, office.username)
    page.goto(f"{base}/draws/{draw.pk}/")
    page.click("#execute")
    page.wait_for_selector("#selection")
    page.click("#publish")
    page.wait_for_selector("#draw-status:has-text('已公示')")
    page.set_viewport_size({"width": 375, "height": 812})
    page.screenshot(path=str(output_dir / "draw-detail-375.png"), full_page=True)

    # A visitor who is not signed in checks the draw.
    visitor = browser.new_context(accept_downloads=True, viewport={"width": 375, "height": 812})
    public = visitor.new_page()
    public.goto(f"{base}/public/draws/")
    public.click(f"a:has-text('{draw.code}')")
    public.wait_for_selector("#public-selection")
    assert public.locator("#public-selection tbody tr").count() == 3  # ceil(10 % of 12) + ceil(10 % of 8)
    public.screenshot(path=str(output_dir / "public-draw-375.png"), full_page=True)
    with public.expect_download() as bundle_info:
        public.click("#public-bundle")
    with public.expect_download() as verifier_info:
        public.click("#public-verifier")
    bundle_zip, script = tmp_path / "bundle.zip", tmp_path / verifier_info.value.suggested_filename
    bundle_info.value.save_as(bundle_zip)
    verifier_info.value.save_as(script)
    with zipfile.ZipFile(bundle_zip) as zf:
        zf.extractall(tmp_path / "unpacked")
    visitor.close()
    run = subprocess.run([sys.executable, str(script), str(tmp_path / "unpacked" / draw.code)],
                         capture_output=True, text=True, check=False)
    # A plan's draw has a team (R-I2): the public bundle leaves out conflicts.csv, the rest verifies.
    assert run.returncode == vd.EXIT_PARTIAL and run.stdout.startswith("PARTIAL "), run.stdout + run.stderr
    # No script is blocked by the site's CSP on the way (htmx's own indicator style is, site-wide).
    assert not [e for e in errors if "Content Security Policy" in e and "script" in e], errors
