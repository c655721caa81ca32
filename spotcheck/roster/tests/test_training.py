"""Training (R-S5): courses, sessions and attendance entered on the pages or imported, shown
on the inspector's page; a required course keeps the untrained out of the draw pool."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.imports import jobs
from spotcheck.core.imports.models import ImportJob
from spotcheck.roster import selectors, services
from spotcheck.roster.models import TrainingAttendance
from spotcheck.roster.tests.factories import InspectorFactory
from spotcheck.roster.tests.importfiles import errors, write_csv, write_xlsx
from spotcheck.roster.training_imports import COLUMNS, TRAINING_IMPORT

pytestmark = pytest.mark.django_db
HEADERS = [c.header for c in COLUMNS]


@pytest.fixture
def env(departments: Any, make_user: Any) -> dict[str, Any]:
    env_dept = Department.objects.get(code="361100-ENV")
    admin = make_user(Role.DEPT_ADMIN, department=env_dept)
    course = services.training_course_create(acting_user=admin, department=env_dept, code="SS-BASIC",
                                             title="双随机一公开基础", required_for_draw=True)
    session = services.training_session_create(acting_user=admin, course=course, code="SS-BASIC-01",
                                               held_on=date(2027, 3, 1), place="市政务中心", hours=4)
    people = [InspectorFactory.create(department=env_dept, certificate_no=f"TR-{i}") for i in range(3)]
    return {"dept": env_dept, "admin": admin, "course": course, "session": session, "people": people}


def run(path: Path, user: Any = None) -> ImportJob:
    return jobs.import_run(jobs.import_job_create(spec=TRAINING_IMPORT, acting_user=user, path=path).pk)


def test_a_required_course_keeps_the_untrained_out_of_the_drawable_pool(env: dict[str, Any]) -> None:
    a, b, c = env["people"]
    services.training_attendance_record(acting_user=env["admin"], session=env["session"], inspector=a)
    services.training_attendance_record(acting_user=env["admin"], session=env["session"], inspector=b,
                                        passed=False)
    on = date(2027, 6, 1)
    assert list(selectors.drawable_inspectors(env["dept"], on)) == [a]
    # before the session was held nobody had passed it
    assert list(selectors.drawable_inspectors(env["dept"], date(2027, 2, 1))) == []
    assert [r.inspector_id for r in selectors.roster_lines([env["dept"].pk], on)] == ["TR-0"]
    assert [x.code for x in selectors.missing_required_trainings(c, on)] == ["SS-BASIC"]
    # no longer required: everyone is back in the pool
    services.training_course_update(acting_user=env["admin"], course=env["course"], required_for_draw=False)
    assert len(selectors.drawable_inspectors(env["dept"], on)) == 3
    assert AuditEvent.objects.filter(action="roster.training_course_update").exists()


def test_a_department_keeps_only_its_own_trainings(env: dict[str, Any], make_user: Any) -> None:
    other = make_user(Role.DEPT_ADMIN, department=Department.objects.get(code="361100-SAMR"))
    with pytest.raises(Refused):
        services.training_session_create(acting_user=other, course=env["course"], code="X-1",
                                         held_on=date(2027, 3, 2))
    outsider = InspectorFactory.create(department=Department.objects.get(code="361100-SAMR"))
    with pytest.raises(ServiceError, match="不是本部门人员"):
        services.training_attendance_record(acting_user=env["admin"], session=env["session"],
                                            inspector=outsider)
    with pytest.raises(ServiceError, match="已存在"):
        services.training_course_create(acting_user=env["admin"], department=env["dept"],
                                        code="SS-BASIC", title="重复")
    with pytest.raises(ServiceError, match="无效"):
        services.training_course_create(acting_user=env["admin"], department=env["dept"],
                                        code="培训一", title="中文代码")


def test_the_import_records_attendance_from_csv_and_xlsx(env: dict[str, Any], tmp_path: Path) -> None:
    rows = [["SS-BASIC-01", "TR-0", "合格"], ["SS-BASIC-01", "TR-1", "不合格"]]
    job = run(write_csv(tmp_path / "a.csv", rows, HEADERS), env["admin"])
    assert (job.inserted, job.rejected) == (2, 0), errors(job)
    assert dict(TrainingAttendance.objects.values_list("inspector__certificate_no", "passed")) == {
        "TR-0": True, "TR-1": False}
    job = run(write_xlsx(tmp_path / "b.xlsx", [["SS-BASIC-01", "TR-1", "合格"]], HEADERS), env["admin"])
    assert (job.inserted, job.updated, job.rejected) == (0, 1, 0), errors(job)
    assert TrainingAttendance.objects.get(inspector__certificate_no="TR-1").passed is True
    assert len(selectors.drawable_inspectors(env["dept"], date(2027, 6, 1))) == 2


def test_bad_rows_are_refused_naming_row_and_field(env: dict[str, Any], tmp_path: Path) -> None:
    InspectorFactory.create(department=Department.objects.get(code="361100-SAMR"), certificate_no="SAMR-9")
    rows = [
        ["SS-BASIC-01", "TR-0", "合格"],
        ["NOPE-01", "TR-1", "合格"],
        ["SS-BASIC-01", "GHOST-1", ""],
        ["SS-BASIC-01", "TR-2", "也许"],
        ["SS-BASIC-01", "SAMR-9", "合格"],
        ["场次一", "TR-1", ""],
    ]
    job = run(write_csv(tmp_path / "bad.csv", rows, HEADERS), env["admin"])
    assert (job.inserted, job.rejected) == (1, 5)
    found = errors(job)
    expect = [(3, "场次编号", "未登记"), (4, "执法证号", "不在名录库中"), (5, "考核结果", "“也许”不正确"),
              (6, "执法证号", "不是该场次所属部门的人员"), (7, "场次编号", "无效")]
    for row, column, text in expect:
        assert any(r == row and c == column and text in m for r, c, m in found), (row, column, found)
    assert list(TrainingAttendance.objects.values_list("inspector__certificate_no", flat=True)) == ["TR-0"]


def test_another_departments_admin_cannot_import_into_a_session(env: dict[str, Any], tmp_path: Path,
                                                                make_user: Any) -> None:
    other = make_user(Role.DEPT_ADMIN, department=Department.objects.get(code="361100-SAMR"))
    job = run(write_csv(tmp_path / "o.csv", [["SS-BASIC-01", "TR-0", "合格"]], HEADERS), other)
    assert job.rejected == 1 and "不属于您可导入的部门" in errors(job)[0][2]
    assert not TrainingAttendance.objects.exists()


def test_pages_enter_sessions_and_attendance_and_the_inspector_page_shows_them(
        env: dict[str, Any], client: Any) -> None:
    client.force_login(env["admin"])
    page = client.post(reverse("roster:trainings"), {
        "add_session": "1", "course": env["course"].pk, "code": "SS-BASIC-02",
        "held_on": "2026-04-02", "place": "", "hours": "2"})
    assert page.status_code == 302
    session_url = page["Location"]
    bad = client.post(session_url, {"certificate_no": "GHOST", "passed": "1"})
    assert "不在名录库中" in bad.content.decode()
    assert client.post(session_url, {"certificate_no": "TR-2", "passed": "1"}).status_code == 302
    detail = client.get(reverse("roster:inspector_detail", args=[env["people"][2].pk])).content.decode()
    assert "SS-BASIC-02" in detail and "合格" in detail and "未完成本部门要求的培训" not in detail
    other = client.get(reverse("roster:inspector_detail", args=[env["people"][0].pk])).content.decode()
    assert "未完成本部门要求的培训" in other
    listing = client.get(reverse("roster:trainings")).content.decode()
    assert "SS-BASIC-02" in listing and "双随机一公开基础" in listing
