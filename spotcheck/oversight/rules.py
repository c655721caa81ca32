"""Permissions of the oversight dashboards (R-S3: regular supervision by the office and the
justice bureau). The office and the justice bureau read their division's dashboard and those
of the divisions directly below it (drill-down city → county); a department's planner or
administrator reads its own department's figures only. Inspectors, enterprises and the
three administrators have none."""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.divisions import division_covers
from spotcheck.accounts.predicates import is_dept_admin, is_planner, is_reviewer

department_staff = is_dept_admin | is_planner


@rules.predicate
def scope_allowed(user: Any, scope: Any) -> bool:
    """``scope`` is ``(division, department or None)``: a reviewer's own division or one
    directly below it; a department user's own department."""
    if scope is None:
        return True
    division, department = scope
    if is_reviewer(user):
        return division_covers(user.division_id, division.pk, division.parent_id) and (
            department is None or department.division_id == division.pk)
    return bool(department is not None and department.pk == user.department_id)


rules.add_perm("oversight.view_dashboard", (is_reviewer | department_staff) & scope_allowed)

# R-R3, R-R4: results across departments and joint punishment for every department's planner
# (and the reviewers); the risk warnings on the office's page (the justice bureau reads it too).
rules.add_perm("oversight.view_entity_results", is_reviewer | department_staff)
rules.add_perm("oversight.view_joint_punishment", is_reviewer | department_staff)
rules.add_perm("oversight.view_risk_warnings", is_reviewer)
