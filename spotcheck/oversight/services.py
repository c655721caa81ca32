"""Supervision reports and notifications (R-S3): the office asks for a report of a division's
or a department's quarter or year, the worker writes it (XLSX and PDF, progress on the row,
``manage.py oversight_report`` on the command line); the office issues a notification (通报)
from a finished report and publishes it on the portal. Every write checks permission,
validates and audits inside its transaction (R-S2).

The dashboard's costly figures of a division's year are kept (``DivisionFigures``): counted
on the first reading, then again by the worker once older than ``SPOTCHECK_FIGURES_MAX_AGE``
seconds when a dashboard is read, or on ``manage.py oversight_figures``. The worker's tasks
are at the end of this module, beside the services they call (no import circle)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django_tasks import task

from spotcheck.accounts.models import Department, Division, User
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock
from spotcheck.core.crypto import sm3_file
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.oversight import render, reports, selectors
from spotcheck.oversight.models import YEARLY, DivisionFigures, Notification, Report, ReportStatus

RUNNING = (ReportStatus.QUEUED, ReportStatus.RUNNING)


def _check_period(year: int, quarter: int) -> None:
    """A year from 2000 to this one; a quarter that has begun (a running period's report
    counts to today)."""
    today = clock.today()
    if not 2000 <= year <= today.year:
        raise ServiceError(f"年度 {year} 不正确：应在 2000 至 {today.year} 之间。",
                           fields={"year": ["不正确"]})
    if quarter not in (0, 1, 2, 3, 4):
        raise ServiceError(f"季度 {quarter} 不正确：应为 1 至 4，或 0（年度报告）。",
                           fields={"quarter": ["不正确"]})
    if quarter != YEARLY and (year, quarter) > (today.year, (today.month - 1) // 3 + 1):
        raise ServiceError(f"{year} 年第 {quarter} 季度尚未开始。", fields={"quarter": ["尚未开始"]})


def report_create(*, acting_user: Any, division: Division, year: int, quarter: int = YEARLY,
                  department: Department | None = None, request: Any = None) -> Report:
    """Queue a report; one of the same scope and period runs at a time."""
    scope = {"division": division.pk, "department": department.code if department else "",
             "year": year, "quarter": quarter}
    with refusals_audited("oversight.report_create", actor=acting_user, object_type="oversight.report",
                          request=request, extra=scope):
        if department is not None and department.division_id != division.pk:
            raise ServiceError(f"部门“{department.name}”不属于{division.name}。",
                               fields={"department": ["不属于该区划"]})
        if acting_user is None or not acting_user.has_perm("oversight.make_report", (division, department)):
            raise Refused("只有本行政区划（或上级）的联席办可以生成监督报告。")
        _check_period(year, quarter)
        with transaction.atomic():
            # One request at a time per division: two at once would both find none running.
            Division.objects.select_for_update().get(pk=division.pk)
            same = Report.objects.filter(
                division=division, department=department, year=year, quarter=quarter, status__in=RUNNING)
            if same.exists():
                raise Conflict("同一范围和期间的报告正在生成，请等待完成。")
            report = Report.objects.create(division=division, department=department, year=year,
                                           quarter=quarter, created_at=clock.now(), created_by=acting_user)
            audit_record(action="oversight.report_create", actor=acting_user,
                         department_code=department.code if department else "",
                         object_type="oversight.report", object_id=report.pk, request=request, summary=scope)
            transaction.on_commit(lambda: report_task.enqueue(report.pk))
    return report


def report_run(report_id: int, *, progress: Callable[[int, int], None] | None = None) -> Report:
    """Write the report's files: figures (this period and the previous one), XLSX, PDF."""
    report = Report.objects.select_related("division", "department").get(pk=report_id)
    if report.status == ReportStatus.DONE:
        return report

    def step(done: int) -> None:
        report.job_progress(done, progress=progress)

    report.job_start()
    base = f"reports/report-{report.scope_code}-{report.year}-q{report.quarter}-{report.pk}"
    with report.failure_recorded():
        data = reports.report_data(report.division, report.year, report.quarter, department=report.department)
        step(2)
        xlsx = default_storage.path(base + ".xlsx")
        Path(xlsx).parent.mkdir(parents=True, exist_ok=True)
        render.write_xlsx(data, xlsx)
        step(3)
        pdf = default_storage.path(base + ".pdf")
        Path(pdf).write_bytes(render.pdf_bytes(data))
        step(4)
        figures = {"summary": data.summary, "previous": data.previous, "previous_label": data.previous_label,
                   "as_of": data.as_of.isoformat(), "departments": data.departments}
        report.job_done(figures=figures, xlsx_path=base + ".xlsx", pdf_path=base + ".pdf",
                        xlsx_sm3=sm3_file(xlsx), pdf_sm3=sm3_file(pdf))
        audit_record(action="oversight.report_done", actor=None,
                     department_code=report.department.code if report.department else "",
                     object_type="oversight.report", object_id=report.pk,
                     summary={"tasks": data.summary["tasks"], "overdue": data.summary["tasks_overdue"]})
    return report.reloaded()


