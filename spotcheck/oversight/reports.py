"""What a supervision report says (R-S3): the dashboard's figures of the period, taken from
``selectors.dashboard`` (never counted differently), the previous period's beside them, and
the lists of what was missed.

Periods: a year, or a quarter of it. A quarter's figures are the year's to the quarter's end
(累计): deadlines are judged on that day (plans on time, tasks overdue, publications,
transfers, objections). The previous period of a quarter is the quarter before (the first
quarter's is the previous year); of a year, the previous year."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import OuterRef, Q
from django.utils import timezone

from spotcheck.accounts.models import Department, Division
from spotcheck.core import clock
from spotcheck.inspections.models import InspectionTask, Violation, ViolationStatus
from spotcheck.inspections.violations import ack_deadline
from spotcheck.oversight import selectors
from spotcheck.oversight.models import YEARLY, period_label
from spotcheck.publicity.models import Objection, ObjectionStatus, PublishedResult
from spotcheck.publicity.sources import publishable_tasks

#: At most this many lines of each missed list go in the PDF (the XLSX has them all).
PDF_LIST_LIMIT = 200


def period_end(year: int, quarter: int) -> date:
    if quarter == YEARLY:
        return date(year, 12, 31)
    return date(year, quarter * 3, (31, 30, 30, 31)[quarter - 1])


def as_of(year: int, quarter: int) -> date:
    """The day deadlines are judged on: the period's end, or today while it runs."""
    return min(period_end(year, quarter), clock.today())


def previous(year: int, quarter: int) -> tuple[int, int]:
    if quarter == YEARLY:
        return year - 1, YEARLY
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


#: The summary figures, in the order of the report's first table: key, label.
SUMMARY: list[tuple[str, str]] = [
    ("plans", "年度计划（个）"),
    ("plans_on_time", "按期提交的年度计划（R-P2）"),
    ("plans_late", "逾期提交或未提交的年度计划（R-P2）"),
    ("tasks", "抽查任务（项）"),
    ("tasks_done", "已完成的抽查任务"),
    ("tasks_overdue", "逾期未完成的抽查任务（R-Q1）"),
    ("class_a_drawn", "A 类库抽中户数（R-A2）"),
    ("class_a_cap", "A 类库抽中上限（10%）"),
    ("class_c_inspected", "C 类库本年有检查任务的户数（R-C2）"),
    ("class_c_total", "C 类库户数"),
    ("filings", "计划外检查备案（R-Q2、R-A4）"),
    ("filings_quiet", "其中安静期内（R-Q2）"),
    ("filings_class_a", "其中 A 类随机抽查以外（R-A4）"),
    ("burden_tasks", "负担台账：检查任务（R-B3）"),
    ("burden_visits", "负担台账：实际入企次数（R-B3）"),
    ("late_publications", "逾期公示的检查结果（R-R2）"),
    ("late_transfers", "逾期未接收的违法线索移送（R-R1）"),
    ("late_objections", "逾期未答复的公示异议（R-R2）"),
]

#: The per-department columns: key, label.
DEPARTMENT_COLUMNS: list[tuple[str, str]] = [
    ("items", "事项"), ("items_planned", "事项入计划"), ("plans", "计划"),
    ("plans_on_time", "按期提交"), ("plans_late", "逾期"), ("tasks", "抽查任务"),
    ("tasks_done", "已完成"), ("tasks_overdue", "逾期未完成"), ("filings", "备案"),
]


@dataclass
class Missed:
    """One list of what was missed: its title, column headers and rows of plain values."""

    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)


@dataclass
class ReportData:
    division: Division
    department: Department | None
    year: int
    quarter: int
    as_of: date
    board: selectors.Dashboard
    summary: dict[str, int]
    previous_label: str
    previous: dict[str, int]
    departments: list[dict[str, Any]]
    missed: list[Missed]

    @property
    def label(self) -> str:
        return period_label(self.year, self.quarter)

    @property
    def scope_name(self) -> str:
        return self.department.name if self.department is not None else self.division.name

    def comparison(self) -> list[tuple[str, int, int, int]]:
        """(label, this period, previous period, change) per summary figure."""
        return [(label, self.summary[k], self.previous[k], self.summary[k] - self.previous[k])
                for k, label in SUMMARY]


def _tasks(division: Division, year: int, department: Department | None) -> Any:
    qs = InspectionTask.objects.filter(division=division, year=year)
    return qs.filter(department=department) if department is not None else qs


def _late_publications(division: Division, year: int, department: Department | None, day: date) -> Missed:
    """Results not published by their deadline (R-R2): still unpublished once it has passed,
    or published after it."""
    tasks = publishable_tasks().filter(division=division, year=year, publish_due__lt=day)
    if department is not None:
        tasks = tasks.filter(department=department)
    first = (PublishedResult.objects.filter(task_id=OuterRef("pk")).order_by("published_at")
             .values("published_at")[:1])
    missed = Missed("late_publications", "逾期公示的检查结果（R-R2）",
                    ["部门", "统一社会信用代码", "计划", "完成日期", "公示截止", "公示日期"])
    qs = tasks.annotate(first_published=first).select_related("department").order_by("publish_due", "id")
    for t in qs:
        published = timezone.localdate(t.first_published) if t.first_published else None
        if published is not None and t.publish_due is not None and published <= t.publish_due:
            continue
        missed.rows.append([t.department.name, t.uscc, t.plan_title,
                            timezone.localdate(t.completed_at) if t.completed_at else None,
                            t.publish_due, published if published and published <= day else "未公示"])
    return missed


