"""Test data for plans: market entities of the city, items of a department's list, and plans
in any status (made through the services, so their figures and history are real)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from spotcheck.accounts.models import Department
from spotcheck.catalog.models import InspectionItem
from spotcheck.catalog.tests.factories import InspectionItemFactory
from spotcheck.core.domain.uscc import uscc_with_check
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.planning import services
from spotcheck.planning.domain.review import Action, Status
from spotcheck.planning.models import Plan
from spotcheck.registry.models import MarketEntity

_serial = [0]
CITY = "361100"
COUNTY = "361102"


def this_year() -> int:
    return timezone.localdate().year


def entities(n: int, *, library_class: str = "B", risk: str = "general", division: str = COUNTY,
             industry: str = "F", kind: str = "company", status: str = "existing") -> list[MarketEntity]:
    """``n`` market entities with valid USCCs, all alike."""
    rows = []
    for _ in range(n):
        _serial[0] += 1
        body = f"91{division}MA{_serial[0]:07d}"[:17]
        rows.append(MarketEntity(uscc=uscc_with_check(body), name=f"测试企业{_serial[0]}", kind=kind,
                                 legal_rep_name="张三", division_id=division, industry=industry,
                                 status=status, risk_level=risk, library_class=library_class))
    return MarketEntity.objects.bulk_create(rows)


def department(code: str = "361100-ENV") -> Department:
    return Department.objects.get(code=code)


def item(dept: str = "361100-ENV", **extra: Any) -> InspectionItem:
    extra.setdefault("year", this_year())
    return InspectionItemFactory.create(department=department(dept), **extra)


def joint_item(dept: str = "361100-ENV", **extra: Any) -> InspectionItem:
    return item(dept, applicable_classes=["A", "B"], in_joint_list=True, **extra)


def plan_values(*, target_class: str = "B", items: list[Any] | None = None,
                **extra: Any) -> dict[str, Any]:
    """Values of a sound plan of this year: class B in September, 5 % of each stratum."""
    year = extra.pop("year", this_year())
    windows = {"A": (date(year, 6, 1), date(year, 6, 30)), "B": (date(year, 9, 1), date(year, 9, 30)),
               "C": (date(year, 2, 1), date(year, 11, 30))}[target_class]
    quota = {"A": {"kind": "rates", "rates_bp": {}, "default_bp": 1000, "rounding": "floor"},
             "B": {"kind": "rates", "rates_bp": {}, "default_bp": 500, "rounding": "ceil"},
             "C": {"kind": "rates", "rates_bp": {}, "default_bp": 10000, "rounding": "ceil"}}[target_class]
    values: dict[str, Any] = {
        "title": f"{year}年{target_class}类随机抽查计划", "year": year, "target_class": target_class,
        "window_start": windows[0], "window_end": windows[1],
        "items": [getattr(i, "pk", i) for i in (items if items is not None else [])],
        "quota": quota, "strata": [],
    }
    values.update(extra)
    return values


def plan(*, owner: Any, status: str = Status.DRAFT, office: Any = None, justice: Any = None,
         **values: Any) -> Plan:
    """A plan created by ``owner`` (a user) and moved to ``status`` by the right people."""
    target = values.pop("target_class", "B")
    if "items" not in values:  # class A: the joint list of two departments (R-A3)
        values["items"] = ([joint_item("361100-ENV"), joint_item("361100-SAMR")] if target == "A"
                           else [item(owner.department.code)])
    p = services.plan_create(acting_user=owner, **plan_values(target_class=target, **values))
    path = [Status.SUBMITTED, Status.OFFICE_APPROVED, Status.APPROVED, Status.EXECUTING,
            Status.COMPLETED, Status.CLOSED]
    steps = {Status.SUBMITTED: (Action.SUBMIT, owner),
             Status.OFFICE_APPROVED: (Action.OFFICE_APPROVE, office),
             Status.APPROVED: (Action.JUSTICE_APPROVE, justice), Status.EXECUTING: (Action.START, None),
             Status.COMPLETED: (Action.COMPLETE, owner), Status.CLOSED: (Action.CLOSE, office)}
    if status == Status.DRAFT:
        return p
    for target_status in path[: path.index(Status(status)) + 1]:
        action, actor = steps[target_status]
        if action == Action.START:
            p = link_executed_draw(p)
        p = services.plan_transition(acting_user=actor, plan=p, action=action)
    return p


def link_executed_draw(p: Plan) -> Plan:
    """Stand in for the draws app: an executed draw linked to the plan (a plan starts when its
    draw has been executed). The full walk through the draws services is in test_draws."""
    _serial[0] += 1
    draw = Draw.objects.create(code=f"T-{p.pk}-{_serial[0]}", title=p.title, department=p.department,
                               division_id=p.division_id, year=p.year, classes=p.target_class, spec={},
                               files_path="-", status=DrawStatus.EXECUTED)
    Plan.objects.filter(pk=p.pk).update(draw=draw)
    return Plan.objects.select_related("department", "draw").get(pk=p.pk)
