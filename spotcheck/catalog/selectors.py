"""Reads of the item list, scoped and with their joins done.

Planning calls ``items_for_planning`` (R-P1: every item of the year needs a plan) and
``joint_list_items`` (the class-A joint list the office draws on); reviews call
``item_by_code``; the public portal calls ``public_filings``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.predicates import (
    is_dept_admin,
    is_inspector,
    is_planner,
    is_reviewer,
)
from spotcheck.catalog.models import FilingKind, InspectionItem, ItemListFiling, PowerEntry
from spotcheck.core.domain.deadlines import deadline_in


def item_list_deadline(year: int) -> date:
    """R-L2: lists are filed by the end of March of their year (configurable)."""
    return deadline_in(year, getattr(settings, "SPOTCHECK_ITEM_LIST_DEADLINE", "03-31"))


def _scope(user: Any, *, inspectors_too: bool = True) -> Q | None:
    if is_reviewer(user):
        return Q(department__division_id=user.division_id)
    if is_dept_admin(user) or is_planner(user) or (inspectors_too and is_inspector(user)):
        return Q(department_id=user.department_id)
    return None


def item_list_for(user: Any) -> QuerySet[InspectionItem]:
    qs = (InspectionItem.objects.select_related("department", "power_entry")
          .order_by("-year", "department_id", "code", "id"))
    scope = _scope(user)
    return qs.filter(scope) if scope is not None else qs.none()


def item_filter(qs: QuerySet[InspectionItem], *, department: Any = None, year: Any = None,
                klass: str = "", joint: bool | None = None, active: bool | None = None,
                search: str = "") -> QuerySet[InspectionItem]:
    if department:
        qs = qs.filter(department_id=department)
    if year:
        qs = qs.filter(year=year)
    if klass in ("A", "B", "C"):
        # JSON "contains" differs between SQLite and PostgreSQL; the list is short text.
        qs = qs.filter(applicable_classes__icontains=f'"{klass}"')
    if joint is not None:
        qs = qs.filter(in_joint_list=joint)
    if active is not None:
        qs = qs.filter(is_active=active)
    if search:
        qs = qs.filter(Q(name__contains=search) | Q(code__startswith=search))
    return qs


def power_entry_list_for(user: Any) -> QuerySet[PowerEntry]:
    qs = PowerEntry.objects.select_related("department").order_by("department_id", "code", "id")
    scope = _scope(user)
    return qs.filter(scope) if scope is not None else qs.none()


def filing_list_for(user: Any) -> QuerySet[ItemListFiling]:
    qs = ItemListFiling.objects.select_related("department", "filed_by").order_by(
        "-filed_at", "-id")
    scope = _scope(user, inspectors_too=False)
    return qs.filter(scope) if scope is not None else qs.none()


# --- what planning and the draws use ---------------------------------------------------


def items_for_planning(department: Department | int, year: int) -> QuerySet[InspectionItem]:
    """The department's active items of ``year``: each needs a plan (R-P1)."""
    return (InspectionItem.objects.select_related("power_entry", "department")
            .filter(department_id=getattr(department, "pk", department), year=year,
                    is_active=True).order_by("code"))


def joint_list_items(division: Division | str, year: int) -> QuerySet[InspectionItem]:
    """The class-A joint item list of a division's departments (R-A3, R-L2): what the
    office's joint draws combine into one visit."""
    return (InspectionItem.objects.select_related("power_entry", "department")
            .filter(department__division_id=getattr(division, "pk", division), year=year,
                    is_active=True, in_joint_list=True)
            .order_by("department__seq", "code"))


def item_by_code(department: Department | int, year: int, code: str) -> InspectionItem | None:
    return (InspectionItem.objects.select_related("power_entry", "department")
            .filter(department_id=getattr(department, "pk", department), year=year, code=code)
            .first())


def latest_filing(department: Department | int, year: int,
                  kind: str = FilingKind.ANNUAL) -> ItemListFiling | None:
    return (ItemListFiling.objects.select_related("department", "filed_by")
            .filter(department_id=getattr(department, "pk", department), year=year, kind=kind)
            .order_by("-revision").first())


def public_filings(year: int, *, kind: str = FilingKind.ANNUAL,
                   division: str | None = None) -> list[ItemListFiling]:
    """The latest filing of each department for ``year``: what the public reads (R-L1)."""
    qs = (ItemListFiling.objects.select_related("department", "department__division")
          .filter(year=year, kind=kind).order_by("department__division_id", "department__seq",
                                                 "-revision"))
    if division:
        qs = qs.filter(department__division_id=division)
    latest: dict[int, ItemListFiling] = {}
    for filing in qs.defer("snapshot"):
        latest.setdefault(filing.department_id, filing)
    return list(latest.values())


@dataclass(frozen=True)
class FilingStatus:
    department: Department
    year: int
    kind: str
    deadline: date
    filing: ItemListFiling | None
    overdue: bool


def filing_status(departments: Iterable[Department], year: int, today: date,
                  kind: str = FilingKind.ANNUAL) -> list[FilingStatus]:
    """Per department: filed (latest revision), or overdue after the deadline (R-L2)."""
    departments = list(departments)
    deadline = item_list_deadline(year)
    filed: dict[int, ItemListFiling] = {}
    for filing in (ItemListFiling.objects.filter(department__in=departments, year=year, kind=kind)
                   .defer("snapshot").order_by("department_id", "-revision")):
        filed.setdefault(filing.department_id, filing)
    return [FilingStatus(d, year, kind, deadline, filed.get(d.pk),
                         d.pk not in filed and today > deadline)
            for d in departments]


def overdue_count(departments: QuerySet[Department], year: int, today: date,
                  kind: str = FilingKind.ANNUAL) -> int:
    """How many of the departments are overdue with the year's list (R-L2), as
    ``filing_status`` tells it one by one: none, without a query, until the deadline has
    passed; then one count."""
    if today <= item_list_deadline(year):
        return 0
    filed = ItemListFiling.objects.filter(department=OuterRef("pk"), year=year, kind=kind)
    return departments.order_by().exclude(Exists(filed)).count()
