"""Reads of inspections, scoped to what the user may see, with their joins done.

Scoping (see ``rules.py``): the office and the justice bureau read their division; a
department's administrator and planner read their department's tasks and the visits it takes
part in; an inspector reads what they are on the team of; an enterprise its own notices.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from spotcheck.accounts.divisions import division_codes
from spotcheck.accounts.models import Division
from spotcheck.accounts.predicates import (
    is_dept_admin,
    is_enterprise,
    is_inspector,
    is_office,
    is_planner,
    is_reviewer,
)
from spotcheck.core import clock
from spotcheck.draws.domain.spec import NOT_INSPECTABLE
from spotcheck.inspections.domain import windows
from spotcheck.inspections.models import (
    EnterpriseNotice,
    EntityBurden,
    Filing,
    InspectionTask,
    JointInspection,
    JointParticipant,
    LeadChange,
    LeadChangeStatus,
    ReviewStatus,
    TaskItem,
    TaskMember,
    TaskSource,
    TaskStatus,
)
from spotcheck.planning.hooks import TaskFigures
from spotcheck.registry.models import MarketEntity

OPEN_STATES = [TaskStatus.PENDING, TaskStatus.IN_PROGRESS]


def _division_id(division: Division | str) -> str:
    return division.pk if isinstance(division, Division) else str(division)


def _member_of(user: Any, task_field: str = "pk") -> Exists:
    return Exists(TaskMember.objects.filter(task_id=OuterRef(task_field), inspector__user_id=user.pk))


# --- tasks --------------------------------------------------------------------------------


def task_list_for(user: Any) -> QuerySet[InspectionTask]:
    qs = InspectionTask.objects.select_related("department", "entity", "joint", "draw")
    if is_reviewer(user):
        return qs.filter(division_id=user.division_id)
    if is_dept_admin(user) or is_planner(user):
        return qs.filter(department_id=user.department_id)
    if is_inspector(user):
        return qs.filter(_member_of(user))
    return qs.none()


def task_filter(qs: QuerySet[InspectionTask], *, window: str = "", department: str = "",
                status: str = "", overdue: bool = False) -> QuerySet[InspectionTask]:
    """Filters of the task list: a window (month ``6``, ``YYYY-MM`` or a span: the tasks
    whose own window overlaps it), a department code, a status, overdue (open, window closed)."""
    if window:
        year = int(window[:4]) if len(window) >= 7 and window[:4].isdigit() else clock.today().year
        try:
            w = windows.parse_window(year, window)
        except windows.WindowError:
            return qs.none()
        qs = qs.filter(window_start__lte=w.end, window_end__gte=w.start)
    if department:
        qs = qs.filter(department__code=department)
    if status:
        qs = qs.filter(status=status) if status in TaskStatus.values else qs.none()
    return qs.filter(_overdue()) if overdue else qs


def _overdue() -> Q:
    """Open, and the window of its visit (the joint one once merged) has closed."""
    today = clock.today()
    return Q(status__in=OPEN_STATES) & (Q(joint__isnull=True, window_end__lt=today)
                                        | Q(joint__isnull=False, joint__window_end__lt=today))


def _overdue_parts(today: date) -> tuple[Q, Q]:
    """``_overdue`` as its two disjoint halves, each of which an index serves: tasks that are
    their own visit (``inspections_task_lone_*``: open, window closed) and merged tasks
    (from the joint visits whose window closed)."""
    return (Q(status__in=OPEN_STATES, joint__isnull=True, window_end__lt=today),
            Q(status__in=OPEN_STATES, joint__isnull=False, joint__window_end__lt=today))


def overdue_count(tasks: QuerySet[InspectionTask], today: date | None = None) -> int:
    """How many of ``tasks`` are overdue (as ``_overdue``), counted by halves: a count with
    the two halves or'ed together reads every task of the division (R-Q1)."""
    return sum(tasks.filter(part).count() for part in _overdue_parts(today or clock.today()))


