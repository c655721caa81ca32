"""One calendar of the year's deadlines, computed from the records of every app.

- end of March (configurable per division in the planning calendar): the item lists filed
  (R-L2), each department's roster confirmed (R-I1, R-I3), the year's plans entered (R-P2);
- the inspection windows: open tasks by the last day of their window (R-Q1);
- the 20 working days to publish a confirmed result (R-R2, ``InspectionTask.publish_due``);
- the acknowledgement of a transferred case (``SPOTCHECK_TRANSFER_ACK_DAYS`` working days);
- the answer to an objection to a published result (``Objection.answer_due``).

Each deadline says whose it is (a department, and for windows the inspectors on the teams),
whether it is done, and where the work is. Reads only: the services decide who is told.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, Min, OuterRef
from django.urls import reverse
from django.utils import timezone

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import Role
from spotcheck.catalog.models import FilingKind, ItemListFiling
from spotcheck.inspections.models import (
    InspectionTask,
    ReviewStatus,
    TaskMember,
    TaskStatus,
    Violation,
    ViolationStatus,
)
from spotcheck.inspections.violations import ack_deadline
from spotcheck.planning.models import Plan, PlanStatus
from spotcheck.planning.selectors import calendar_for
from spotcheck.publicity.models import Objection, ObjectionStatus, PublishedResult
from spotcheck.reminders.models import Kind
from spotcheck.roster.models import ConfirmationScope, RosterConfirmation


@dataclass(frozen=True)
class Deadline:
    key: str
    kind: str
    title: str
    due: date
    department_id: int | None
    division_id: str
    done: bool
    url: str = ""
    count: int = 1
    # inspectors told in person (window deadlines: the team members with an account)
    user_ids: tuple[int, ...] = ()
    # people told only once it is overdue (the enterprise waiting for an objection's answer)
    overdue_user_ids: tuple[int, ...] = ()
    overdue_url: str = ""

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label

    def overdue_on(self, day: date) -> bool:
        return not self.done and day > self.due


def _working_departments() -> list[Department]:
    """Departments with a planner or a department administrator: whoever has deadlines."""
    ids = set(User.objects.filter(role__in=[Role.PLANNER, Role.DEPT_ADMIN], is_active=True,
                                  department__isnull=False).values_list("department_id", flat=True))
    return list(Department.objects.filter(pk__in=ids).select_related("division")
                .order_by("division_id", "seq"))


def march_deadlines(year: int, departments: list[Department] | None = None) -> list[Deadline]:
    """The end-of-March deadlines of ``year`` for each working department."""
    departments = _working_departments() if departments is None else departments
    ids = [d.pk for d in departments]
    filed = dict(ItemListFiling.objects.filter(year=year, kind=FilingKind.ANNUAL, department_id__in=ids)
                 .values("department_id").annotate(first=Min("filed_at"))
                 .values_list("department_id", "first"))
    confirmed = set(RosterConfirmation.objects.filter(
        year=year, scope=ConfirmationScope.DEPARTMENT, department_id__in=ids)
        .values_list("department_id", flat=True))
    entered = set(Plan.objects.filter(year=year, department_id__in=ids)
                  .exclude(status=PlanStatus.DRAFT).values_list("department_id", flat=True))
    calendars: dict[str, Any] = {}
    out: list[Deadline] = []
    for d in departments:
        cal = calendars.get(d.division_id)
        if cal is None:
            cal = calendars[d.division_id] = calendar_for(d.division_id, year)
        out += [
            Deadline(f"item_list:{year}:{d.pk}", Kind.ITEM_LIST, f"{d.name}报送 {year} 年随机抽查事项清单",
                     cal.list_filing_deadline, d.pk, d.division_id, d.pk in filed,
                     reverse("catalog:filings")),
            Deadline(f"roster:{year}:{d.pk}", Kind.ROSTER, f"{d.name}确认 {year} 年执法检查人员名录库",
                     cal.roster_deadline, d.pk, d.division_id, d.pk in confirmed,
                     reverse("roster:confirmations")),
            Deadline(f"plan:{year}:{d.pk}", Kind.PLAN, f"{d.name}录入 {year} 年度抽查计划",
                     cal.plan_deadline, d.pk, d.division_id, d.pk in entered, reverse("planning:plans")),
        ]
    return out


def window_deadlines(today: date, horizon: int = 31) -> list[Deadline]:
    """Open tasks by the last day of their window, per department and day, from a month
    back (the overdue) to ``horizon`` days ahead; inspectors on the teams are named."""
    open_tasks = InspectionTask.objects.filter(status__in=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS],
                                               window_end__gte=today - timedelta(days=31),
                                               window_end__lte=today + timedelta(days=horizon))
    groups = (open_tasks.values("department_id", "division_id", "window_end")
              .annotate(n=Count("id")).order_by("window_end", "department_id"))
    members: dict[tuple[int, date], set[int]] = defaultdict(set)
    for dept, end, user_id in (TaskMember.objects.filter(task__in=open_tasks, inspector__user__isnull=False)
                               .values_list("task__department_id", "task__window_end", "inspector__user_id")):
        members[(dept, end)].add(user_id)
    names = dict(Department.objects.values_list("pk", "name"))
    url = reverse("inspections:tasks")
    return [Deadline(f"window:{g['department_id']}:{g['window_end']:%Y%m%d}", Kind.WINDOW,
                     f"{names[g['department_id']]}有 {g['n']} 项检查任务须在 "
                     f"{g['window_end']:%m月%d日}前完成",
                     g["window_end"], g["department_id"], g["division_id"], False, url, g["n"],
                     tuple(sorted(members[(g["department_id"], g["window_end"])])))
            for g in groups]


def publication_deadlines(today: date, horizon: int = 31) -> list[Deadline]:
    """Confirmed results not yet published, per department and last day (R-R2: 20 working days)."""
    published = PublishedResult.objects.filter(task_id=OuterRef("pk"))
    pending = (InspectionTask.objects.filter(review_status=ReviewStatus.CONFIRMED, publish_due__isnull=False,
                                             publish_due__lte=today + timedelta(days=horizon))
               .exclude(Exists(published)))
    groups = (pending.values("department_id", "division_id", "publish_due").annotate(n=Count("id"))
              .order_by("publish_due", "department_id"))
    names = dict(Department.objects.values_list("pk", "name"))
    url = reverse("publication:queue")
    return [Deadline(f"publication:{g['department_id']}:{g['publish_due']:%Y%m%d}", Kind.PUBLICATION,
                     f"{names[g['department_id']]}有 {g['n']} 项检查结果须在 "
                     f"{g['publish_due']:%m月%d日}前公示",
                     g["publish_due"], g["department_id"], g["division_id"], False, url, g["n"])
            for g in groups]


def transfer_deadlines() -> list[Deadline]:
    """Cases transferred and not yet acknowledged by the receiving department."""
    out = []
    for v in (Violation.objects.filter(status=ViolationStatus.TRANSFERRED, transfer_to__isnull=False,
                                       transferred_at__isnull=False)
              .select_related("transfer_to").order_by("transferred_at", "id")):
        assert v.transferred_at is not None and v.transfer_to is not None
        due = ack_deadline(timezone.localdate(v.transferred_at))
        out.append(Deadline(f"transfer:{v.pk}", Kind.TRANSFER,
                            f"{v.transfer_to.name}接收移送案件（{v.uscc}）", due, v.transfer_to_id,
                            v.transfer_to.division_id, False,
                            reverse("inspections:violation_detail", args=[v.pk])))
    return out


def objection_deadlines() -> list[Deadline]:
    """Objections to published results waiting for the department's answer; the enterprise
    that objected is told once the answer is late."""
    return [Deadline(f"objection:{o.pk}", Kind.OBJECTION, f"{o.department.name}答复异议（{o.uscc}）",
                     o.answer_due, o.department_id, o.department.division_id, False,
                     reverse("publication:objection", args=[o.pk]),
                     overdue_user_ids=(o.filed_by_id,), overdue_url=reverse("publication:objections"))
            for o in Objection.objects.filter(status=ObjectionStatus.OPEN).select_related("department")
            .order_by("answer_due", "id")]


def open_deadlines(today: date) -> list[Deadline]:
    """Everything that chases someone on ``today``: the end-of-March deadlines of the year in
    execution and of the planning year, and the running deadlines."""
    years = sorted({today.year, today.year + 1 if today.month >= 10 else today.year})
    departments = _working_departments()
    out: list[Deadline] = []
    for year in years:
        out += march_deadlines(year, departments)
    out += window_deadlines(today) + publication_deadlines(today)
    out += transfer_deadlines() + objection_deadlines()
    return out


def year_calendar(year: int, today: date, department_ids: set[int] | None = None,
                  division_ids: set[str] | None = None) -> list[Deadline]:
    """The calendar page: the year's deadlines that concern these departments (or
    divisions), done or not, by date."""
    items = march_deadlines(year)
    if today.year == year:
        items += (window_deadlines(today) + publication_deadlines(today) + transfer_deadlines()
                  + objection_deadlines())
    if department_ids is not None:
        items = [d for d in items if d.department_id in department_ids]
    if division_ids is not None:
        items = [d for d in items if d.division_id in division_ids]
    return sorted(items, key=lambda d: (d.due, d.kind, d.key))

