"""The background-job row's steps and the one body of the commands that run a job on the
command line (``--as USER``, progress on one line, a refusal as ``CommandError``)."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management.base import CommandError

from spotcheck.accounts.roles import Role
from spotcheck.core.commands import JobCommand
from spotcheck.core.errors import Refused
from spotcheck.core.jobs import JobStatus, Progress
from spotcheck.oversight.models import Report

pytestmark = pytest.mark.django_db


class _Toy(JobCommand):
    missing = "账号或对象不存在。"
    failed = "玩具任务失败。"

    def __init__(self, *, refuse: bool = False, ending: str = JobStatus.DONE, message: str = "") -> None:
        super().__init__(stdout=io.StringIO())
        self.refuse, self.ending, self.message = refuse, ending, message
        self.started_as: Any = None

    def start(self, user: Any, options: dict[str, Any]) -> Any:
        if self.refuse:
            raise Refused("只有联席办可以这样做。")
        self.started_as = user
        return SimpleNamespace(pk=7)

    def run(self, job_id: int, progress: Progress) -> Any:
        for done in (1, 2, 3):
            progress(done, 3)
        return SimpleNamespace(pk=job_id, status=self.ending, message=self.message)

    def progress_line(self, done: int, total: int) -> str:
        return f"已处理 {done}/{total}"

    def summary(self, job: Any) -> str:
        return f"任务 {job.pk} 完成。"


def _out(command: JobCommand) -> str:
    return command.stdout._out.getvalue()  # type: ignore[attr-defined]


def test_the_job_runs_as_the_named_user_with_progress_on_one_line(make_user: Any) -> None:
    user = make_user(Role.OFFICE)
    command = _Toy()
    command.handle(username=user.username)
    assert command.started_as == user
    assert _out(command) == "\r已处理 1/3\r已处理 2/3\r已处理 3/3\n任务 7 完成。\n"


def test_an_unknown_user_a_refusal_and_a_failed_job_end_with_their_message(make_user: Any) -> None:
    user = make_user(Role.OFFICE)
    with pytest.raises(CommandError, match=r"^账号或对象不存在。$"):
        _Toy().handle(username="nobody")
    with pytest.raises(CommandError, match=r"^只有联席办可以这样做。$"):
        _Toy(refuse=True).handle(username=user.username)
    with pytest.raises(CommandError, match=r"^磁盘已满$"):
        _Toy(ending=JobStatus.FAILED, message="磁盘已满").handle(username=user.username)
    with pytest.raises(CommandError, match=r"^玩具任务失败。$"):
        _Toy(ending=JobStatus.FAILED).handle(username=user.username)


def test_the_row_s_steps_progress_done_failure_and_percent(make_user: Any) -> None:
    from spotcheck.accounts.models import Division
    from spotcheck.core import clock

    office = make_user(Role.OFFICE)
    report = Report.objects.create(division=Division.objects.get(pk="361100"), year=2027,
                                   created_at=clock.now(), created_by=office)
    assert (report.status, report.total, report.percent, report.is_finished) == (
        JobStatus.QUEUED, 4, 0, False)
    report.job_start()
    seen: list[tuple[int, int]] = []
    report.job_progress(3, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(3, 4)]
    row = report.reloaded()
    assert (row.status, row.done, row.percent) == (JobStatus.RUNNING, 3, 75)
    with pytest.raises(ValueError), report.failure_recorded():
        raise ValueError("x" * 600)
    row = report.reloaded()
    assert row.status == JobStatus.FAILED and row.message == "x" * 500 and row.finished_at is not None
    assert row.is_finished
    report.job_start()
    report.job_done(figures={"summary": {}})
    row = report.reloaded()
    assert (row.status, row.done, row.percent, row.figures) == (JobStatus.DONE, 0, 100, {"summary": {}})
