"""The oversight dashboard (R-S2, R-S3): one page for a division's year, or one department
of it; every chart has its table beside it, which is the page without JavaScript."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.predicates import is_reviewer
from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.oversight import selectors


def _year(request: HttpRequest) -> int:
    """The year asked for (one of the picker's), else the planning year, as on the coverage
    page (from October: next year's plans, and the tasks of the draws made for them)."""
    years = clock.years_around(clock.today())
    raw = request.GET.get("year", "")
    if raw.isdigit() and int(raw) in years:
        return int(raw)
    return clock.planning_year(clock.today())


def _scope(request: HttpRequest) -> tuple[Division, Department | None]:
    """The division and department asked for: a reviewer's own division by default, a
    department user's own department always (another one is refused by the rules)."""
    user: Any = request.user
    g = request.GET
    department: Department | None = None
    if g.get("department", ""):
        department = Department.objects.select_related("division").filter(code=g["department"]).first()
        if department is None:
            raise Http404("没有该部门。")
    elif not is_reviewer(user):
        department = user.department
        if department is None:
            raise PermissionDenied
    if department is not None:
        return department.division, department
    code = g.get("division", "") or user.division_id
    division = Division.objects.filter(pk=code).first()
    if division is None:
        raise Http404("没有该行政区划。")
    return division, None


@require_perm("oversight.view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    division, department = _scope(request)
    if not user.has_perm("oversight.view_dashboard", (division, department)):
        raise PermissionDenied
    year = _year(request)
    board = selectors.dashboard(division, year, department=department)
    return render(request, "oversight/dashboard.html", {
        "board": board, "year": year, "years": clock.years_around(clock.today()),
        "charts": selectors.chart_data(board),
        "is_reviewer": is_reviewer(user),
        "own_division": division.pk == user.division_id,
        "parent": division.parent if is_reviewer(user) and division.pk != user.division_id else None,
    })
