"""Plausible annual plans on the demo data, made and reviewed through the real services, so
that the draws and the inspections have material: class-B plans of several city departments
in June or September with ratios differentiated by credit risk (R-R4), a class-C plan that
covers its population (R-C2), the office's class-A joint plan in June (R-A2, R-A3); most go
through both reviews to approved, one is returned once by the office and approved after its
correction, a few stay in the queues.

Idempotent: a plan with the same department, year and title is not made twice.
"""

from __future__ import annotations

import random
from datetime import date
from typing import Any

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import Role
from spotcheck.catalog.models import InspectionItem
from spotcheck.core.errors import ServiceError
from spotcheck.planning import services
from spotcheck.planning.domain.review import Status
from spotcheck.planning.models import Plan
from spotcheck.planning.selectors import joint_plan_items

CITY = "361100"
SUFFIX = "（演示）"
# R-R4: differentiated supervision — the riskier, the more often drawn.
RISK_RATES_BP = {"risk.low": 200, "risk.general": 400, "risk.higher": 1000, "risk.high": 2000}
CLASS_A_RATE_BP = 400  # of the 10 % cap (R-A2): leaves room for other class-A plans
B_DEPARTMENTS = 6


def _user(role: Role, department: Department) -> Any:
    """A demo account of that role and department, or None (the platform) when there is none."""
    return (User.objects.filter(role=role, department=department, is_active=True).order_by("pk").first()
            or (User.objects.filter(role=Role.DEPT_ADMIN, department=department, is_active=True)
                .order_by("pk").first() if role == Role.PLANNER else None))


def _applies(item: InspectionItem, cls: str) -> bool:
    return cls in (item.applicable_classes or [])


def _window(year: int, month: int) -> tuple[date, date]:
    end = date(year, 6, 30) if month == 6 else date(year, 9, 30)
    return date(year, month, 1), end


def _make(owner: Any, department: Department, values: dict[str, Any]) -> Plan | None:
    existing = Plan.objects.filter(department=department, year=values["year"], title=values["title"]).first()
    if existing is not None:
        return None
    try:
        return services.plan_create(acting_user=owner, department=department, **values)
    except ServiceError:
        return None


def _review(plan: Plan, *, owner: Any, office: Any, justice: Any, to: Status,
            returned: bool = False) -> Plan:
    """Walk a plan to ``to`` (submitted, office_approved or approved); ``returned``: the office
    returns it once with reasons and it is corrected and resubmitted first."""
    try:
        plan = services.plan_submit(acting_user=owner, plan=plan)
        if returned:
            plan = services.plan_office_return(
                acting_user=office, plan=plan,
                reason="高风险主体的抽查比例偏低，请按信用风险分类提高比例后重新提交（R-R4）。")
            quota = {**plan.quota, "rates_bp": {**plan.quota.get("rates_bp", {}), "risk.high": 3000}}
            plan = services.plan_update(acting_user=owner, plan=plan, quota=quota,
                                        note="已按联席办意见提高高风险主体抽查比例。")
            plan = services.plan_submit(acting_user=owner, plan=plan)
        if to == Status.SUBMITTED:
            return plan
        plan = services.plan_office_approve(acting_user=office, plan=plan,
                                            reason="比例、频次合理，已核对同期重复检查。")
        if to == Status.OFFICE_APPROVED:
            return plan
        return services.plan_justice_approve(acting_user=justice, plan=plan,
                                             reason="检查事项均有行政权力清单依据。")
    except ServiceError:
        return Plan.objects.get(pk=plan.pk)


def plans_generate(*, year: int, seed: int) -> int:
    """Make the demo plans of ``year`` in the city; returns how many plans were created."""
    rng = random.Random(seed)
    departments = {d.pk: d for d in Department.objects.filter(division_id=CITY).order_by("seq")}
    office_dept = next((d for d in departments.values() if d.hosts_office), None)
    justice_dept = next((d for d in departments.values() if d.is_justice), None)
    if office_dept is None or justice_dept is None:
        return 0
    office, justice = _user(Role.OFFICE, office_dept), _user(Role.JUSTICE, justice_dept)
    items = list(InspectionItem.objects.select_related("department")
                 .filter(department__division_id=CITY, year=year, is_active=True)
                 .order_by("department__seq", "code"))
    by_department: dict[int, list[InspectionItem]] = {}
    for item in items:
        by_department.setdefault(item.department_id, []).append(item)
    created = 0

    # Class B: several departments, June or September, differentiated by risk.
    b_departments = [d for d in departments.values()
                     if not d.is_justice and any(_applies(i, "B") for i in by_department.get(d.pk, []))]
    rng.shuffle(b_departments)
    chosen = sorted(b_departments[:B_DEPARTMENTS], key=lambda d: d.seq)
    for n, department in enumerate(chosen):
        own = [i for i in by_department[department.pk] if _applies(i, "B")]
        picked = sorted(rng.sample(own, min(len(own), rng.randint(2, 4))), key=lambda i: i.code)
        start, end = _window(year, 6 if n % 2 == 0 else 9)
        owner = _user(Role.PLANNER, department)
        plan = _make(owner, department, {
            "title": f"{year}年度{department.name}B类双随机抽查计划（{start.month}月）{SUFFIX}", "year": year,
            "target_class": "B", "window_start": start, "window_end": end, "items": [i.pk for i in picked],
            "strata": ["risk"], "team_size": 2,
            "quota": {"kind": "rates", "rates_bp": dict(RISK_RATES_BP), "rounding": "ceil"},
        })
        if plan is None:
            continue
        created += 1
        # Most are approved; one is returned once and corrected; the last two wait in the queues.
        to = (Status.SUBMITTED if n == len(chosen) - 1 else Status.OFFICE_APPROVED if n == len(chosen) - 2
              else Status.APPROVED)
        _review(plan, owner=owner, office=office, justice=justice, to=to, returned=(n == 1))

    # Class C: one department covers its class-C entities in full, any time of the year (R-C2).
    c_department = next((d for d in chosen if any(_applies(i, "C") for i in by_department[d.pk])), None)
    if c_department is not None:
        c_items = [i for i in by_department[c_department.pk] if _applies(i, "C")][:3]
        owner = _user(Role.PLANNER, c_department)
        plan = _make(owner, c_department, {
            "title": f"{year}年度{c_department.name}C类重点监管全覆盖检查计划{SUFFIX}", "year": year,
            "target_class": "C", "window_start": date(year, 2, 1), "window_end": date(year, 11, 30),
            "items": [i.pk for i in c_items], "team_size": 2,
            "quota": {"kind": "rates", "rates_bp": {"all": 10000}, "rounding": "ceil"},
        })
        if plan is not None:
            created += 1
            _review(plan, owner=owner, office=office, justice=justice, to=Status.APPROVED)

    # Class A: the office's joint plan in June from the class-A joint list (R-A2, R-A3).
    picked = joint_plan_items(items)[:8]
    if picked:
        plan = _make(office, office_dept, {
            "title": f"{year}年度A类库跨部门联合双随机抽查计划{SUFFIX}", "year": year, "target_class": "A",
            "window_start": date(year, 6, 1), "window_end": date(year, 6, 30),
            "items": [i.pk for i in picked],
            # R-A3: one enforcement inspector of each department whose items it takes.
            "team_size": max(2, len({i.department_id for i in picked})),
            "quota": {"kind": "rates", "rates_bp": {"all": CLASS_A_RATE_BP}, "rounding": "floor"},
        })
        if plan is not None:
            created += 1
            _review(plan, owner=office, office=office, justice=justice, to=Status.APPROVED)
    return created
