"""Every URL of plans, and who may open it (see core/tests/matrix.py). Objects belong to
市生态环境局 (361100-ENV), where the department roles of the matrix sit."""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import STAFF, Case, roles

PLANNERS = roles(Role.OFFICE, Role.PLANNER, Role.DEPT_ADMIN)
OWNERS = roles(Role.PLANNER, Role.DEPT_ADMIN)
READERS = roles(Role.OFFICE, Role.JUSTICE, Role.PLANNER, Role.DEPT_ADMIN)
REVIEWERS = roles(Role.OFFICE, Role.JUSTICE)


def _draft() -> dict[str, Any]:
    from spotcheck.planning import services
    from spotcheck.planning.tests.factories import department, item, plan_values, this_year

    # Next year's plan: this year's windows may have passed (R-P2 refuses those).
    year = this_year() + 1
    plan = services.plan_create(acting_user=None, department=department("361100-ENV"),
                                **plan_values(items=[item(year=year)], year=year))
    return {"pk": plan.pk}


def _approved() -> dict[str, Any]:
    from spotcheck.planning.domain.review import Action
    from spotcheck.planning.models import Plan
    from spotcheck.planning.services import plan_transition

    plan = Plan.objects.get(pk=_draft()["pk"])
    for action in (Action.SUBMIT, Action.OFFICE_APPROVE, Action.JUSTICE_APPROVE):
        plan = plan_transition(acting_user=None, plan=plan, action=action)
    return {"pk": plan.pk}


def _approved_with_temp_dir() -> dict[str, Any]:
    from spotcheck.draws.tests.factories import use_temp_draws_dir

    use_temp_draws_dir()
    return _approved()


CASES = [
    Case("planning:plans", STAFF),
    Case("planning:plans", STAFF, query="?year=2027&status=draft&class=B&special=0&department=1"),
    Case("planning:plan_create", PLANNERS),
    Case("planning:plan_create", PLANNERS, query="?class=C"),
    Case("planning:plan_preview", PLANNERS, method="post", data={"title": "预览"}),
    Case("planning:plan_detail", READERS, setup=_draft),
    Case("planning:plan_figures", READERS, setup=_draft),
    Case("planning:plan_detail", STAFF, setup=_approved),
    Case("planning:plan_edit", OWNERS, setup=_draft),
    Case("planning:plan_transition", OWNERS, setup=_draft, method="post", ok_status=302,
         data={"action": "submit"}),
    Case("planning:plan_draw", OWNERS, setup=_approved_with_temp_dir, method="post", ok_status=302),
    Case("planning:review_queue", REVIEWERS),
    Case("planning:coverage", READERS),
    Case("planning:calendar", roles(Role.OFFICE)),
    Case("api:planning-plans", STAFF),
    Case("api:planning-plan", READERS, setup=_draft),
    Case("api:planning-plan", STAFF, setup=_approved),
    Case("api:planning-plan-transitions", READERS, setup=_draft),
    Case("api:planning-plan-checks", READERS, setup=_draft),
    Case("api:planning-coverage", READERS),
]