def overdue_first(user: Any, limit: int = 10) -> list[InspectionTask]:
    """The first ``limit`` of ``overdue_tasks_for(user)`` (window end, id), read by halves;
    with the columns a home-page row shows (department, entity, status, the window's end)."""
    scope = _overdue_scope(user).only("window_end", "status", "department__name", "entity__name",
                                      "joint__window_end")
    rows = [t for part in _overdue_parts(clock.today())
            for t in scope.filter(part).order_by("window_end", "id")[:limit]]
    return sorted(rows, key=lambda t: (t.window_end, t.pk))[:limit]


def _overdue_scope(user: Any) -> QuerySet[InspectionTask]:
    """The tasks whose lateness is flagged to the user: the division's to its office, the
    department's to its people."""
    qs = InspectionTask.objects.select_related("department", "entity", "joint")
    if is_office(user):
        return qs.filter(division_id=user.division_id)
    if (is_dept_admin(user) or is_planner(user)) and user.department_id:
        return qs.filter(department_id=user.department_id)
    return qs.none()


def overdue_tasks_for(user: Any) -> QuerySet[InspectionTask]:
    """Open tasks whose visit's window has closed: flagged to their department and to the
    division's office (R-Q1: a result comes within the window)."""
    return _overdue_scope(user).filter(_overdue()).order_by("window_end", "id")


def tasks_needing_team(division: Division | str) -> QuerySet[InspectionTask]:
    """Open tasks of a draw whose entity has fewer than two inspectors on its team (the
    draw escalated it: every inspector conflicted, R-I2): the office staffs them."""
    members = (TaskMember.objects.filter(task__draw_id=OuterRef("draw_id"),
                                         task__entity_id=OuterRef("entity_id"))
               .order_by().values("task__draw_id").annotate(n=Count("pk")).values("n"))
    return (InspectionTask.objects.select_related("department", "entity", "draw")
            .filter(division_id=_division_id(division), status__in=OPEN_STATES, draw__isnull=False)
            .exclude(source__in=[TaskSource.FILING, TaskSource.OUTSIDE])
            .annotate(team_size=Coalesce(Subquery(members, output_field=IntegerField()), 0))
            .filter(team_size__lt=2).order_by("window_start", "id"))


def entity_for_department(department: Any, uscc: str) -> MarketEntity | None:
    """The entity of that USCC if it lies in the department's division (or a division under
    it); None otherwise, as for an unknown USCC (R-S1: nothing about entities out of scope)."""

    return (MarketEntity.objects.select_related("division")
            .filter(uscc=uscc, division_id__in=division_codes([department.division_id])).first())


def task_detail(pk: int) -> InspectionTask:
    return (InspectionTask.objects.select_related("department", "entity", "joint", "draw", "filing",
                                                  "joint__lead")
            .prefetch_related("members__inspector").get(pk=pk))


# --- visits -------------------------------------------------------------------------------


def joint_list_for(user: Any) -> QuerySet[JointInspection]:
    qs = JointInspection.objects.select_related("lead", "entity").exclude(status=TaskStatus.CANCELLED)
    if is_reviewer(user):
        return qs.filter(division_id=user.division_id)
    if is_dept_admin(user) or is_planner(user):
        return qs.filter(Exists(JointParticipant.objects.filter(
            joint_id=OuterRef("pk"), department_id=user.department_id)))
    if is_inspector(user):
        return qs.filter(Exists(TaskMember.objects.filter(task__joint_id=OuterRef("pk"),
                                                          inspector__user_id=user.pk)))
    return qs.none()


def joint_detail(pk: int) -> JointInspection:
    return (JointInspection.objects.select_related("lead", "default_lead", "entity", "division")
            .prefetch_related("participants__department").get(pk=pk))


def pending_lead_change(joint: JointInspection) -> LeadChange | None:
    return (LeadChange.objects.filter(joint=joint, status=LeadChangeStatus.PENDING)
            .select_related("new_lead", "from_lead", "proposed_by")
            .prefetch_related("agreements__department").first())


@dataclass
class FormGroup:
    department: Any
    rows: list[TaskItem]