def _public_figures(report: Report) -> dict[str, Any]:
    """What a notification shows of its report: the summary, the previous period's and the
    departments' lines (department names and numbers; no person is named)."""
    f = report.figures
    return {"summary": f.get("summary", {}), "previous": f.get("previous", {}),
            "previous_label": f.get("previous_label", ""), "as_of": f.get("as_of", ""),
            "departments": f.get("departments", [])}


def _number(division: Division, year: int) -> str:
    n = Notification.objects.filter(division=division, year=year).count() + 1
    return f"{division.name}双随机监督通报〔{year}〕{n}号"


def notification_issue(*, acting_user: Any, report: Report, title: str, body: str,
                       request: Any = None) -> Notification:
    """Issue a notification from a finished report (kept, not yet public)."""
    with refusals_audited("oversight.notification_issue", actor=acting_user, object_type="oversight.report",
                          request=request, extra={"report": report.pk}):
        if acting_user is None or not acting_user.has_perm("oversight.issue_notification", report):
            raise Refused("只有本行政区划的联席办可以印发通报。")
        title, body = (title or "").strip(), (body or "").strip()
        fields: dict[str, list[str]] = {}
        if not title or len(title) > 200:
            fields["title"] = ["标题不能为空，且不超过 200 字。"]
        if not body or len(body) > 20000:
            fields["body"] = ["正文不能为空，且不超过 20000 字。"]
        if fields:
            raise ServiceError("通报的" + "、".join({"title": "标题", "body": "正文"}[k] for k in fields)
                               + "不正确：" + "".join(m for ms in fields.values() for m in ms), fields=fields)
        with transaction.atomic():
            locked = Report.objects.select_for_update().get(pk=report.pk)
            if locked.status != ReportStatus.DONE:
                raise Conflict("报告尚未生成完成，不能据此印发通报。")
            # The numbers of a division's year follow one another: one issue at a time.
            Division.objects.select_for_update().get(pk=locked.division_id)
            note = Notification.objects.create(
                report=locked, division=locked.division, number=_number(locked.division, locked.year),
                title=title, body=body, year=locked.year, quarter=locked.quarter,
                scope_name=locked.scope_name, figures=_public_figures(locked),
                issued_at=clock.now(), issued_by=acting_user)
            audit_record(action="oversight.notification_issue", actor=acting_user,
                         object_type="oversight.notification", object_id=note.pk, request=request,
                         summary={"report": locked.pk, "number": note.number})
    return note


def staff_names_in(text: str, division: Division) -> list[str]:
    """The names of the division's staff (and the counties' below) that appear in ``text``:
    a published notification names departments, never people."""
    names = (User.objects.filter(Q(division=division) | Q(division__parent=division)
                                 | Q(department__division=division)
                                 | Q(department__division__parent=division))
             .exclude(display_name="").values_list("display_name", flat=True).distinct())
    return sorted({n for n in names if len(n) >= 2 and n in text})


