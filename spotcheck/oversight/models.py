"""Supervision reports and the notifications issued from them (R-S3).

A report is the figures of a division's (or one department's) quarter or year, with the lists
of what was missed and the previous period beside them, written by the worker as XLSX and
PDF; the progress is on the row. The office issues a notification (通报) from a report: it is
kept, and once published it is on the public portal with the fields of the publicity
allowlist only (department names and figures, never the names of staff)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from spotcheck.core.jobs import BackgroundJob, JobStatus

ReportStatus = JobStatus


YEARLY = 0


class Report(BackgroundJob):
    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="行政区划")
    department = models.ForeignKey("accounts.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", verbose_name="部门")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", default=YEARLY, help_text="0 为年度报告")
    total = models.PositiveIntegerField("步骤数", default=4)  # the figures, XLSX, PDF (report_run)
    figures = models.JSONField("主要数据", default=dict, blank=True)
    xlsx_path = models.CharField("XLSX 文件", max_length=300, blank=True)
    pdf_path = models.CharField("PDF 文件", max_length=300, blank=True)
    xlsx_sm3 = models.CharField("XLSX SM3 摘要", max_length=64, blank=True)
    pdf_sm3 = models.CharField("PDF SM3 摘要", max_length=64, blank=True)

    class Meta:
        verbose_name = "监督报告"
        verbose_name_plural = "监督报告"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quarter__gte=0, quarter__lte=4),
                                   name="oversight_report_quarter"),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values),
                                   name="oversight_report_status"),
        ]

    def __str__(self) -> str:
        return f"{self.scope_name} {self.period_label}"

    @property
    def scope_name(self) -> str:
        return self.department.name if self.department_id and self.department else self.division.name

    @property
    def scope_code(self) -> str:
        return self.department.code if self.department_id and self.department else self.division_id

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.quarter)


def period_label(year: int, quarter: int) -> str:
    return f"{year} 年度" if quarter == YEARLY else f"{year} 年第 {quarter} 季度"


class Notification(models.Model):
    """A notification (通报) the office issues from a report (R-S3)."""

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="notifications",
                               verbose_name="依据报告")
    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="行政区划")
    number = models.CharField("文号", max_length=64, unique=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("正文")
    year = models.PositiveSmallIntegerField("年度")
    quarter = models.PositiveSmallIntegerField("季度", default=YEARLY)
    scope_name = models.CharField("范围", max_length=64)
    figures = models.JSONField("通报数据（部门名称与数字）", default=dict, blank=True)
    issued_at = models.DateTimeField("印发时间")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="印发人")
    published_at = models.DateTimeField("公开时间", null=True, blank=True)

    class Meta:
        verbose_name = "监督通报"
        verbose_name_plural = "监督通报"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title="") & ~Q(body=""), name="oversight_notification_text"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def period_label(self) -> str:
        return period_label(self.year, self.quarter)


class DivisionFigures(models.Model):
    """The dashboard's costly figures of a division's year, kept: counted over the whole
    entity library (class C, class A: R-C2, R-A2) and over the year's tasks (coverage by
    tasks, the burden ledger and what merging saved, R-B3). The worker counts them again
    once they are older than ``SPOTCHECK_FIGURES_MAX_AGE`` seconds when a dashboard is read
    (and on ``manage.py oversight_figures``); the page shows when they were counted."""

    division = models.ForeignKey("accounts.Division", on_delete=models.CASCADE, related_name="+",
                                 verbose_name="行政区划")
    year = models.PositiveSmallIntegerField("年度")
    class_c_total = models.PositiveIntegerField("C 类库主体", default=0)
    class_c_planned = models.PositiveIntegerField("在全覆盖计划内的 C 类主体", default=0)
    class_c_inspected = models.PositiveIntegerField("本年有检查任务的 C 类主体", default=0)
    class_a_population = models.PositiveIntegerField("A 类库主体", default=0)
    burden_entities = models.PositiveIntegerField("负担台账主体", default=0)
    burden_tasks = models.PositiveIntegerField("负担台账任务", default=0)
    burden_visits = models.PositiveIntegerField("负担台账入企", default=0)
    savings = models.JSONField("合并检查减少入企", default=dict, blank=True)
    computed_at = models.DateTimeField("统计时间")
    refresh_queued_at = models.DateTimeField("已排队重新统计", null=True, blank=True)

    # The figures counted (``oversight.selectors.costly_figures``), as against when.
    COUNTED = ("class_c_total", "class_c_planned", "class_c_inspected", "class_a_population",
               "burden_entities", "burden_tasks", "burden_visits", "savings")

    class Meta:
        verbose_name = "监督看板统计"
        verbose_name_plural = "监督看板统计"
        constraints = [models.UniqueConstraint(fields=["division", "year"], name="oversight_figures_once")]

    def __str__(self) -> str:
        return f"{self.division_id} {self.year}"
