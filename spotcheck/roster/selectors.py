"""Reads of the inspector roster, scoped and with their joins done.

The draws and planning apps call ``drawable_inspectors``, ``roster_lines`` and
``conflict_lines``: the SCD-1 ``roster.csv`` and ``conflicts.csv`` of a draw come from here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from spotcheck.accounts.models import Department
from spotcheck.accounts.predicates import (
    is_dept_admin,
    is_inspector,
    is_planner,
    is_reviewer,
)
from spotcheck.core.domain.deadlines import deadline_in, is_overdue
from spotcheck.roster.domain.rules import RosterLine, roster_line
from spotcheck.roster.models import (
    ConfirmationScope,
    Conflict,
    Inspector,
    InspectorKind,
    RosterConfirmation,
    Tag,
    TrainingAttendance,
    TrainingCourse,
    TrainingSession,
)


def roster_deadline(year: int) -> date:
    """R-I3: rosters are confirmed every year by the end of March (configurable)."""
    return deadline_in(year, getattr(settings, "SPOTCHECK_ROSTER_DEADLINE", "03-31"))


def _department_scope(user: Any, via: str = "") -> Q | None:
    """Rows of the departments the user may read (``via``: path to the department's
    holder, e.g. ``inspector__``); None: no department-wide reading."""
    if is_reviewer(user):
        return Q(**{f"{via}department__division_id": user.division_id})
    if is_dept_admin(user) or is_planner(user):
        return Q(**{f"{via}department_id": user.department_id})
    return None


def inspector_list_for(user: Any) -> QuerySet[Inspector]:
    """Inspectors the user may read: own department; the whole division for office/justice;
    an inspector only their own record."""
    qs = Inspector.objects.select_related("department", "user").order_by("certificate_no")
    scope = _department_scope(user)
    if scope is not None:
        return qs.filter(scope)
    if is_inspector(user):
        return qs.filter(user_id=user.pk)
    return qs.none()


def inspector_filter(qs: QuerySet[Inspector], *, department: Any = None, kind: str = "",
                     tag: str = "", active: bool | None = None, joint_pool: bool | None = None,
                     search: str = "") -> QuerySet[Inspector]:
    """The roster list's filters (department id, kind, tag code, active, joint pool, text)."""
    if department:
        qs = qs.filter(department_id=department)
    if kind:
        qs = qs.filter(kind=kind)
    if tag:
        qs = qs.filter(tags__code=tag).distinct()
    if active is not None:
        qs = qs.filter(is_active=active)
    if joint_pool is not None:
        qs = qs.filter(in_joint_pool=joint_pool)
    if search:
        qs = qs.filter(Q(name__contains=search) | Q(certificate_no__startswith=search))
    return qs