def form_groups(tasks: Iterable[InspectionTask]) -> list[FormGroup]:
    """The one form: every task's items, grouped by the item's department, lead first."""
    rows = list(TaskItem.objects.filter(task__in=list(tasks))
                .select_related("item", "item__department", "task", "recorded_by")
                .order_by("item__department__code", "task_id", "seq", "id"))
    groups: dict[int, FormGroup] = {}
    for row in rows:
        dept = row.item.department
        groups.setdefault(dept.pk, FormGroup(dept, [])).rows.append(row)
    return list(groups.values())


def due_visits_for(user: Any, *, limit: int = 20) -> list[Any]:
    """An inspector's open visits: joint visits and lone tasks, earliest window first; with
    the columns a home-page row shows (who, what, when, the state)."""
    shown = ("window_start", "window_end", "status", "entity__name")
    joints = list(joint_list_for(user).filter(status__in=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS])
                  .only(*shown, "is_joint", "item_count", "lead__name")
                  .order_by("window_start", "id")[:limit])
    lone = list(task_list_for(user).filter(joint__isnull=True,
                                           status__in=[TaskStatus.PENDING, TaskStatus.IN_PROGRESS])
                .select_related(None).select_related("department", "entity")
                .only(*shown, "department__name").order_by("window_start", "id")[:limit])
    visits: list[Any] = [*joints, *lone]
    return sorted(visits, key=lambda v: (v.window_start, v.pk))[:limit]


def lead_change_pending() -> bool:
    """Whether any lead change waits for agreement. Rare, and then for a few days: the home
    pages ask this first, and the list (four tables joined, a subquery) only when one does."""
    return LeadChange.objects.filter(status=LeadChangeStatus.PENDING).exists()


def lead_changes_awaiting(user: Any) -> QuerySet[LeadChange]:
    """Pending lead changes of visits the user's department takes part in, not yet agreed by it."""
    return (LeadChange.objects.filter(status=LeadChangeStatus.PENDING,
                                      joint__participants__department_id=user.department_id)
            .exclude(agreements__department_id=user.department_id)
            .select_related("joint", "joint__entity", "new_lead")
            .only("joint__window_start", "joint__window_end", "joint__entity__name", "new_lead__name")
            .order_by("proposed_at", "id"))


# --- the review of results and the publication deadline (R-R2) -----------------------------


def _lone() -> Q:
    """Tasks that are their own visit (never merged, or their joint was dissolved)."""
    return Q(joint__isnull=True) | Q(joint__status=TaskStatus.CANCELLED)


def reviews_awaiting(user: Any, *, limit: int = 200) -> list[Any]:
    """Completed visits the user's department leads whose results await its check, the
    nearest publication deadline first: joint visits and lone tasks."""
    if not (is_dept_admin(user) or is_planner(user)) or not user.department_id:
        return []
    # With what a row shows (the entity's name, the USCC, the deadline): the lists are on
    # every lead's home page.
    shown = ("uscc", "publish_due", "entity__name")
    joints = list(JointInspection.objects.select_related("entity").only(*shown)
                  .filter(lead_id=user.department_id, review_status=ReviewStatus.PENDING)
                  .order_by("publish_due", "id")[:limit])
    lone = list(InspectionTask.objects.select_related("entity").only(*shown)
                .filter(_lone(), department_id=user.department_id,
                        review_status=ReviewStatus.PENDING).order_by("publish_due", "id")[:limit])
    visits: list[Any] = [*joints, *lone]
    return sorted(visits, key=lambda v: (v.publish_due, v.pk))[:limit]


def publication_at_risk_for(user: Any, *, until: Any) -> QuerySet[InspectionTask]:
    """Completed tasks not yet confirmed whose publication deadline falls on or before
    ``until`` (or has passed): the department's own, the office's division (R-R2)."""
    qs = (InspectionTask.objects.select_related("department", "entity", "joint")
          .filter(publish_due__isnull=False, publish_due__lte=until)
          .exclude(review_status=ReviewStatus.CONFIRMED).exclude(status=TaskStatus.CANCELLED)
          .order_by("publish_due", "id"))
    if is_office(user):
        return qs.filter(division_id=user.division_id)
    if (is_dept_admin(user) or is_planner(user)) and user.department_id:
        return qs.filter(department_id=user.department_id)
    return qs.none()


