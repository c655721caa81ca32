"""Home-page sections of inspections: an inspector's visits due (date and entity), an
enterprise's notices, a department's lead changes awaiting its agreement (R-C3), the
filings the office and the justice bureau received lately (R-A4, R-Q2), overdue tasks for
the department and the office (R-Q1), and the tasks the office must staff (R-I2)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.predicates import (
    is_dept_admin,
    is_enterprise,
    is_inspector,
    is_office,
    is_planner,
    is_reviewer,
)
from spotcheck.core import clock, workdays
from spotcheck.core.home import DueRow, DueSection, provider
from spotcheck.inspections import selectors, services, violations
from spotcheck.inspections.models import JointInspection

RECENT_FILING_DAYS = 30


def _window_text(start: Any, end: Any) -> str:
    return f"{start:%Y-%m-%d}" if start == end else f"{start:%m-%d}至{end:%m-%d}"


@provider
def inspector_visits_due(user: Any) -> list[DueSection]:
    if not is_inspector(user):
        return []
    rows = []
    for visit in selectors.due_visits_for(user):
        if isinstance(visit, JointInspection):
            what = "联合检查" if visit.is_joint else "合并检查"
            url = reverse("inspections:joint_form", args=[visit.pk])
            text = f"{what}：{visit.entity.name}（牵头：{visit.lead.name}，{visit.item_count} 项）"
        else:
            url = reverse("inspections:task_form", args=[visit.pk])
            text = f"检查：{visit.entity.name}（{visit.department.name}）"
        if visit.status == "in_progress":
            text += "，检查中"
        rows.append(DueRow(text, url, _window_text(visit.window_start, visit.window_end)))
    return [DueSection("我的检查任务", rows, empty_text="暂无待检查的任务。",
                       more_url=reverse("inspections:tasks"))]


@provider
def enterprise_notices(user: Any) -> list[DueSection]:
    if not is_enterprise(user):
        return []
    year = clock.execution_year(clock.today())  # the notices of the inspections under way
    rows = []
    for notice in selectors.notices_for(user).filter(year__gte=year).order_by("window_start", "id")[:10]:
        joint = "联合检查" if len(notice.departments) > 1 else "检查"
        rows.append(DueRow(f"{joint}：{'、'.join(notice.departments)}（牵头：{notice.lead.name}，"
                           f"{len(notice.items)} 项）", reverse("inspections:notices"),
                           _window_text(notice.window_start, notice.window_end)))
    return [DueSection("检查通知", rows, empty_text="暂无检查通知。",
                       more_url=reverse("inspections:notices"))]


@provider
def lead_changes_awaiting(user: Any) -> list[DueSection]:
    if not (is_dept_admin(user) or is_planner(user)) or not user.department_id:
        return []
    if not selectors.lead_change_pending():
        return []
    rows = [DueRow(f"同意由{c.new_lead.name}牵头检查 {c.joint.entity.name}",
                   reverse("inspections:joint_detail", args=[c.joint_id]),
                   _window_text(c.joint.window_start, c.joint.window_end))
            for c in selectors.lead_changes_awaiting(user)[:10]]
    if not rows:
        return []
    return [DueSection("联合检查牵头部门变更", rows, more_url=reverse("inspections:joints"))]


@provider
def filings_received(user: Any) -> list[DueSection]:
    if not is_reviewer(user):
        return []
    since = clock.now() - timedelta(days=RECENT_FILING_DAYS)
    recent = (selectors.filing_list_for(user).filter(created_at__gte=since).select_related(None)
              .select_related("department", "entity")
              .only("reason", "quiet_period", "class_a", "planned_on", "department__name",
                    "entity__name")[:10])
    rows = [DueRow(f"{f.department.name}：{f.entity.name}（{f.reason}，{f.rules_text}）",
                   reverse("inspections:filing_detail", args=[f.pk]), f"{f.planned_on:%Y-%m-%d}")
            for f in recent]
    if not rows:
        return []
    return [DueSection("近期计划外检查备案", rows, more_url=reverse("inspections:filings"))]


@provider
def overdue_inspections(user: Any) -> list[DueSection]:
    if not (is_office(user) or is_dept_admin(user) or is_planner(user)):
        return []
    rows = [DueRow(f"{t.department.name}：{t.entity.name}（{t.get_status_display()}）",
                   reverse("inspections:task_detail", args=[t.pk]),
                   f"截至 {(t.joint.window_end if t.joint else t.window_end):%Y-%m-%d}")
            for t in selectors.overdue_first(user, 10)]
    if not rows:
        return []
    return [DueSection("逾期未完成的检查", rows, more_url=reverse("inspections:tasks") + "?overdue=1")]


@provider
def tasks_to_staff(user: Any) -> list[DueSection]:
    if not is_office(user) or not user.division_id:
        return []
    rows = [DueRow(f"{t.department.name}：{t.entity.name}（无可派检查人员）",
                   reverse("inspections:team_assign", args=[t.pk]),
                   _window_text(t.window_start, t.window_end))
            for t in selectors.tasks_needing_team(user.division_id).select_related(None)
            .select_related("department", "entity")
            .only("window_start", "window_end", "department__name", "entity__name")[:10]]
    if not rows:
        return []
    return [DueSection("待联席办派员的检查", rows, more_url=reverse("inspections:staffing"))]


def _deadline_text(due: Any) -> str:
    left = services.publication_days_left(due)
    unit = "个工作日" if settings.SPOTCHECK_PUBLICATION_WORKING_DAYS else "天"
    gap = ("（该年节假日未收录，仅扣除周末）" if settings.SPOTCHECK_PUBLICATION_WORKING_DAYS
           and workdays.uncovered_years(due, due) else "")
    if left < 0:
        return f"公示截止 {due:%Y-%m-%d}，已逾期{gap}"
    return f"公示截止 {due:%Y-%m-%d}，剩 {left} {unit}{gap}"


@provider
def results_to_review(user: Any) -> list[DueSection]:
    """The lead department's completed visits awaiting its check (R-R2)."""
    if not (is_dept_admin(user) or is_planner(user)) or not user.department_id:
        return []
    rows = []
    for visit in selectors.reviews_awaiting(user, limit=10):
        kind = "joint" if isinstance(visit, JointInspection) else "task"
        rows.append(DueRow(f"审核检查结果：{visit.entity.name}", reverse("inspections:review",
                                                                    args=[kind, visit.pk]),
                           _deadline_text(visit.publish_due) if visit.publish_due else ""))
    if not rows:
        return []
    return [DueSection("待审核的检查结果", rows, more_url=reverse("inspections:reviews"))]


