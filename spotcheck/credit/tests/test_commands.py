"""``manage.py reclassify YEAR --as USER``: the run as that office (R-D1), progress on one
line, its summary; a refusal or an unknown account ends the command with the message."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from spotcheck.accounts.roles import Role
from spotcheck.credit.models import ReclassRun, RunStatus
from spotcheck.credit.tests.factories import confirmed_task, entity, violation

YEAR = 2027
pytestmark = pytest.mark.django_db


def test_reclassify_runs_as_the_office_with_progress_and_refuses_a_second_run(
        make_user: Any, on_day: Any) -> None:
    on_day(dt.date(YEAR + 1, 1, 15))
    office = make_user(Role.OFFICE)
    violation(confirmed_task(entity("A"), YEAR), "serious", by=office)
    entity("B")
    out = io.StringIO()
    call_command("reclassify", str(YEAR), "--as", office.username, stdout=out)
    run = ReclassRun.objects.get()
    assert (run.status, run.created_by, run.total, run.proposed) == (RunStatus.DONE, office, 2, 1)
    assert out.getvalue() == (f"\r已测算 2/2 户\n{YEAR} 年度：2 户，提议 1 条，"
                              f"测算风险等级 {run.risk_derived} 户。\n")
    with pytest.raises(CommandError, match="R-D1：每年一次"):
        call_command("reclassify", str(YEAR), "--as", office.username, stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"^账号不存在。$"):
        call_command("reclassify", str(YEAR), "--as", "nobody", stdout=io.StringIO())
    with pytest.raises(CommandError, match="只有联席办"):
        call_command("reclassify", str(YEAR), "--as", make_user(Role.PLANNER).username, stdout=io.StringIO())
    assert ReclassRun.objects.count() == 1
