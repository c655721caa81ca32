"""Home-page sections of plans: for reviewers their queue; for planners their drafts (and
returned plans with the reasons) before the end-of-March deadline of each plan's year (R-P2),
and their approved plans whose draw is still to be organised (R-P3)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse

from spotcheck.accounts.predicates import is_dept_admin, is_office, is_planner, is_reviewer
from spotcheck.core.home import DueRow, DueSection, provider
from spotcheck.planning import selectors
from spotcheck.planning.domain.review import Status
from spotcheck.planning.models import Plan, PlanTransition


@provider
def plans_due(user: Any) -> list[DueSection]:
    sections: list[DueSection] = []
    if is_reviewer(user) and user.division_id:
        # The rows name the department, the plan and its status: not its items.
        queue = list(selectors.review_queue(user).prefetch_related(None).select_related(None)
                     .select_related("department").only("title", "status", "department__name")[:10])
        rows = [DueRow(f"{p.department.name}：{p.title}", reverse("planning:plan_detail", args=[p.pk]),
                       p.get_status_display()) for p in queue]
        sections.append(DueSection(
            "待审核的抽查计划", rows,
            empty_text="没有待审核的计划。", more_url=reverse("planning:review_queue")))
    owner_plans = Plan.objects.none()
    if (is_planner(user) or is_dept_admin(user)) and user.department_id:
        owner_plans = Plan.objects.filter(department_id=user.department_id).exclude(target_class="A")
    elif is_office(user) and user.division_id:
        owner_plans = Plan.objects.filter(division_id=user.division_id, target_class="A")
    drafts = list(owner_plans.filter(status=Status.DRAFT).only("title", "year").order_by("-updated_at")[:10])
    if drafts:
        # Each draft is due by the deadline of its own year (a 2027 plan: 2027-03-31).
        deadlines = {y: selectors.calendar_for(user.division_id, y).plan_deadline
                     for y in {p.year for p in drafts}}
        returned = {t.plan_id: t for t in PlanTransition.objects.filter(
            plan__in=drafts, action__in=["office_return", "justice_return"])
            .only("plan_id", "reason").order_by("version")}
        rows = []
        for p in drafts:
            note = (f"已退回：{returned[p.pk].reason}" if p.pk in returned
                    else f"录入截止 {deadlines[p.year]:%Y-%m-%d}")
            rows.append(DueRow(f"提交计划：{p.title}", reverse("planning:plan_detail", args=[p.pk]), note))
        sections.append(DueSection("待提交的抽查计划", rows, more_url=reverse("planning:plans")))
    awaiting = [p for p in owner_plans.filter(status=Status.APPROVED)
                .filter(Q(draw__isnull=True) | Q(draw__status="cancelled"))
                # what the row shows and the permission reads (owner, division, class)
                .only("title", "window_start", "department", "division", "target_class")
                .order_by("window_start", "id")[:10] if user.has_perm("planning.prepare_plan_draw", p)]
    if awaiting:
        sections.append(DueSection("待组织抽取的计划", [
            DueRow(f"组织抽取：{p.title}", reverse("planning:plan_detail", args=[p.pk]),
                   f"实施期 {p.window_start:%Y-%m-%d} 起") for p in awaiting]))
    return sections
