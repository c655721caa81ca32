"""The inspection day in a real browser on a 375-px phone (Debian chromium via Playwright):
two inspectors do a joint inspection of three departments' items; one goes offline halfway,
saves and adds a photo, while the other saves online; back online, the page shows both
versions and the inspector keeps theirs; both sign, the enterprise's representative signs;
a finding becomes a violation transferred to another department, which acknowledges it;
the lead department confirms; the file's PDF is rendered, its pages looked at as images, and
its manifest verifies."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import PASSWORD
from spotcheck.core.tests.test_browser import sign_in
from spotcheck.inspections import archive, services
from spotcheck.inspections.models import (
    Evidence,
    FormSignature,
    JointInspection,
    ReviewStatus,
    SignatureMethod,
    TaskItem,
    TaskStatus,
    Violation,
    ViolationStatus,
)
from spotcheck.inspections.tests import factories as f
from spotcheck.roster.models import Inspector

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ENV, SAMR, FIRE = "361100-ENV", "361100-SAMR", "361100-FIRE"
PHONE = {"width": 375, "height": 812}


def _phone(browser: Any, base: str, username: str) -> Any:
    from spotcheck.accounts.models import User
    from spotcheck.core import clock

    User.objects.filter(username=username).update(password_changed_at=clock.now())  # on the moved clock
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    sign_in(page, base, username)
    page.wait_for_selector("h1:has-text('工作台')")
    return page


def _goto(page: Any, url: str) -> None:
    """Open ``url``; a navigation cut short by the page's own reload (the offline script
    reloads once what it kept was sent) is tried again."""
    from playwright.sync_api import Error as PlaywrightError

    for attempt in range(3):
        try:
            page.goto(url)
            return
        except PlaywrightError as exc:
            if "ERR_ABORTED" not in str(exc) or attempt == 2:
                raise
            page.wait_for_load_state()


def _draw(page: Any, selector: str) -> None:
    """A signature drawn with the pointer: a few strokes across the pad."""
    pad = page.locator(selector)
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    assert box is not None and box["width"] <= 375
    page.mouse.move(box["x"] + 15, box["y"] + box["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(box["x"] + 15 + step * box["width"] / 14,
                        box["y"] + box["height"] * (0.3 if step % 2 else 0.7), steps=3)
    page.mouse.up()


def test_a_joint_inspection_day_offline_and_back_to_the_file(
        browser: Any, live_server: Any, make_user: Any, office: Any, on_day: Any, settings: Any,
        tmp_path: Path, output_dir: Path) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}
    on_day(date(2027, 6, 10))  # in the June window; accounts made on this day
    first, second = make_user(Role.INSPECTOR, ENV), make_user(Role.INSPECTOR, ENV)
    target = f.entity(name="上饶一日检查样本有限公司")
    env_team = f.inspectors(ENV, 2, user=first)
    Inspector.objects.filter(pk=env_team[1].pk).update(user=second)
    for owner, n, team in ((ENV, 2, env_team), (SAMR, 1, f.inspectors(SAMR)), (FIRE, 1, f.inspectors(FIRE))):
        draw = f.executed_draw(owner, [target], team=team)
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(owner, n)))
    services.window_merge(division="361100", year=f.YEAR, window=6, acting_user=office)
    joint = JointInspection.objects.get(entity=target)
    rows = {r.item.department.code: r for r in TaskItem.objects.filter(task__joint=joint)
            .select_related("item__department").order_by("-id")}  # one per department (the first ENV)
    env_row = TaskItem.objects.filter(task__joint=joint, item__department__code=ENV).order_by("id").first()
    assert env_row is not None
    base = live_server.url
    form_url = f"{base}/inspections/joint/{joint.pk}/form/"

    a = _phone(browser, base, first.username)
    a.goto(form_url)
    assert a.evaluate("document.documentElement.scrollWidth") <= 375
    a.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== undefined")
    a.select_option(f"#r-{env_row.pk}-result_code", "1")
    a.select_option(f"#r-{env_row.pk}-method", "实地检查")
    a.click("button[name=action][value=save]")
    a.wait_for_selector("text=已保存 1 项检查结果")

    # Halfway, the first inspector loses the connection: the save and a photo stay on the phone.
    a.context.set_offline(True)
    samr = rows[SAMR]
    a.select_option(f"#r-{samr.pk}-result_code", "5")
    a.select_option(f"#r-{samr.pk}-method", "实地检查")
    a.select_option(f"#r-{samr.pk}-follow_up", "抄告相关部门")
    a.fill(f"#r-{samr.pk}-note", "无证经营，涉及市场监管")
    a.click("button[name=action][value=save]")
    a.wait_for_selector("#offline-status:has-text('已保存在本机')")
    photo = io.BytesIO()
    Image.new("RGB", (120, 90), (210, 20, 20)).save(photo, "JPEG")
    a.set_input_files(f"#ev-{samr.pk}-file", files=[{"name": "现场.jpg", "mimeType": "image/jpeg",
                                                      "buffer": photo.getvalue()}])
    a.click(f"button[form=ev-{samr.pk}]")
    a.wait_for_selector("#offline-status:has-text('照片')")
    a.screenshot(path=str(output_dir / "inspections-offline-375.png"), full_page=True)
    assert not Evidence.objects.exists() and TaskItem.objects.get(pk=samr.pk).result_code == ""

    # Meanwhile the second inspector saves the same item online.
    b = _phone(browser, base, second.username)
    b.goto(form_url)
    b.select_option(f"#r-{samr.pk}-result_code", "1")
    b.select_option(f"#r-{samr.pk}-method", "书面检查")
    b.click("button[name=action][value=save]")
    b.wait_for_selector("text=已保存")

    # Back online: the conflict is shown with both versions; the first keeps theirs.
    a.context.set_offline(False)
    a.wait_for_selector("#offline-conflict:not([hidden])")
    conflict = a.inner_text("#offline-conflict")
    assert "无证经营" in conflict and "书面检查" in conflict
    a.click("[data-keep=mine]")
    a.wait_for_function(f"!document.querySelector('#r-{samr.pk}-note') || "
                        f"document.querySelector('#r-{samr.pk}-note').value.includes('无证经营')")
    a.wait_for_selector("#offline-status:has-text('离线时保存的内容已发送')")
    samr.refresh_from_db()
    assert samr.result_code == "5" and samr.method == "实地检查"
    assert Evidence.objects.filter(task_item=samr).count() == 1
    a.wait_for_load_state()

    # The rest of the items, completed; the first signs from their account, the second by hand
    # on the first one's phone after their own password; the representative signs on the screen.
    _goto(a, form_url)
    for row in TaskItem.objects.filter(task__joint=joint, result_code=""):
        a.select_option(f"#r-{row.pk}-result_code", "1")
        a.select_option(f"#r-{row.pk}-method", "实地检查")
    a.click("button[name=action][value=complete]")
    a.wait_for_selector("text=检查已完成")
    a.goto(form_url)
    a.click("button:has-text('本人签字确认检查表')")
    a.wait_for_selector("text=已签字确认检查表")
    a.select_option("#sign-cert", env_team[1].certificate_no)
    a.fill("#sign-password", PASSWORD)
    _draw(a, "form[data-signature-form]:not([data-signature-optional]) canvas")
    a.click("button:has-text('确认签名')")
    a.wait_for_selector("text=的手写签名")
    a.fill("#representative", "王五")
    a.click("button:has-text('记录企业代表签字')")  # an empty pad is refused on the phone
    a.wait_for_selector("[data-signature-optional] [data-signature-error]:not([hidden])")
    _draw(a, "form[data-signature-optional] canvas")
    a.screenshot(path=str(output_dir / "inspections-sign-375.png"), full_page=True)
    a.click("button:has-text('记录企业代表签字')")
    a.wait_for_selector("text=签字齐全")
    signed = {s.method for s in FormSignature.objects.filter(joint=joint, is_valid=True)}
    assert signed == {SignatureMethod.ACCOUNT, SignatureMethod.ON_SCREEN}

    # The finding becomes a violation; ENV transfers it to SAMR, which acknowledges it.
    a.click("details.violation-new summary")
    a.fill(f"#v-{samr.pk}-description", "无证经营")
    a.select_option(f"#v-{samr.pk}-severity", "general")
    a.click(f"button[form=v-{samr.pk}]")
    a.wait_for_selector("h1:has-text('违法行为')")
    violation = Violation.objects.get()
    assert violation.department.code == SAMR  # found on SAMR's item
    handler = _phone(browser, base, make_user(Role.PLANNER, SAMR).username)
    handler.goto(f"{base}/inspections/violations/{violation.pk}/")
    handler.select_option("#to", ENV)
    handler.fill("#reason", "属生态环境部门职责")
    handler.click("button[value=transfer]")
    handler.wait_for_selector("[data-violation-status=transferred]")
    lead = _phone(browser, base, make_user(Role.PLANNER, ENV).username)
    lead.click("text=接收移送")
    lead.click("button:has-text('确认接收移送')")
    lead.wait_for_selector("[data-violation-status=acknowledged]")
    assert Violation.objects.get().status == ViolationStatus.ACKNOWLEDGED

    # The lead department confirms; the results are ready for publication.
    lead.goto(f"{base}/inspections/reviews/")
    lead.screenshot(path=str(output_dir / "inspections-reviews-375.png"), full_page=True)
    lead.click(f"text={target.name}")
    lead.check("input[name=decision][value=confirm]")
    lead.click("button:has-text('提交审核意见')")
    lead.wait_for_selector("[data-review-status=confirmed]")
    joint.refresh_from_db()
    assert joint.status == TaskStatus.COMPLETED and joint.review_status == ReviewStatus.CONFIRMED

    # The file: its PDF pages as images, its manifest verified.
    built = archive.build(joint)
    assert archive.verify(built.manifest, built.parts) == []
    assert len([n for n in built.parts if n.startswith("signatures/")]) == 2  # the drawn ones
    source = tmp_path / "archive.pdf"
    source.write_bytes(archive.pdf_bytes(built))
    subprocess.run(["pdftoppm", "-r", "50", "-png", str(source), str(tmp_path / "p")], check=True)
    pages = sorted(tmp_path.glob("p*.png"))
    assert len(pages) >= 2
    for page_image in pages:
        darkest: Any = Image.open(page_image).convert("L").getextrema()[0]
        assert darkest < 100
