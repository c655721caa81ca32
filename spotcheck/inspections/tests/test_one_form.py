"""The one form of a visit (一张表): per-department result codes, date and place within the
window (R-Q1), evidence kept under MEDIA_ROOT by kind from its first bytes and SM3 digest,
signatures of both inspectors and of the enterprise (or its refusal); bad input refused in
Chinese with nothing half-written."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core import clock
from spotcheck.core.crypto import sm3_hex
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.inspections import form_services, services, visits
from spotcheck.inspections.domain.results import Entry
from spotcheck.inspections.models import (
    Evidence,
    FormSignature,
    JointInspection,
    ReviewStatus,
    TaskItem,
)
from spotcheck.inspections.tests import factories as f

pytestmark = pytest.mark.usefixtures("spring")

ENV, SAMR = "361100-ENV", "361100-SAMR"
OK = Entry(result_code="1", method="实地检查")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 40
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + bytes(4000)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def team(make_user: Any) -> tuple[Any, Any]:
    """Two ENV inspectors with accounts."""
    return make_user(Role.INSPECTOR, ENV), make_user(Role.INSPECTOR, ENV)


@pytest.fixture
def joint(office: Any, team: tuple[Any, Any]) -> JointInspection:
    return f.joint_of_two(office, team, name="上饶一张表样本有限公司")


def _rows(joint: JointInspection) -> dict[str, list[TaskItem]]:
    rows: dict[str, list[TaskItem]] = {}
    for row in TaskItem.objects.filter(task__joint=joint).select_related("item__department").order_by("id"):
        rows.setdefault(row.item.department.code, []).append(row)
    return rows


def _complete(user: Any, joint: JointInspection) -> None:
    entries = {row.pk: OK for row in TaskItem.objects.filter(task__joint=joint)}
    services.visit_record(acting_user=user, visit=JointInspection.objects.get(pk=joint.pk), entries=entries,
                          complete=True, place="经营场所")


def sign_all(team: tuple[Any, Any], joint: JointInspection, *, refused: bool = False) -> None:
    for user in team:
        form_services.visit_sign(acting_user=user, visit=joint)
    form_services.visit_enterprise_sign(acting_user=team[0], visit=joint, representative="王五",
                                        refused=refused, note="拒绝签字，称需请示总部" if refused else "")


# --- result codes fit the item's department ------------------------------------------------


def test_market_supervision_codes_are_refused_for_another_department_s_item(
        team: Any, joint: JointInspection, on_day: Any) -> None:
    on_day(date(2027, 6, 10))
    rows = _rows(joint)
    env_row, samr_row = rows[ENV][0], rows[SAMR][0]
    samr_code = Entry(result_code="B", method="实地检查", follow_up="责令改正、日常监管跟踪")
    with pytest.raises(ServiceError, match="不适用于市生态环境局的事项") as exc:
        services.visit_record(acting_user=team[0], visit=joint, entries={env_row.pk: samr_code})
    assert f"item-{env_row.pk}-result_code" in exc.value.fields
    assert services.visit_record(acting_user=team[0], visit=joint, entries={
        samr_row.pk: samr_code, env_row.pk: Entry(result_code="5", method="实地检查",
                                                  follow_up="责令改正、日常监管跟踪")}) == 2


def test_one_entry_given_to_two_departments_items_is_checked_against_each_list(
        team: Any, joint: JointInspection, on_day: Any) -> None:
    """The same entry on a form is checked once per department's list, not once for the form:
    refused on the item whose list does not allow it, and only there; nothing written."""
    on_day(date(2027, 6, 10))
    rows = _rows(joint)
    env_row, samr_row = rows[ENV][0], rows[SAMR][0]
    samr_code = Entry(result_code="B", method="实地检查", follow_up="责令改正、日常监管跟踪")
    for first, then in ((samr_row, env_row), (env_row, samr_row)):  # either list checked first
        entries = {first.pk: samr_code, then.pk: samr_code}
        with pytest.raises(ServiceError, match="不适用于市生态环境局的事项") as exc:
            services.visit_record(acting_user=team[0], visit=joint, entries=entries)
        assert f"item-{env_row.pk}-result_code" in exc.value.fields
        assert not any(name.startswith(f"item-{samr_row.pk}") for name in exc.value.fields)
    assert not TaskItem.objects.filter(pk__in=[env_row.pk, samr_row.pk]).exclude(result_code="").exists()


def test_the_form_page_offers_each_department_its_own_codes(client: Any, team: Any, joint: JointInspection,
                                                            on_day: Any) -> None:
    on_day(date(2027, 6, 10))
    type(team[0]).objects.filter(pk=team[0].pk).update(password_changed_at=clock.now())
    client.force_login(team[0])
    page = client.get(reverse("inspections:joint_form", args=[joint.pk])).content.decode()
    env_select = page.split(f'name="r-{_rows(joint)[ENV][0].pk}-result_code"')[1].split("</select>")[0]
    samr_select = page.split(f'name="r-{_rows(joint)[SAMR][0].pk}-result_code"')[1].split("</select>")[0]
    assert 'value="B"' not in env_select and 'value="5"' in env_select
    assert 'value="B"' in samr_select


def test_a_result_for_an_item_not_in_the_visit_is_refused_and_nothing_written(
        team: Any, joint: JointInspection, on_day: Any) -> None:
    on_day(date(2027, 6, 10))
    other = f.executed_draw(ENV, [f.entity()])
    services.tasks_from_draw(draw=other, plan=f.plan(other, f.items(ENV, 1)))
    foreign = TaskItem.objects.get(task__draw=other)
    mine = _rows(joint)[ENV][0]
    with pytest.raises(ServiceError, match="不属于本次检查"):
        services.visit_record(acting_user=team[0], visit=joint, entries={mine.pk: OK, foreign.pk: OK})
    assert not TaskItem.objects.exclude(result_code="").exists()


def test_a_visit_date_outside_the_window_is_refused(team: Any, joint: JointInspection, on_day: Any) -> None:
    on_day(date(2027, 6, 10))
    row = _rows(joint)[ENV][0]
    for day in (date(2027, 5, 31), date(2027, 6, 11)):  # before the window; after today
        with pytest.raises(ServiceError, match="不在检查窗口"):
            services.visit_record(acting_user=team[0], visit=joint, entries={row.pk: OK}, visited_on=day)
    assert not TaskItem.objects.exclude(result_code="").exists()
    services.visit_record(acting_user=team[0], visit=joint, entries={row.pk: OK}, visited_on=date(2027, 6, 9),
                          place="上饶市信州区某路 1 号")
    joint.refresh_from_db()
    assert joint.visited_on == date(2027, 6, 9) and joint.place == "上饶市信州区某路 1 号"


# --- evidence --------------------------------------------------------------------------------


def test_a_photo_is_kept_under_media_root_with_its_sm3(team: Any, joint: JointInspection, on_day: Any,
                                                        media: Path) -> None:
    on_day(date(2027, 6, 10))
    row = _rows(joint)[ENV][0]
    evidence = form_services.evidence_add(acting_user=team[0], row=row, visit=joint, name="现场.jpg",
                                          data=JPEG, size=len(JPEG))
    assert evidence.content_type == "image/jpeg" and evidence.sm3 == sm3_hex(JPEG)
    stored = media / evidence.path
    assert stored.read_bytes() == JPEG and evidence.path.endswith(f"{evidence.sm3}.jpg")
    assert AuditEvent.objects.filter(action="inspections.evidence_add", outcome="success").exists()
    with pytest.raises(Conflict, match="已上传过同一文件"):
        form_services.evidence_add(acting_user=team[0], row=row, visit=joint, name="again.jpg",
                                   data=JPEG, size=len(JPEG))
    # Tampering with the stored file is found on reading it.
    stored.write_bytes(JPEG + b"x")
    with pytest.raises(ServiceError, match="篡改"):
        form_services.evidence_bytes(evidence)


def test_a_50_mb_photo_and_an_executable_named_jpg_are_refused_in_chinese(
        client: Any, team: Any, joint: JointInspection, on_day: Any, media: Path) -> None:
    on_day(date(2027, 6, 10))
    type(team[0]).objects.filter(pk=team[0].pk).update(password_changed_at=clock.now())
    client.force_login(team[0])
    row = _rows(joint)[ENV][0]
    url = reverse("inspections:evidence_upload", args=["joint", joint.pk])
    big = SimpleUploadedFile("大照片.jpg", JPEG[:12] + bytes(50 * 1024 * 1024), content_type="image/jpeg")
    response = client.post(url, {"item": row.pk, "file": big}, HTTP_ACCEPT="application/json")
    assert response.status_code == 413 and "超过上限 20 MB" in response.json()["detail"]
    exe = SimpleUploadedFile("photo.jpg", EXE, content_type="image/jpeg")
    response = client.post(url, {"item": row.pk, "file": exe}, HTTP_ACCEPT="application/json")
    assert response.status_code == 400
    assert "内容不是JPEG、PNG、WebP 照片或 PDF 文件" in response.json()["detail"]
    assert not Evidence.objects.exists()
    assert not (media / "evidence").exists() or not any((media / "evidence").rglob("*.*"))
    assert AuditEvent.objects.filter(action="inspections.evidence_add", outcome="failure").count() == 2
    # The page form (without JavaScript) shows the message after the redirect.
    response = client.post(url, {"item": row.pk, "file": SimpleUploadedFile("a.jpg", EXE)}, follow=True)
    assert "不能作为证据上传" in response.content.decode()


def test_evidence_is_uploaded_only_by_the_team_and_read_only_by_who_sees_the_visit(
        client: Any, team: Any, joint: JointInspection, on_day: Any, make_user: Any) -> None:
    on_day(date(2027, 6, 10))
    row = _rows(joint)[ENV][0]
    outsider = make_user(Role.INSPECTOR, ENV)
    with pytest.raises(Refused, match="只有检查组成员"):
        form_services.evidence_add(acting_user=outsider, row=row, name="x.jpg", data=JPEG, size=len(JPEG))
    evidence = form_services.evidence_add(acting_user=team[1], row=row, name="x.jpg", data=JPEG,
                                          size=len(JPEG))
    url = reverse("inspections:evidence_file", args=[evidence.pk])
    for user, status in ((outsider, 403), (make_user(Role.PLANNER, "361100-FIRE"), 403),
                         (make_user(Role.PLANNER, SAMR), 200), (team[0], 200)):
        type(user).objects.filter(pk=user.pk).update(password_changed_at=clock.now())
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status
        if status == 200:
            assert response.content == JPEG and response["Content-Type"] == "image/jpeg"


# --- signatures ------------------------------------------------------------------------------


def test_both_inspectors_and_the_enterprise_sign_before_the_lead_confirms(
        team: Any, joint: JointInspection, on_day: Any, make_user: Any) -> None:
    on_day(date(2027, 6, 10))
    lead = make_user(Role.DEPT_ADMIN, ENV)
    with pytest.raises(Conflict, match="检查完成后"):
        form_services.visit_sign(acting_user=team[0], visit=joint)
    _complete(team[0], joint)
    form_services.visit_sign(acting_user=team[0], visit=joint)
    with pytest.raises(Conflict, match="已在该检查表上签字"):
        form_services.visit_sign(acting_user=team[0], visit=joint)
    with pytest.raises(Refused, match="您不在该检查的检查组中"):
        form_services.visit_sign(acting_user=make_user(Role.INSPECTOR, ENV), visit=joint)
    with pytest.raises(ServiceError, match="检查表尚缺检查人员签字 1/2、企业代表签字或拒签记录"):
        services.visit_review(acting_user=lead, visit=joint, confirm=True)
    form_services.visit_sign(acting_user=team[1], visit=joint)
    with pytest.raises(ServiceError, match="须记录拒签情况"):
        form_services.visit_enterprise_sign(acting_user=team[0], visit=joint, representative="王五",
                                            refused=True)
    form_services.visit_enterprise_sign(acting_user=team[0], visit=joint, representative="王五",
                                        refused=True, note="拒绝签字，称需请示总部")
    state = visits.signature_state(joint)
    assert state.problem is None and state.enterprise is not None and state.enterprise.method == "refused"
    services.visit_review(acting_user=lead, visit=joint, confirm=True)
    assert JointInspection.objects.get(pk=joint.pk).review_status == ReviewStatus.CONFIRMED


def test_a_return_voids_the_signatures_and_the_corrected_form_is_signed_again(
        team: Any, joint: JointInspection, on_day: Any, make_user: Any) -> None:
    on_day(date(2027, 6, 10))
    lead = make_user(Role.DEPT_ADMIN, ENV)
    _complete(team[0], joint)
    sign_all(team, joint)
    services.visit_review(acting_user=lead, visit=joint, confirm=False, reason="地点有误")
    assert not FormSignature.objects.filter(joint=joint, is_valid=True).exists()
    services.visit_record(acting_user=team[0], visit=JointInspection.objects.get(pk=joint.pk), entries={},
                          complete=True, place="上饶市广丰区某路 2 号")
    assert visits.signature_state(joint).problem is not None
    sign_all(team, joint)
    services.visit_review(acting_user=lead, visit=joint, confirm=True)
    assert FormSignature.objects.filter(joint=joint).count() == 6


def test_the_signing_pages(client: Any, team: Any, joint: JointInspection, on_day: Any,
                           make_user: Any) -> None:
    on_day(date(2027, 6, 10))
    _complete(team[0], joint)
    form = reverse("inspections:joint_form", args=[joint.pk])
    for user in team:
        type(user).objects.filter(pk=user.pk).update(password_changed_at=clock.now())
        client.force_login(user)
        assert "本人签字确认检查表" in client.get(form).content.decode()
        assert client.post(reverse("inspections:form_sign", args=["joint", joint.pk])).status_code == 302
    page = client.post(reverse("inspections:enterprise_sign", args=["joint", joint.pk]),
                       {"representative": "王五"}, follow=True).content.decode()
    assert "已记录企业代表签字" in page and "签字齐全" in page
    outsider = make_user(Role.INSPECTOR, ENV)
    type(outsider).objects.filter(pk=outsider.pk).update(password_changed_at=clock.now())
    client.force_login(outsider)
    assert client.post(reverse("inspections:form_sign", args=["joint", joint.pk])).status_code == 403


# --- versions: a save on an older version is refused, never written over (offline sync) -----


def test_a_save_on_an_older_version_is_refused_with_both_versions(
        client: Any, team: Any, joint: JointInspection, on_day: Any) -> None:
    import json

    on_day(date(2027, 6, 10))
    row = _rows(joint)[ENV][0]
    url = reverse("inspections:form_sync", args=["joint", joint.pk])
    type(team[0]).objects.filter(pk__in=[u.pk for u in team]).update(password_changed_at=clock.now())
    client.force_login(team[1])
    state = client.get(url).json()
    assert state["version"] == 0 and state["entries"][str(row.pk)]["result_code"] == ""
    mine = {"version": 0,
            "entries": {str(row.pk): {"result_code": "1", "method": "实地检查", "note": "同事录入"}}}
    response = client.post(url, json.dumps(mine), content_type="application/json")
    assert response.status_code == 200 and response.json()["version"] == 1
    # The other inspector saved offline on version 0: refused, both shown.
    client.force_login(team[0])
    theirs = {"version": 0, "entries": {str(row.pk): {"result_code": "5", "method": "书面检查",
                                                       "follow_up": "抄告相关部门"}}}
    response = client.post(url, json.dumps(theirs), content_type="application/json")
    assert response.status_code == 409 and "已被同事更新" in response.json()["detail"]
    assert response.json()["server"]["entries"][str(row.pk)]["note"] == "同事录入"
    assert TaskItem.objects.get(pk=row.pk).result_code == "1"
    theirs["version"] = 1  # kept theirs after comparing: sent again on the new version
    assert client.post(url, json.dumps(theirs), content_type="application/json").status_code == 200
    assert TaskItem.objects.get(pk=row.pk).result_code == "5"
    bad = client.post(url, "not json", content_type="application/json")
    assert bad.status_code == 400 and "请求格式不正确" in bad.json()["detail"]
    # The page form is refused too when its version is stale.
    page = client.post(reverse("inspections:joint_form", args=[joint.pk]),
                       {"action": "save", "version": "0", f"r-{row.pk}-result_code": "1",
                        f"r-{row.pk}-method": "实地检查"}).content.decode()
    assert "已被同事更新" in page and TaskItem.objects.get(pk=row.pk).result_code == "5"
    assert "同事已保存：违反其他部门相关规定 · 书面检查" in page  # the stored values beside the posted ones
    assert 'name="version" value="2"' in page  # saving again keeps the posted ones, knowingly