def inspector_for_user(user: Any) -> Inspector | None:
    """The roster record linked to a sign-in account (an inspector's own record)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (Inspector.objects.select_related("department").prefetch_related("tags")
            .filter(user_id=user.pk).first())


def tag_list(department: Department | int, *, active_only: bool = False) -> QuerySet[Tag]:
    qs = Tag.objects.select_related("department").filter(
        department_id=getattr(department, "pk", department)).order_by("code")
    return qs.filter(is_active=True) if active_only else qs


def tag_list_for(user: Any) -> QuerySet[Tag]:
    scope = _department_scope(user)
    qs = Tag.objects.select_related("department").order_by("department_id", "code")
    return qs.filter(scope) if scope is not None else qs.none()


def conflict_list_for(user: Any, *, active_only: bool = True) -> QuerySet[Conflict]:
    qs = Conflict.objects.select_related("inspector", "inspector__department", "declared_by")
    if active_only:
        qs = qs.filter(withdrawn_at__isnull=True)
    scope = _department_scope(user, "inspector__")
    if scope is not None:
        return qs.filter(scope)
    if is_inspector(user):
        return qs.filter(inspector__user_id=user.pk)
    return qs.none()


# --- what the draws use --------------------------------------------------------------


def drawable_inspectors(department: Department | int | Iterable[Department | int] | None,
                        on_date: date, *, include_experts: bool = False,
                        joint_pool_only: bool = False) -> QuerySet[Inspector]:
    """Inspectors who may be drawn on ``on_date``: on the roster, certificate valid that day,
    enforcement staff only unless ``include_experts`` (R-I2: experts come on top of the two
    enforcement inspectors a team needs); ``joint_pool_only`` for the office's joint draws
    (R-I3). ``department``: one department, several, or None for all."""
    qs = (Inspector.objects.select_related("department")
          .filter(is_active=True)
          .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on_date)))
    if department is not None:
        ids = ([getattr(d, "pk", d) for d in department]
               if isinstance(department, Iterable) else [getattr(department, "pk", department)])
        qs = qs.filter(department_id__in=ids)
    if not include_experts:
        qs = qs.exclude(kind=InspectorKind.EXPERT)
    if joint_pool_only:
        qs = qs.filter(in_joint_pool=True)
    return qs.exclude(untrained_for_draw(on_date)).order_by("certificate_no")


def untrained_for_draw(on_date: date) -> Exists:
    """R-S5: true for an inspector whose department requires a training (an active course
    marked ``required_for_draw``) that the inspector has not passed in a session held on or
    before ``on_date``. The draws' pool is formed without them, before any commitment, so the
    roster a draw publishes is the pool it drew from (DRAW.md: the roster is an input)."""
    passed = (TrainingAttendance.objects
              .filter(inspector_id=OuterRef(OuterRef("pk")), passed=True,
                      session__held_on__lte=on_date)
              .values("session__course_id"))
    missing = (TrainingCourse.objects
               .filter(department_id=OuterRef("department_id"), required_for_draw=True,
                       is_active=True)
               .exclude(pk__in=passed))
    return Exists(missing)


def trainings_of(inspector: Inspector) -> QuerySet[TrainingAttendance]:
    """The inspector's attendances, newest session first (the roster's inspector page)."""
    return (TrainingAttendance.objects.filter(inspector=inspector)
            .select_related("session__course").order_by("-session__held_on", "session__code"))


def missing_required_trainings(inspector: Inspector, on_date: date) -> list[TrainingCourse]:
    """The required courses of the inspector's department not passed by ``on_date``."""
    passed = set(TrainingAttendance.objects.filter(
        inspector=inspector, passed=True, session__held_on__lte=on_date)
        .values_list("session__course_id", flat=True))
    return [c for c in TrainingCourse.objects.filter(
        department_id=inspector.department_id, required_for_draw=True, is_active=True)
        if c.pk not in passed]


def courses_for(user: Any) -> QuerySet[TrainingCourse]:
    qs = TrainingCourse.objects.select_related("department").order_by("department_id", "code")
    scope = _department_scope(user)
    return qs.filter(scope) if scope is not None else qs.none()


def sessions_for(user: Any) -> QuerySet[TrainingSession]:
    qs = TrainingSession.objects.select_related("course__department").order_by("-held_on", "code")
    scope = _department_scope(user, "course__")
    return qs.filter(scope) if scope is not None else qs.none()


def roster_lines(department_ids: Iterable[int] | None, on_date: date, *,
                 include_experts: bool = False, joint_pool_only: bool = False
                 ) -> list[RosterLine]:
    """SCD-1 ``roster.csv`` lines ``(inspector_id, dept_code, sorted tags)`` of the drawable
    inspectors, sorted by inspector id (= by line bytes: ids are ASCII and a line continues
    with ``,``, which sorts before every id character). Only active tags are listed.

    Sorted in Python, not by the database: PostgreSQL collations do not sort by bytes.
    """
    inspectors = drawable_inspectors(list(department_ids) if department_ids is not None else None,
                                     on_date, include_experts=include_experts,
                                     joint_pool_only=joint_pool_only)
    rows = list(inspectors.values_list("pk", "certificate_no", "department__code"))
    tags: dict[int, list[str]] = defaultdict(list)
    through = Inspector.tags.through.objects.filter(
        inspector_id__in=inspectors.values("pk"), tag__is_active=True)
    for inspector_id, code in through.values_list("inspector_id", "tag__code"):
        tags[inspector_id].append(code)
    return sorted(roster_line(cert, dept, tags.get(pk, ())) for pk, cert, dept in rows)


