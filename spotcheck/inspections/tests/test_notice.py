"""The one notice of a visit (R-P3): the page and the printable PDF with its number and a QR
code that opens the public check of its authenticity (decoded from the rendered page), the
team by name and certificate number only, the day proposed by the enterprise and set by the
lead department, and the lone notice a merge replaced saying why."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.inspections import notices, services
from spotcheck.inspections.models import EnterpriseNotice, JointInspection, TaskMember
from spotcheck.inspections.tests import factories as f

pytestmark = pytest.mark.usefixtures("spring")

ENV, SAMR, FIRE = "361100-ENV", "361100-SAMR", "361100-FIRE"


@pytest.fixture
def notice(office: Any) -> EnterpriseNotice:
    """Three departments visit the enterprise in June: one joint notice, ENV leads."""
    target = f.entity(uscc=ENTERPRISE_USCC, name="上饶通知样本有限公司")
    for owner, n in ((ENV, 2), (SAMR, 1), (FIRE, 1)):
        draw = f.executed_draw(owner, [target], team=f.inspectors(owner))
        services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(owner, n)))
    services.window_merge(division="361100", year=f.YEAR, window=6, acting_user=office)
    return EnterpriseNotice.objects.get(joint__entity=target)


def _pages(pdf: bytes, tmp_path: Path) -> list[Path]:
    source = tmp_path / "notice.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page*.png"))


def test_the_joint_notice_pdf_has_its_number_team_and_a_qr_code_of_its_check(
        client: Any, notice: EnterpriseNotice, tmp_path: Path) -> None:
    import zxingcpp
    from PIL import Image

    url = ("http://testserver" + reverse("inspections:notice_check")
           + f"?n={notice.number}&k={notice.verify_token}")
    pdf = notices.notice_pdf(notice, url)
    assert pdf.startswith(b"%PDF-")
    pages = _pages(pdf, tmp_path)
    assert pages
    out = Path(__file__).resolve().parents[3] / "test-output"
    out.mkdir(exist_ok=True)
    (out / "notice-joint-page1.png").write_bytes(pages[0].read_bytes())
    found = zxingcpp.read_barcodes(Image.open(pages[0]))
    assert [r.text for r in found] == [url]
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert notice.number in text and "联合检查通知书" in text
    for member in TaskMember.objects.filter(task__joint=notice.joint).select_related("inspector"):
        assert member.certificate_no in text and member.inspector is not None
        assert member.inspector.name in text
    assert "张三" not in text  # the legal representative is not on the notice
    # The decoded address opens the public check, which confirms the notice.
    decoded = urlsplit(found[0].text)
    page = client.get(f"{decoded.path}?{decoded.query}").content.decode()
    assert 'data-check="genuine"' in page and "上饶通知样本有限公司" in page
    # A forged number, a right number with a wrong token: not genuine.
    forged = client.get(reverse("inspections:notice_check"), {"n": "361100-2027-JC9999999", "k": "0" * 16})
    assert 'data-check="forged"' in forged.content.decode() and "可能是伪造的" in forged.content.decode()
    wrong = client.get(reverse("inspections:notice_check"), {"n": notice.number, "k": "0" * 16})
    assert 'data-check="forged"' in wrong.content.decode()


def test_the_enterprise_reads_only_its_own_notice_page_and_pdf(
        client: Any, notice: EnterpriseNotice, make_user: Any) -> None:
    f.login(client, make_user(Role.ENTERPRISE))
    page = client.get(reverse("inspections:notice_detail", args=[notice.pk])).content.decode()
    assert notice.number in page and "检查依据" in page and "请准备的材料" in page
    response = client.get(reverse("inspections:notice_pdf", args=[notice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    f.login(client, make_user(Role.ENTERPRISE, enterprise_uscc="91361100MA35OTHER8"))
    assert client.get(reverse("inspections:notice_detail", args=[notice.pk])).status_code == 403
    assert client.get(reverse("inspections:notice_pdf", args=[notice.pk])).status_code == 403


def test_the_enterprise_proposes_a_day_and_the_lead_department_decides(
        notice: EnterpriseNotice, make_user: Any) -> None:
    enterprise = make_user(Role.ENTERPRISE)
    with pytest.raises(ServiceError, match="应在检查窗口"):
        notices.notice_propose_day(acting_user=enterprise, notice=notice, day=date(2027, 7, 1))
    notices.notice_propose_day(acting_user=enterprise, notice=notice, day=date(2027, 6, 15))
    with pytest.raises(Refused, match="只有牵头部门"):
        notices.notice_set_day(acting_user=make_user(Role.PLANNER, SAMR), notice=notice,
                               day=date(2027, 6, 15))
    lead = make_user(Role.PLANNER, ENV)
    with pytest.raises(ServiceError, match="未采用企业建议的 2027-06-15，请说明理由"):
        notices.notice_set_day(acting_user=lead, notice=notice, day=date(2027, 6, 16))
    notices.notice_set_day(acting_user=lead, notice=notice, day=date(2027, 6, 16), note="15 日检查组另有任务",
                           contact="0793-0000000")
    notice.refresh_from_db()
    assert notice.visit_day == date(2027, 6, 16) and notice.proposed_day == date(2027, 6, 15)
    other = make_user(Role.ENTERPRISE, enterprise_uscc="91361100MA35OTHER8")
    with pytest.raises(Refused):
        notices.notice_propose_day(acting_user=other, notice=notice, day=date(2027, 6, 20))


def test_a_lone_notice_replaced_by_a_merge_says_why(client: Any, office: Any, make_user: Any) -> None:
    target = f.entity(uscc=ENTERPRISE_USCC)
    draw = f.executed_draw(ENV, [target])
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(ENV, 1)))
    services.window_merge(division="361100", year=f.YEAR, window=6, acting_user=office)
    lone = EnterpriseNotice.objects.get(task__entity=target)
    draw = f.executed_draw(SAMR, [target])
    services.tasks_from_draw(draw=draw, plan=f.plan(draw, f.items(SAMR, 1)))
    services.window_merge(division="361100", year=f.YEAR, window=6, acting_user=office)
    lone.refresh_from_db()
    joint_notice = EnterpriseNotice.objects.get(joint=JointInspection.objects.get(entity=target))
    assert not lone.is_current and lone.replaced_by == joint_notice
    assert "合并为一次联合检查" in lone.replaced_reason and "市市场监管局" in lone.replaced_reason
    f.login(client, make_user(Role.ENTERPRISE))
    page = client.get(reverse("inspections:notices"), {"year": f.YEAR}).content.decode()
    assert "已被替代的通知" in page and "合并为一次联合检查" in page
    detail = client.get(reverse("inspections:notice_detail", args=[lone.pk])).content.decode()
    assert "本通知已失效" in detail