@provider
def publication_deadlines(user: Any) -> list[DueSection]:
    """Completed tasks not yet confirmed whose publication deadline is near or past (R-R2):
    the department's own, the office's division."""
    if not (is_office(user) or is_dept_admin(user) or is_planner(user)):
        return []
    until = workdays.add_days(clock.today(), settings.SPOTCHECK_PUBLICATION_WARN_DAYS,
                              working=settings.SPOTCHECK_PUBLICATION_WORKING_DAYS)
    rows = []
    for task in (selectors.publication_at_risk_for(user, until=until)
                 .only("review_status", "publish_due", "department__name", "entity__name", "joint__id")[:10]):
        rows.append(DueRow(f"⚠ {task.department.name}：{task.entity.name}"
                           f"（{task.get_review_status_display()}）",
                           reverse("inspections:task_detail", args=[task.pk]),
                           _deadline_text(task.publish_due)))
    if not rows:
        return []
    return [DueSection("公示期限将至或已逾期的检查结果（R-R2）", rows)]


@provider
def holiday_calendar_coverage(user: Any) -> list[DueSection]:
    """The office is warned when working-day deadlines (publication R-R2, transfer
    acknowledgement R-R1) run into a year the holiday calendar does not cover: such a year
    counts weekends only, which the office must know rather than trust silently."""
    if not is_office(user):
        return []
    today = clock.today()
    horizon = today + timedelta(days=2 * settings.SPOTCHECK_PUBLICATION_DAYS
                                + settings.SPOTCHECK_PUBLICATION_WARN_DAYS)
    message = workdays.coverage_warning(today, horizon)
    if not message:
        return []
    return [DueSection("⚠ 节假日文件未覆盖期限所在年度", [DueRow(message)])]


@provider
def transfers_to_acknowledge(user: Any) -> list[DueSection]:
    """Violations another department transferred to the user's department (R-R1)."""
    if not (is_dept_admin(user) or is_planner(user)) or not user.department_id:
        return []
    from spotcheck.inspections.models import Violation, ViolationStatus

    rows = [DueRow(f"接收移送：{v.department.name} 移送 {v.uscc}（{v.get_severity_display()}）",
                   reverse("inspections:violation_detail", args=[v.pk]),
                   f"应于 {violations.ack_deadline(timezone.localdate(v.transferred_at)):%Y-%m-%d} 前接收")
            for v in Violation.objects.filter(transfer_to_id=user.department_id,
                                              status=ViolationStatus.TRANSFERRED)
            .select_related("department").only("uscc", "severity", "transferred_at", "department__name")
            .order_by("transferred_at", "id")[:10]
            if v.transferred_at is not None]
    if not rows:
        return []
    return [DueSection("待接收的违法线索移送", rows, more_url=reverse("inspections:violations"))]


@provider
def transfers_escalated(user: Any) -> list[DueSection]:
    """Transfers not acknowledged in time, escalated to the office (R-R1)."""
    if not is_office(user) or not user.division_id:
        return []
    rows = [DueRow(f"⚠ {v.department.name} → {v.transfer_to.name if v.transfer_to else ''}："
                   f"{v.uscc} 逾期未接收", reverse("inspections:violation_detail", args=[v.pk]))
            for v in violations.overdue_transfers(user.division_id)[:10]]
    if not rows:
        return []
    return [DueSection("逾期未接收的违法线索移送", rows, more_url=reverse("inspections:violations"))]
