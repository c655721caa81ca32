"""Long work the worker runs on a row: its state, progress, message and times, and the steps
that write them (STYLE 9: a job loads by id and calls one service; the progress is on the
row, where the page polls it and the command line prints it).

``BackgroundJob`` is the abstract model of such a row (the archive export, the supervision
report, the yearly reclassification); each model adds what its work produces. The steps are
single UPDATEs by primary key, outside the work's own transactions, so the page sees them
while the work runs and a failure is recorded after the work's transaction rolled back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Self

from django.conf import settings
from django.db import models

from spotcheck.core import clock

Progress = Callable[[int, int], None]


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


MESSAGE_MAX = 500


class BackgroundJob(models.Model):
    status = models.CharField("状态", max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    message = models.CharField("说明", max_length=MESSAGE_MAX, blank=True)
    created_at = models.DateTimeField("提交时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="提交人")
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(100, self.done * 100 // self.total) if self.total else 0

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    # --- the steps of a run (each one UPDATE of this row) ------------------------------------

    def _update(self, **fields: Any) -> None:
        type(self)._default_manager.filter(pk=self.pk).update(**fields)

    def job_start(self, **fields: Any) -> None:
        """The worker takes the job: running, nothing done yet (a run after a failure starts
        over)."""
        self._update(status=JobStatus.RUNNING, done=0, **fields)

    def job_progress(self, done: int, total: int | None = None, *, progress: Progress | None = None,
                     **fields: Any) -> None:
        """``done`` of ``total`` (the job's total when not given) written on the row, then told
        to ``progress`` (the command line)."""
        if total is not None:
            fields["total"] = total
        self._update(done=done, **fields)
        if progress:
            progress(done, self.total if total is None else total)

    def job_done(self, **fields: Any) -> None:
        self._update(status=JobStatus.DONE, finished_at=clock.now(), **fields)

    def job_failed(self, exc: BaseException) -> None:
        self._update(status=JobStatus.FAILED, message=str(exc)[:MESSAGE_MAX], finished_at=clock.now())

    @contextmanager
    def failure_recorded(self) -> Iterator[None]:
        """Any exception of the block marks the job failed with its message, then goes on up."""
        try:
            yield
        except Exception as exc:
            self.job_failed(exc)
            raise

    def reloaded(self) -> Self:
        return type(self)._default_manager.get(pk=self.pk)
