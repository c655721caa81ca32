"""Objections and complaints (R-S4): an enterprise objects to a published result of its own
with a reason and files; the department answers within the set time; an upheld objection
corrects the publication by a new version. Anyone complains through the public form, gets a
tracking number, is throttled per address; the office assigns, the department answers, the
outcome is published without personal data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import ENTERPRISE_USCC
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.inspections.tests import factories as fi
from spotcheck.publicity import selectors, services
from spotcheck.publicity.models import Complaint, ComplaintStatus, ObjectionStatus, PublishedResult
from spotcheck.publicity.tests.factories import ENV, PROBLEM, completed_task, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(on_day: Any, make_user: Any) -> PublishedResult:
    task = completed_task(on_day, entity=fi.entity(uscc=ENTERPRISE_USCC), results=[PROBLEM])
    return services.results_publish(acting_user=make_user(Role.PLANNER, ENV), tasks=[task])[0]


def test_an_enterprise_objects_to_its_own_result_with_files(published: PublishedResult, make_user: Any,
                                                            settings: Any) -> None:
    enterprise = make_user(Role.ENTERPRISE)
    with pytest.raises(ServiceError, match="异议理由"):
        services.objection_file(acting_user=enterprise, result=published, reason="  ")
    settings.OBJECTION_FILE_MAX_MB = 0
    with pytest.raises(ServiceError, match=re.escape("“整改报告.pdf”大小 0.0 MB，超过上限 0 MB")):
        services.objection_file(acting_user=enterprise, result=published, reason="已改正",
                                files=[SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 x")])
    settings.OBJECTION_FILE_MAX_MB = 10
    objection = services.objection_file(acting_user=enterprise, result=published, reason="检查时已当场改正",
                                        files=[SimpleUploadedFile("整改报告.pdf", b"%PDF-1.4 x")])
    assert objection.answer_due == date(2027, 6, 10) + timedelta(days=15)
    assert [f.name for f in objection.files.all()] == ["整改报告.pdf"]
    with pytest.raises(Conflict, match="待答复"):
        services.objection_file(acting_user=enterprise, result=published, reason="再次提出")
    other = make_user(Role.ENTERPRISE, enterprise_uscc="91361100MA35OTHER1")
    with pytest.raises(Refused):
        services.objection_file(acting_user=other, result=published, reason="不是我的")
    with pytest.raises(Refused):
        services.objection_file(acting_user=make_user(Role.PLANNER, ENV), result=published, reason="x")


def test_objection_files_are_known_by_their_first_bytes_and_none_is_left_half_written(
        published: PublishedResult, make_user: Any) -> None:
    """R-S4: an objection's material is a photo or a PDF by its content, as an inspection's
    evidence; a bad file is named in Chinese and nothing is kept, neither the objection, its
    rows nor any file already stored."""
    from pathlib import Path

    from spotcheck.publicity.models import Objection, ObjectionFile

    root = Path(ObjectionFile._meta.get_field("file").storage.location) / "objections"  # type: ignore[attr-defined]

    def stored() -> set[Path]:
        return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()

    before = stored()
    enterprise = make_user(Role.ENTERPRISE)
    good = SimpleUploadedFile("现场照片.jpg", b"\xff\xd8\xff\xe0 JFIF")
    fake = SimpleUploadedFile("整改报告.pdf", b"MZ\x90\x00 an executable named .pdf")
    refusal = re.escape("“整改报告.pdf”的内容不是JPEG、PNG、WebP 照片或 PDF 文件")
    with pytest.raises(ServiceError, match=refusal) as exc:
        services.objection_file(acting_user=enterprise, result=published, reason="已改正",
                                files=[good, fake])
    assert exc.value.code == "bad_file" and "异议材料" in exc.value.message
    assert exc.value.fields == {"files": [exc.value.message]}
    with pytest.raises(ServiceError, match=re.escape("“空.png”是空文件")):
        services.objection_file(acting_user=enterprise, result=published, reason="已改正",
                                files=[SimpleUploadedFile("空.png", b"")])
    assert not Objection.objects.exists() and not ObjectionFile.objects.exists()
    assert stored() == before
    # A failure after the first file was stored (the second's row refused) leaves no file.
    second = SimpleUploadedFile("复核.pdf", b"%PDF-1.7 x")
    calls = {"n": 0}
    real_save = ObjectionFile.save

    def failing_save(self: Any, *args: Any, **kwargs: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("磁盘已满")
        real_save(self, *args, **kwargs)

    good.seek(0)
    ObjectionFile.save = failing_save  # type: ignore[method-assign]
    try:
        with pytest.raises(RuntimeError):
            services.objection_file(acting_user=enterprise, result=published, reason="已改正",
                                    files=[good, second])
    finally:
        ObjectionFile.save = real_save  # type: ignore[method-assign]
    assert not Objection.objects.exists() and not ObjectionFile.objects.exists()
    assert stored() == before
    good.seek(0)
    second.seek(0)
    objection = services.objection_file(acting_user=enterprise, result=published, reason="已改正",
                                        files=[good, second])
    assert sorted(f.name for f in objection.files.all()) == ["复核.pdf", "现场照片.jpg"]
    assert len(stored() - before) == 2


def test_an_upheld_objection_corrects_the_publication_and_a_rejected_one_does_not(
        published: PublishedResult, make_user: Any) -> None:
    enterprise, planner = make_user(Role.ENTERPRISE), make_user(Role.PLANNER, ENV)
    objection = services.objection_file(acting_user=enterprise, result=published, reason="结果有误")
    with pytest.raises(Refused):
        services.objection_answer(acting_user=make_user(Role.PLANNER, "361100-SAMR"), objection=objection,
                                  upheld=False, answer="不属于本部门")
    rejected = services.objection_answer(acting_user=planner, objection=objection, upheld=False,
                                         answer="经复核，检查结果无误。")
    assert rejected.status == ObjectionStatus.REJECTED and rejected.correction is None
    assert PublishedResult.objects.filter(task_item=published.task_item).count() == 1
    with pytest.raises(Conflict, match="已答复"):
        services.objection_answer(acting_user=planner, objection=objection, upheld=True, answer="改判")
    again = services.objection_file(acting_user=enterprise, result=published, reason="补充材料后再次提出")
    upheld = services.objection_answer(acting_user=planner, objection=again, upheld=True,
                                       answer="企业检查前已公示，结果更正。", result_code="E",
                                       follow_up="无需后续处置")
    assert upheld.status == ObjectionStatus.UPHELD and upheld.correction is not None
    assert (upheld.correction.version, upheld.correction.result_code) == (2, "E")
    assert upheld.correction.reason == "异议成立：企业检查前已公示，结果更正。"
    with pytest.raises(Conflict, match="现行版本"):
        services.objection_file(acting_user=enterprise, result=published, reason="旧版本")


def _request(ip: str) -> Any:
    return RequestFactory().post("/", REMOTE_ADDR=ip)


def _submit(ip: str, text: str, **extra: Any) -> Complaint:
    return services.complaint_submit(**{"division": "361100", "about": "inspection", "text": text, **extra},
                                     request=_request(ip))


def test_a_complaint_gets_a_tracking_number_and_one_address_is_throttled(settings: Any) -> None:
    settings.COMPLAINT_LIMIT_PER_HOUR = 2
    with pytest.raises(ServiceError, match="投诉内容"):
        _submit("10.0.0.1", "")
    with pytest.raises(ServiceError, match="行政区划"):
        _submit("10.0.0.1", "x", division="999999")
    with pytest.raises(ServiceError, match="投诉对象"):
        _submit("10.0.0.1", "x", about="weather")
    with pytest.raises(ServiceError, match="18 位"):
        _submit("10.0.0.1", "x", uscc="123")
    first = _submit("10.0.0.1", "检查超时")
    _submit("10.0.0.1", "未出示证件", about="inspector")
    with pytest.raises(ServiceError, match="过于频繁"):
        _submit("10.0.0.1", "第三次")
    _submit("10.0.0.2", "另一地址")
    assert first.tracking_no.startswith("TS") and Complaint.objects.count() == 3
    assert "10.0.0.1" not in first.client_key


def test_the_office_assigns_the_department_answers_and_the_outcome_is_published(
        client: Any, make_user: Any) -> None:
    response = client.post(reverse("publicity:complaint_create"), {
        "division": "361100", "about": "inspector", "text": "检查人员索要财物", "contact": "13800001111"})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    track = client.get(response["Location"]).content.decode()
    assert complaint.tracking_no in track and "已受理" in track and "13800001111" not in track
    office, planner = make_user(Role.OFFICE), signed_in(make_user, Role.PLANNER, ENV)
    env = Department.objects.get(code=ENV)
    with pytest.raises(Refused):
        services.complaint_assign(acting_user=make_user(Role.OFFICE, "361102-SAMR"), complaint=complaint,
                                  department=env)
    with pytest.raises(ServiceError, match="不属于"):
        services.complaint_assign(acting_user=office, complaint=complaint,
                                  department=Department.objects.get(code="361102-ENV"))
    with pytest.raises(Refused):
        services.complaint_answer(acting_user=planner, complaint=complaint, outcome="先答")
    client.force_login(planner)
    assert "交办的投诉" not in client.get(reverse("home")).content.decode()  # none assigned yet
    services.complaint_assign(acting_user=office, complaint=complaint, department=env)
    assert list(selectors.complaints_for(planner)) == [complaint]
    home = client.get(reverse("home")).content.decode()
    assert "交办的投诉" in home and f"投诉 {complaint.tracking_no}" in home
    answered = services.complaint_answer(acting_user=planner, complaint=complaint,
                                         outcome="经调查属实，已对相关人员立案处理。")
    assert answered.status == ComplaintStatus.ANSWERED
    assert "交办的投诉" not in client.get(reverse("home")).content.decode()
    client.logout()
    listing = client.get(reverse("publicity:complaints")).content.decode()
    assert "已对相关人员立案处理" in listing and "索要财物" not in listing and "13800001111" not in listing
    assert "已对相关人员立案处理" in client.get(response["Location"]).content.decode()
    with pytest.raises(Conflict):
        services.complaint_answer(acting_user=planner, complaint=complaint, outcome="再答")


def test_the_complaint_page_says_how_to_complain_and_refuses_bad_input(client: Any) -> None:
    page = client.get(reverse("publicity:complaint_create")).content.decode()
    assert "12345" in page and "受理编号" in page
    bad = client.post(reverse("publicity:complaint_create"), {"division": "361100", "about": "inspection",
                                                               "text": ""})
    assert bad.status_code == 400 and "请填写投诉内容" in bad.content.decode()


def test_objection_pages_for_the_enterprise_and_the_department(published: PublishedResult, client: Any,
                                                              make_user: Any, on_day: Any) -> None:
    client.force_login(signed_in(make_user, Role.ENTERPRISE))
    page = client.get(reverse("publication:objections")).content.decode()
    assert reverse("publication:object", args=[published.pk]) in page
    response = client.post(reverse("publication:object", args=[published.pk]),
                           {"reason": "已当场改正",
                            "files": [SimpleUploadedFile("照片.jpg", b"\xff\xd8\xff\xe0 JFIF")]})
    assert response.status_code == 302
    client.force_login(signed_in(make_user, Role.PLANNER, ENV))
    objection = published.objections.get()
    assert "待答复的公示异议" in client.get(reverse("home")).content.decode()
    on_day(objection.answer_due + timedelta(days=1))
    client.force_login(signed_in(make_user, Role.PLANNER, ENV))
    assert "，已逾期" in client.get(reverse("home")).content.decode()
    response = client.post(reverse("publication:objection", args=[objection.pk]),
                           {"upheld": "1", "answer": "", "result_code": "E"})
    assert response.status_code == 400 and "请填写答复意见" in response.content.decode()
    response = client.post(reverse("publication:objection", args=[objection.pk]),
                           {"upheld": "1", "answer": "异议成立", "result_code": "E",
                            "follow_up": "无需后续处置"})
    assert response.status_code == 302
    assert PublishedResult.objects.get(task_item=published.task_item, is_current=True).version == 2