def notification_publish(*, acting_user: Any, notification: Notification,
                         request: Any = None) -> Notification:
    """Put the notification on the public portal (R-S3): refused while its text names a
    member of staff."""
    with refusals_audited("oversight.notification_publish", actor=acting_user,
                          object_type="oversight.notification", request=request,
                          extra={"notification": notification.pk}):
        report = notification.report
        if acting_user is None or not acting_user.has_perm("oversight.issue_notification", report):
            raise Refused("只有本行政区划的联席办可以公开通报。")
        with transaction.atomic():
            locked = Notification.objects.select_for_update().get(pk=notification.pk)
            if locked.published_at is not None:
                raise Conflict(f"通报 {locked.number} 已于 {locked.published_at:%Y-%m-%d} 公开。")
            named = staff_names_in(locked.title + "\n" + locked.body, locked.division)
            if named:
                raise ServiceError(f"通报 {locked.number} 的正文含有工作人员姓名（{'、'.join(named)}），"
                                   "公开的通报只写部门名称，请修改后再公开。",
                                   fields={"body": ["含有人员姓名"]})
            locked.published_at = clock.now()
            locked.save(update_fields=["published_at"])
            audit_record(action="oversight.notification_publish", actor=acting_user,
                         object_type="oversight.notification", object_id=locked.pk, request=request,
                         summary={"number": locked.number})
            from spotcheck.publicity.cache import invalidate

            transaction.on_commit(invalidate)
    return locked


# --- the dashboard's kept figures ---------------------------------------------------------


def figures_refresh(division: Division | str, year: int) -> DivisionFigures:
    """Count the division's costly figures of the year now and keep them (R-C2, R-A2, R-B3)."""
    div = division if isinstance(division, Division) else Division.objects.get(pk=division)
    started = clock.now()
    f = selectors.costly_figures(div, year)
    values = {**{name: getattr(f, name) for name in DivisionFigures.COUNTED},
              "computed_at": started, "refresh_queued_at": None}
    try:
        kept, _ = DivisionFigures.objects.update_or_create(division=div, year=year, defaults=values)
    except IntegrityError:  # counted at the same time by another reader: theirs is as new
        kept = DivisionFigures.objects.get(division=div, year=year)
    return kept


def kept_figures(division: Division, year: int) -> DivisionFigures:
    """The division's kept figures of the year: counted now the first time; when older than
    ``SPOTCHECK_FIGURES_MAX_AGE`` seconds, the kept ones are returned and the worker asked,
    once, to count them again."""
    kept = DivisionFigures.objects.filter(division=division, year=year).first()
    if kept is None:
        return figures_refresh(division, year)
    now = clock.now()
    max_age = timedelta(seconds=settings.SPOTCHECK_FIGURES_MAX_AGE)
    if kept.computed_at < now - max_age and (kept.refresh_queued_at is None
                                             or kept.refresh_queued_at < now - max_age):
        # One request enqueues: the others find it marked.
        if DivisionFigures.objects.filter(pk=kept.pk, refresh_queued_at=kept.refresh_queued_at).update(
                refresh_queued_at=now):
            figures_task.enqueue(division.pk, year)
    return kept


def coverage_figures(division: Division, year: int) -> DivisionFigures:
    """The kept figures for planning's coverage page (R-C2, R-A2): as ``kept_figures``, but
    counted again now when a class-C plan that may share the division's entities changed
    since they were counted (approved, withdrawn, amended), so that the page never shows a
    plan's coverage late; the library's counts may be as old as the dashboard's."""
    from spotcheck.accounts.divisions import related_divisions
    from spotcheck.planning.models import Plan

    kept = kept_figures(division, year)
    if Plan.objects.filter(division_id__in=related_divisions(division.pk), year=year, target_class="C",
                           updated_at__gte=kept.computed_at).exists():
        kept = figures_refresh(division, year)
    return kept


# --- background work (STYLE 9): load by id, call one service ------------------------------


@task()
def report_task(report_id: int) -> dict[str, int | str]:
    """Write a report's files; the progress is on its row."""
    report = report_run(report_id)
    return {"status": report.status, "done": report.done, "total": report.total}


@task()
def figures_task(division_id: str, year: int) -> dict[str, int | str]:
    """Count a division's costly dashboard figures of a year again."""
    kept = figures_refresh(division_id, year)
    return {"division": division_id, "year": year, "computed_at": kept.computed_at.isoformat()}
