"""``manage.py oversight_report SCOPE YEAR [--quarter N] --as USER`` (R-S3): the report
written as that office with its steps on one line; bad scope, account or period refused
with the message."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from spotcheck.accounts.roles import Role
from spotcheck.oversight.models import Report, ReportStatus
from spotcheck.oversight.tests.conftest import YEAR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> None:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "media")}}}


def test_a_department_s_quarter_on_the_command_line(world: dict[str, Any], make_user: Any) -> None:
    office = make_user(Role.OFFICE)
    out = io.StringIO()
    call_command("oversight_report", "361100-ENV", str(YEAR), "--quarter", "2", "--as", office.username,
                 stdout=out)
    report = Report.objects.get()
    assert (report.status, getattr(report.department, "code", None), report.quarter, report.created_by) == (
        ReportStatus.DONE, "361100-ENV", 2, office)
    assert out.getvalue() == ("\r2/4\r3/4\r4/4\n"
                              f"已生成 {report}：{report.xlsx_path}（SM3 {report.xlsx_sm3}），"
                              f"{report.pdf_path}（SM3 {report.pdf_sm3}）\n")


def test_bad_scope_account_and_period_end_the_command(world: dict[str, Any], make_user: Any) -> None:
    office = make_user(Role.OFFICE)
    for scope, user in (("999999", office.username), ("361100", "nobody")):
        with pytest.raises(CommandError, match=r"^行政区划、部门或账号不存在。$"):
            call_command("oversight_report", scope, str(YEAR), "--as", user, stdout=io.StringIO())
    with pytest.raises(CommandError, match="季度 5 不正确"):
        call_command("oversight_report", "361100", str(YEAR), "--quarter", "5", "--as", office.username,
                     stdout=io.StringIO())
    with pytest.raises(CommandError, match="只有本行政区划"):
        call_command("oversight_report", "361100", str(YEAR), "--as", make_user(Role.JUSTICE).username,
                     stdout=io.StringIO())
    assert not Report.objects.exists()