def _late_transfers(division: Division, department: Department | None, year: int, day: date) -> Missed:
    """Transfers of violations not acknowledged within the working days allowed (R-R1)."""
    qs = Violation.objects.filter(transferred_at__isnull=False, transferred_at__year=year).filter(
        Q(division=division) | Q(transfer_to__division=division)).select_related("department", "transfer_to")
    if department is not None:
        qs = qs.filter(Q(department=department) | Q(transfer_to=department))
    missed = Missed("late_transfers", "逾期未接收的违法线索移送（R-R1）",
                    ["移送部门", "接收部门", "统一社会信用代码", "移送日期", "接收期限", "接收日期"])
    for v in qs.order_by("transferred_at", "id"):
        if department is not None and v.transfer_to_id != department.pk:
            continue
        assert v.transferred_at is not None
        due = ack_deadline(timezone.localdate(v.transferred_at))
        acked = timezone.localdate(v.acknowledged_at) if v.acknowledged_at else None
        if due >= day or (acked is not None and acked <= due):
            continue
        if v.status == ViolationStatus.TRANSFERRED or (acked is not None and acked > due):
            missed.rows.append([v.department.name, v.transfer_to.name if v.transfer_to else "",
                                v.uscc, timezone.localdate(v.transferred_at), due,
                                acked if acked and acked <= day else "未接收"])
    return missed


def _late_objections(division: Division, department: Department | None, year: int, day: date) -> Missed:
    qs = Objection.objects.filter(department__division=division, answer_due__lt=day,
                                  answer_due__year=year).select_related("department")
    if department is not None:
        qs = qs.filter(department=department)
    missed = Missed("late_objections", "逾期未答复的公示异议（R-R2）",
                    ["答复部门", "统一社会信用代码", "提出日期", "答复期限", "答复日期"])
    for o in qs.order_by("answer_due", "id"):
        answered = timezone.localdate(o.answered_at) if o.answered_at else None
        if o.status != ObjectionStatus.OPEN and answered is not None and answered <= o.answer_due:
            continue
        missed.rows.append([o.department.name, o.uscc, timezone.localdate(o.filed_at), o.answer_due,
                            answered if answered and answered <= day else "未答复"])
    return missed


def _missed(board: selectors.Dashboard, year: int, department: Department | None, day: date) -> list[Missed]:
    division = board.division
    plans = Missed("late_plans", "逾期提交或未提交的年度计划（R-P2）",
                   ["部门", "计划", "状态", "首次提交", "截止日期"])
    for r in board.plans:
        if r.on_time is False:
            plans.rows.append([r.plan.department.name, r.plan.title, r.plan.get_status_display(),
                               r.submitted_on or "未提交", board.deadline])
    tasks = Missed("overdue_tasks", "逾期未完成的抽查任务（R-Q1）",
                   ["部门", "统一社会信用代码", "计划", "检查窗口", "状态"])
    for t in (_tasks(division, year, department).filter(selectors.overdue_q(day))
              .select_related("department", "joint").order_by("window_end", "id")):
        end = t.joint.window_end if t.joint is not None else t.window_end
        start = t.joint.window_start if t.joint is not None else t.window_start
        tasks.rows.append([t.department.name, t.uscc, t.plan_title, f"{start:%Y-%m-%d}—{end:%Y-%m-%d}",
                           t.get_status_display()])
    return [plans, tasks, _late_publications(division, year, department, day),
            _late_transfers(division, department, year, day),
            _late_objections(division, department, year, day)]


def _summary(board: selectors.Dashboard, missed: list[Missed]) -> dict[str, int]:
    counts = {m.key: len(m.rows) for m in missed}
    return {
        "plans": len([p for p in board.plans if not p.plan.special]),
        "plans_on_time": board.plans_on_time, "plans_late": board.plans_late,
        "tasks": board.tasks, "tasks_done": board.tasks_done, "tasks_overdue": board.tasks_overdue,
        "class_a_drawn": board.class_a_drawn, "class_a_cap": board.class_a_cap,
        "class_c_inspected": board.class_c_inspected, "class_c_total": board.class_c_total,
        "filings": board.filings, "filings_quiet": board.filings_quiet,
        "filings_class_a": board.filings_class_a, "burden_tasks": board.burden_tasks,
        "burden_visits": board.burden_visits,
        "late_publications": counts["late_publications"], "late_transfers": counts["late_transfers"],
        "late_objections": counts["late_objections"],
    }


def _figures(division: Division, year: int, quarter: int, department: Department | None
             ) -> tuple[selectors.Dashboard, dict[str, int], list[Missed], date]:
    day = as_of(year, quarter)
    board = selectors.dashboard(division, year, department=department, as_of=day)
    missed = _missed(board, year, department, day)
    return board, _summary(board, missed), missed, day


def report_data(division: Division, year: int, quarter: int = YEARLY, *,
                department: Department | None = None) -> ReportData:
    board, summary, missed, day = _figures(division, year, quarter, department)
    py, pq = previous(year, quarter)
    _, before, _, _ = _figures(division, py, pq, department)
    rows = [{"department": r.department.name, **{k: getattr(r, k) for k, _ in DEPARTMENT_COLUMNS}}
            for r in board.active_rows]
    return ReportData(division=division, department=department, year=year, quarter=quarter, as_of=day,
                      board=board, summary=summary, previous_label=period_label(py, pq), previous=before,
                      departments=rows, missed=missed)
