"""What draws asks of the plan it executes, registered with draws (``draws.hooks.PlanGate``)
by ``PlanningConfig.ready``: planning sits above draws, so draws imports none of this.

The refusals are the plan's rules (R-P3, R-Q1, R-L1, R-A2, R-A3); draws calls them at each
step of a draw up to its execution, inside the step's transaction.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from spotcheck.accounts.predicates import is_office
from spotcheck.core import clock
from spotcheck.draws.hooks import PlanGate
from spotcheck.draws.models import DrawStatus
from spotcheck.planning.models import Plan, PlanStatus
from spotcheck.planning.selectors import plan_draw_spec, strata_sizes


def plan_name(plan: Plan) -> str:
    return f"计划 {plan.code}（{plan.title}）"


def plan_problem(plan: Plan | None, draw: Any = None) -> str | None:
    """Why a draw may not proceed on this plan (None: it may). Every draw that leads to
    inspections belongs to an approved plan (R-P3) — a class-A draw to the office's approved
    joint plan (R-A2, R-A3) — whose items are on the list (R-L1) and whose window is still
    ahead (R-Q1)."""
    if plan is None:
        return ("该抽取不属于任何经审核批准的抽查计划：双随机抽取须依据经联席办和司法局审核批准的"
                "年度抽查计划组织（R-P3）。")
    name = plan_name(plan)
    if plan.status != PlanStatus.APPROVED:
        return (f"{name}处于“{plan.get_status_display()}”状态：只有经联席办和司法局审核批准、"
                "尚未执行的计划才能组织抽取（R-P3）。")
    if draw is not None and plan.draw_id != draw.pk:
        return f"{name}已改由另一次抽取执行，本抽取不能继续。"
    if plan.window_end < clock.today():
        return (f"{name}的实施期 {plan.window_start:%Y-%m-%d} 至 {plan.window_end:%Y-%m-%d} 已过，"
                "不能再组织抽取（R-Q1：检查在实施期内进行）。")
    departments = set(plan.plan_items.values_list("item__department_id", flat=True))
    if not departments:
        return f"{name}没有检查事项：清单之外无检查，抽取须有计划的检查事项（R-L1）。"
    if plan.target_class == "A" and len(departments) < 2:
        return (f"{name}只有一个部门的检查事项：A 类库检查一律为部门联合检查，"
                "计划须含至少两个成员部门的事项（R-A3）。")
    return None


def plan_reload(plan: Plan) -> Plan:
    return Plan.objects.select_related("department", "department__division").get(pk=plan.pk)


def plan_lock(plan: Plan) -> Plan:
    # The plan's row alone (a joined row would be read as it was before the lock).
    return Plan.objects.select_for_update().get(pk=plan.pk)


def plan_of_draw(draw: Any) -> Plan | None:
    return Plan.objects.select_related("department").filter(draw_id=draw.pk).first()


def plan_attach(plan: Plan, draw: Any) -> None:
    from django.db.models import F

    Plan.objects.filter(pk=plan.pk).update(draw=draw, version=F("version") + 1,
                                           updated_at=clock.now())


def plans_offered(user: Any) -> QuerySet[Plan]:
    """The approved plans a user may draw: not yet drawn, or whose draw was cancelled. The
    office organises for its division, departments their own."""
    plans = Plan.objects.select_related("department").filter(
        division_id=user.division_id, status=PlanStatus.APPROVED).filter(
        Q(draw__isnull=True) | Q(draw__status=DrawStatus.CANCELLED))
    if not is_office(user):
        plans = plans.filter(department_id=user.department_id)
    return plans.order_by("window_start", "code")


def plans_all() -> QuerySet[Plan]:
    return Plan.objects.select_related("department")


PLAN_GATE = PlanGate(
    reload=plan_reload, lock=plan_lock, of_draw=plan_of_draw, problem=plan_problem,
    name=plan_name, draw_spec=plan_draw_spec, attach=plan_attach, strata_sizes=strata_sizes,
    offered=plans_offered, queryset=plans_all)
