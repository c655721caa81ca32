"""Permissions of annual plans (see ``accounts.predicates`` for the scoping rules).

- A department's planner or administrator creates, edits and submits its own department's
  class B/C plans, starts and completes them and prepares their draws; the office does the
  same for class-A joint plans (R-A2, R-A3), which it owns.
- The office reviews plans of its division for ratio, frequency and duplication and closes
  them; the justice bureau reviews them for legality (R-P3). Both read every plan of their
  division.
- Planners and administrators also read the class-A joint plans of their division that take
  items of their department's list; inspectors read their department's approved plans.
- Enterprises and the three administrators have no access (approved plans reach the public
  through the portal's selector ``public_plans``).
"""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.predicates import (
    in_own_department,
    in_own_division,
    is_dept_admin,
    is_government_staff,
    is_inspector,
    is_justice,
    is_office,
    is_planner,
    is_reviewer,
)
from spotcheck.planning.domain.review import Action


@rules.predicate
def is_class_a_plan(user: Any, plan: Any) -> bool:
    return plan is not None and getattr(plan, "target_class", "") == "A"


@rules.predicate
def is_approved_plan(user: Any, plan: Any) -> bool:
    return plan is not None and bool(getattr(plan, "is_approved", False))


@rules.predicate
def takes_own_items(user: Any, plan: Any) -> bool:
    """A joint plan takes items of the user's department's list."""
    if plan is None or getattr(plan, "pk", None) is None or not user.department_id:
        return False
    return plan.plan_items.filter(item__department_id=user.department_id).exists()


@rules.predicate
def in_division(user: Any, obj: Any) -> bool:
    """A division (the calendar is set per division), or an object of the user's division."""
    if obj is not None and obj.__class__.__name__ == "Division":
        return bool(obj.pk == user.division_id)
    return bool(in_own_division(user, obj))


@rules.predicate
def no_object(user: Any, obj: Any) -> bool:
    return obj is None


department_planner = is_planner | is_dept_admin
# The owner acts for the plan: the department for B/C, the office for class-A joint plans.
owns_plan = ((department_planner & in_own_department & ~is_class_a_plan)
             | (is_office & in_own_division & is_class_a_plan))
reads_plan = ((department_planner & in_own_department)
              | (is_reviewer & in_own_division)
              | (department_planner & in_own_division & is_class_a_plan & takes_own_items)
              | (is_inspector & in_own_department & is_approved_plan))

# No object: the list page, open to government staff (it shows each what they may read).
rules.add_perm("planning.view_plan", (no_object & is_government_staff) | reads_plan)
rules.add_perm("planning.add_plan", is_office | department_planner)
rules.add_perm("planning.change_plan", owns_plan)
rules.add_perm("planning.submit_plan", owns_plan)
rules.add_perm("planning.office_review_plan", is_office & in_own_division)
rules.add_perm("planning.justice_review_plan", is_justice & in_own_division)
rules.add_perm("planning.execute_plan", owns_plan)
rules.add_perm("planning.close_plan", is_office & in_own_division)
rules.add_perm("planning.prepare_plan_draw", owns_plan)
rules.add_perm("planning.view_review_queue", is_reviewer)
rules.add_perm("planning.view_coverage", is_reviewer | department_planner)
rules.add_perm("planning.view_calendar", is_office & in_division)
rules.add_perm("planning.change_calendar", is_office & in_division)

# The permission each workflow action needs (R-P3).
ACTION_PERMS = {
    Action.SUBMIT: "planning.submit_plan",
    Action.OFFICE_APPROVE: "planning.office_review_plan",
    Action.OFFICE_RETURN: "planning.office_review_plan",
    Action.JUSTICE_APPROVE: "planning.justice_review_plan",
    Action.JUSTICE_RETURN: "planning.justice_review_plan",
    Action.START: "planning.execute_plan",
    Action.COMPLETE: "planning.execute_plan",
    Action.CLOSE: "planning.close_plan",
}