# --- filings, notices, burden -------------------------------------------------------------


def filing_list_for(user: Any) -> QuerySet[Filing]:
    qs = Filing.objects.select_related("department", "entity", "created_by", "task")
    if is_reviewer(user):
        return qs.filter(division_id=user.division_id)
    if is_dept_admin(user) or is_planner(user):
        return qs.filter(department_id=user.department_id)
    return qs.none()


def notices_for(user: Any, *, current_only: bool = True) -> QuerySet[EnterpriseNotice]:
    if not is_enterprise(user) or not user.enterprise_uscc:
        return EnterpriseNotice.objects.none()
    qs = EnterpriseNotice.objects.filter(uscc=user.enterprise_uscc).select_related("lead", "entity")
    return qs.filter(is_current=True) if current_only else qs


def burden_list_for(user: Any, year: int) -> QuerySet[EntityBurden]:
    """Entities' burden in the year, for the entities the user's tasks touch (the office and
    the justice bureau: every task of their division)."""
    qs = EntityBurden.objects.filter(year=year).select_related("entity")
    tasks = task_list_for(user).filter(year=year)
    return qs.filter(Exists(tasks.filter(entity_id=OuterRef("entity_id"))))


def burden_of(uscc: str, year: int) -> EntityBurden | None:
    return EntityBurden.objects.filter(uscc=uscc, year=year).first()


def open_tasks_of_draw(draw_id: int) -> int:
    """The tasks of a draw not yet completed or cancelled (R-P1: a plan completes without)."""
    return (InspectionTask.objects.filter(draw_id=draw_id)
            .exclude(status__in=[TaskStatus.COMPLETED, TaskStatus.CANCELLED]).count())


def window_savings(division: Division | str, year: int) -> dict[str, Any]:
    """What merging saved in a division's year: joint inspections (more than one department),
    merged visits, visits without merging, actual visits, and the difference; tasks closed
    by an adopted result (``recognised``, R-R3) make no visit."""
    division_id = _division_id(division)
    tasks = (InspectionTask.objects.filter(division_id=division_id, year=year)
             .exclude(status=TaskStatus.CANCELLED))
    counts = tasks.aggregate(
        n=Count("id"), merged=Count("joint", distinct=True),
        multi=Count("joint", distinct=True, filter=Q(joint__is_joint=True)),
        # R-R3: a task closed by an adopted result (结果互认) makes no visit.
        lone=Count("id", filter=Q(joint__isnull=True, recognition__isnull=True)),
        recognised=Count("id", filter=Q(recognition__isnull=False)),
        n_entities=Count("entity", distinct=True))
    before = counts["n"]
    after = counts["merged"] + counts["lone"]
    return {"division": division_id, "year": year, "tasks": before,
            "entities": counts["n_entities"], "joint_inspections": counts["multi"],
            "merged_visits": counts["merged"], "visits_before": before, "visits_after": after,
            "visits_saved": before - after, "recognised": counts["recognised"]}


def class_c_coverage(division: Division | str, year: int) -> dict[str, int]:
    """R-C2: class-C entities of the division (and its counties) with a task this year."""
    division_id = _division_id(division)
    population = MarketEntity.objects.filter(
        division_id__in=division_codes([division_id]), library_class="C").exclude(
        status__in=list(NOT_INSPECTABLE))
    total = population.count()
    covered = population.filter(Exists(InspectionTask.objects.filter(
        entity_id=OuterRef("pk"), year=year).exclude(status=TaskStatus.CANCELLED))).count()
    return {"class_c": total, "covered": covered}


# What planning reads of the tasks (registered by dotted path in InspectionsConfig.ready).
TASK_FIGURES = TaskFigures(window_savings=window_savings, open_tasks_of_draw=open_tasks_of_draw)
