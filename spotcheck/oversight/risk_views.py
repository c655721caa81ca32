"""Pages of results across departments (R-R3) and risk (R-R4): the entity lookup before
planning, the joint-punishment list, the office's risk warnings. Phone-sized tables."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.oversight import risk
from spotcheck.oversight.views import _year


def _division(request: HttpRequest) -> str:
    user: Any = request.user
    if not user.division_id:
        raise PermissionDenied
    return str(user.division_id)


def _execution_year(request: HttpRequest) -> int:
    """Results and violations are of the year inspected: the year asked for, else this year."""
    raw = request.GET.get("year", "")
    return _year(request) if raw else clock.today().year


@require_perm("oversight.view_entity_results")
def entity_results(request: HttpRequest) -> HttpResponse:
    uscc = request.GET.get("uscc", "").strip().upper()
    entity = risk.entity_in_scope(request.user, uscc) if uscc else None
    error = ""
    if uscc and entity is None:
        error = f"统一社会信用代码“{uscc}”：本行政区划的监管库中没有该市场主体。"
    return render(request, "oversight/entity_results.html", {
        "uscc": uscc, "entity": entity, "error": error,
        "results": risk.entity_results(entity) if entity is not None else [],
    })


@require_perm("oversight.view_joint_punishment")
def joint_punishment(request: HttpRequest) -> HttpResponse:
    year = _execution_year(request)
    return render(request, "oversight/joint_punishment.html", {
        "rows": risk.joint_punishment(_division(request), year), "year": year,
        "years": clock.years_around(clock.today()),
    })


@require_perm("oversight.view_risk_warnings")
def risk_warnings(request: HttpRequest) -> HttpResponse:
    year = _execution_year(request)
    return render(request, "oversight/risk_warnings.html", {
        "w": risk.risk_warnings(_division(request), year), "year": year,
        "years": clock.years_around(clock.today()),
    })
