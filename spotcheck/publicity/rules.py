"""Permissions of publicity (see ``accounts.predicates`` for the scoping rules).

- Everyone, signed in or not, reads the portal and submits complaints (R-S4, R-S5): those
  pages carry no permission.
- A department's administrator and planner publish, correct and withdraw their own
  department's results (R-R2: whoever inspects, publishes) and answer objections to them and
  complaints passed to their department.
- The office sees its division's overdue publications and the deliveries parked after
  failures, sends those again, and passes complaints of its division to a department.
- An enterprise objects to the published results of its own USCC.
"""

from __future__ import annotations

import rules

from spotcheck.accounts.predicates import (
    in_own_department,
    in_own_division,
    is_dept_admin,
    is_enterprise,
    is_office,
    is_own_enterprise,
    is_planner,
)

department_people = is_dept_admin | is_planner


rules.add_perm("publicity.view_publication", department_people | is_office)
rules.add_perm("publicity.publish_result", department_people & in_own_department)
rules.add_perm("publicity.view_deliveries", is_office)
rules.add_perm("publicity.resend_delivery", is_office & in_own_division)
rules.add_perm("publicity.view_objections", department_people | is_enterprise)
rules.add_perm("publicity.object_to_result", is_enterprise & is_own_enterprise)
rules.add_perm("publicity.answer_objection", department_people & in_own_department)
rules.add_perm("publicity.view_complaints", department_people | is_office)
rules.add_perm("publicity.assign_complaint", is_office & in_own_division)
rules.add_perm("publicity.answer_complaint", department_people & in_own_department)