def conflict_lines(department_ids: Iterable[int] | None, on_date: date, *,
                   include_experts: bool = False, joint_pool_only: bool = False,
                   usccs: Iterable[str] | None = None) -> list[tuple[str, str]]:
    """SCD-1 ``conflicts.csv`` lines ``(uscc, inspector_id)``: declarations in force of the
    inspectors that ``roster_lines`` lists with the same arguments, sorted by bytes.
    ``usccs`` narrows to those entities (the draw's population) when given."""
    inspectors = drawable_inspectors(list(department_ids) if department_ids is not None else None,
                                     on_date, include_experts=include_experts,
                                     joint_pool_only=joint_pool_only)
    qs = Conflict.objects.filter(withdrawn_at__isnull=True, inspector__in=inspectors.values("pk"))
    pairs = set(qs.values_list("uscc", "inspector__certificate_no"))
    if usccs is not None:
        wanted = set(usccs)
        pairs = {p for p in pairs if p[0] in wanted}
    return sorted(pairs)


CONFLICT_LOOKUP = 1000  # entities named in the query; more are compared after reading


def conflicts_in_force(usccs: Iterable[str], inspector_ids: Iterable[int] | None = None
                       ) -> set[tuple[str, int]]:
    """``(uscc, inspector id)`` of the declarations in force for these entities (and these
    inspectors when given): whoever puts an inspector on an entity's team asks here (R-I2)."""
    wanted = set(usccs)
    qs = Conflict.objects.filter(withdrawn_at__isnull=True)
    if inspector_ids is not None:
        qs = qs.filter(inspector_id__in=sorted(set(inspector_ids)))
    if len(wanted) <= CONFLICT_LOOKUP:
        qs = qs.filter(uscc__in=sorted(wanted))
    # The entities of a large draw (tens of thousands) are compared here rather than sent as a
    # list: the declarations in force are few, a statement naming every entity is not.
    return {(uscc, inspector) for uscc, inspector in qs.values_list("uscc", "inspector_id") if uscc in wanted}


# --- yearly confirmation (R-I3) --------------------------------------------------------


@dataclass(frozen=True)
class ConfirmationStatus:
    department: Department
    year: int
    deadline: date
    confirmation: RosterConfirmation | None
    overdue: bool

    @property
    def confirmed(self) -> bool:
        return self.confirmation is not None


def confirmation_status(departments: Iterable[Department], year: int, today: date, *,
                        scope: str = ConfirmationScope.DEPARTMENT) -> list[ConfirmationStatus]:
    """Per department: confirmed this year, or overdue after the deadline (end of March)."""
    departments = list(departments)
    done = {c.department_id: c for c in RosterConfirmation.objects.select_related("confirmed_by")
            .filter(department__in=departments, year=year, scope=scope)}
    deadline = roster_deadline(year)
    month_day = f"{deadline:%m-%d}"
    return [ConfirmationStatus(d, year, deadline, done.get(d.pk),
                               is_overdue(confirmed=d.pk in done, today=today, year=year,
                                          month_day=month_day))
            for d in departments]


def overdue_count(departments: QuerySet[Department], year: int, today: date, *,
                  scope: str = ConfirmationScope.DEPARTMENT) -> int:
    """How many of the departments are overdue with the year's confirmation (R-I3), as
    ``confirmation_status`` tells it one by one: none, without a query, until the deadline
    has passed; then one count."""
    if today <= roster_deadline(year):
        return 0
    done = RosterConfirmation.objects.filter(department=OuterRef("pk"), year=year, scope=scope)
    return departments.order_by().exclude(Exists(done)).count()


def departments_keeping_rosters(user: Any) -> QuerySet[Department]:
    """The departments whose roster status the user follows (own; or the division's)."""
    qs = Department.objects.select_related("division").order_by("division_id", "seq")
    if is_reviewer(user):
        return qs.filter(division_id=user.division_id)
    if user.department_id:
        return qs.filter(pk=user.department_id)
    return qs.none()
