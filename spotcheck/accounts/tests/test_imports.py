"""Staff accounts from a file, through the shared import engine: rows and columns named in
Chinese, bad rows rejected whole, a bad file writes nothing; imported accounts have no role
(三员分立) and no usable password until the system administrator resets it."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.accounts import lifecycle
from spotcheck.accounts.imports import STAFF_IMPORT
from spotcheck.accounts.models import User
from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Refused
from spotcheck.core.imports import jobs
from spotcheck.core.imports.files import FileRefused
from spotcheck.core.imports.models import ImportJob, ImportRowError, ImportStatus

pytestmark = pytest.mark.django_db
HEADER = ["用户名", "姓名", "部门代码"]


def _file(tmp_path: Path, rows: list[list[str]], header: list[str] = HEADER,
          name: str = "staff.csv") -> Path:
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *rows])
    path = tmp_path / name
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def _run(actor: Any, path: Path, **kwargs: Any) -> ImportJob:
    job = jobs.import_job_create(spec=STAFF_IMPORT, acting_user=actor, path=path, **kwargs)
    return jobs.import_run(job.pk)


@pytest.fixture
def sysadmin(make_user: Any) -> Any:
    return make_user(Role.SYSTEM_ADMIN, username="sysadmin")


def test_staff_accounts_are_imported_and_bad_rows_named_in_chinese(sysadmin: Any, make_user: Any,
                                                                   tmp_path: Path) -> None:
    make_user(Role.PLANNER, dept_code="361100-SAMR", username="elsewhere")
    make_user(Role.SECURITY_ADMIN, username="secadmin")
    rows = [
        ["zhang.san", "张三", "361100-ENV"],       # row 2: new
        ["li si", "李四", "361100-ENV"],           # row 3: bad username
        ["wang.wu", "", "361102-SAMR"],            # row 4: no name
        ["zhao.liu", "赵六", "999999-X"],           # row 5: unknown department
        ["secadmin", "冒名", "361100-ENV"],         # row 6: an administrator's account
        ["elsewhere", "改部门", "361100-ENV"],       # row 7: another department's account
        ["zhang.san", "张三二", "361100-ENV"],      # row 8: doubled in the file
        ["sun.qi", "孙七", "361102-SAMR"],          # row 9: new, in a county
    ]
    job = _run(sysadmin, _file(tmp_path, rows))
    assert job.status == ImportStatus.SUCCEEDED, job.message
    assert (job.inserted, job.updated, job.rejected) == (2, 0, 6)
    errors = {(e.row, e.column): e.message for e in ImportRowError.objects.filter(job=job)}
    assert set(errors) == {(3, "用户名"), (4, "姓名"), (5, "部门代码"), (6, "用户名"),
                           (7, "部门代码"), (8, "用户名")}
    assert "安全管理员账户" in errors[(6, "用户名")] and "第 2 行" in errors[(8, "用户名")]
    for username, dept in [("zhang.san", "361100-ENV"), ("sun.qi", "361102-SAMR")]:
        user = User.objects.select_related("department").get(username=username)
        assert user.role == "" and user.must_change_password and user.is_active
        assert not user.has_usable_password() and user.department.code == dept  # type: ignore[union-attr]
        assert user.division_id == dept[:6] and user.import_job_id == job.pk
    assert User.objects.get(username="secadmin").display_name != "冒名"
    assert User.objects.get(username="elsewhere").department.code == "361100-SAMR"  # type: ignore[union-attr]
    assert AuditEvent.objects.filter(action="import.finish", object_id=str(job.pk)).exists()


def test_an_imported_account_signs_in_after_a_reset(sysadmin: Any, tmp_path: Path,
                                                    client: Any) -> None:
    _run(sysadmin, _file(tmp_path, [["zhou.tao", "周涛", "361100-ENV"]]))
    imported = User.objects.get(username="zhou.tao")
    password = lifecycle.user_password_reset(acting_user=sysadmin, user=imported)
    response = client.post("/accounts/login/", {"username": "zhou.tao", "password": password})
    assert response.status_code == 302
    assert client.get("/").url == reverse("accounts:password_change")


def test_importing_again_updates_the_name_only(sysadmin: Any, tmp_path: Path) -> None:
    _run(sysadmin, _file(tmp_path, [["zhou.tao", "周涛", "361100-ENV"]]))
    before = User.objects.get(username="zhou.tao")
    job = _run(sysadmin, _file(tmp_path, [["zhou.tao", "周涛涛", "361100-ENV"]], name="b.csv"))
    assert (job.inserted, job.updated, job.rejected) == (0, 1, 0)
    after = User.objects.get(username="zhou.tao")
    assert after.display_name == "周涛涛" and after.password == before.password
    assert after.role == "" and after.department_id == before.department_id


def test_a_file_without_the_department_column_writes_nothing(sysadmin: Any,
                                                             tmp_path: Path) -> None:
    path = _file(tmp_path, [["a1", "甲", ""]], header=["用户名", "姓名"])
    try:
        job = _run(sysadmin, path)
    except FileRefused as exc:  # refused as the file is inspected, or when it is run
        message = exc.message
    else:
        assert job.status == ImportStatus.FAILED
        message = job.message
    assert "部门代码" in message
    assert not User.objects.filter(username="a1").exists()


@pytest.mark.parametrize("role", [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.DEPT_ADMIN,
                                  Role.OFFICE])
def test_only_the_system_admin_imports_accounts(role: Role, make_user: Any,
                                                tmp_path: Path) -> None:
    with pytest.raises(Refused):
        _run(make_user(role), _file(tmp_path, [["a1", "甲", "361100-ENV"]]))
    assert not User.objects.filter(username="a1").exists()


def test_the_import_page_uploads_and_follows_the_job(sysadmin: Any, tmp_path: Path, client: Any,
                                                     settings: Any,
                                                     django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.VAR_DIR = tmp_path
    client.force_login(sysadmin)
    page = client.get(reverse("accounts:import")).content.decode()
    assert "导入政府工作人员账户" in page and "重置密码" in page
    path = _file(tmp_path, [["wu.ting", "吴婷", "361100-ENV"], ["bad name", "某", "361100-ENV"]])
    with path.open("rb") as f, django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:import"), {"file": f, "mode": "upsert"})
    job = ImportJob.objects.get(kind=STAFF_IMPORT.kind)
    assert response.url == reverse("accounts:import_job", args=[job.pk])
    assert (job.inserted, job.rejected) == (1, 1)
    template = client.get(reverse("accounts:import_template", args=["csv"])).content.decode("utf-8-sig")
    assert template.splitlines()[0] == ",".join(HEADER)
