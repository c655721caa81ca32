"""Permissions of the oversight dashboards (R-S3: regular supervision by the office and the
justice bureau). The office and the justice bureau read their division's dashboard and those
of the divisions directly below it (drill-down city → county); a department's planner or
administrator reads its own department's figures only. Inspectors, enterprises and the
three administrators have none."""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.divisions import division_covers
from spotcheck.accounts.predicates import is_dept_admin, is_office, is_planner, is_reviewer

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


@rules.predicate
def report_in_scope(user: Any, report: Any) -> bool:
    """A report (or the scope of one to be made) the user may read: as the dashboard."""
    if report is None:
        return True
    return bool(scope_allowed(user, (report.division, report.department)))


# R-S3: the office asks for reports and issues notifications from them; the justice bureau
# reads them; a department's planner or administrator reads its own department's.
rules.add_perm("oversight.make_report", is_office & scope_allowed)
rules.add_perm("oversight.view_report", (is_reviewer | department_staff) & report_in_scope)
rules.add_perm("oversight.issue_notification", is_office & report_in_scope)
# R-S2: who was due to do what, and whether it was done; the office and the justice bureau
# for their divisions, a department's administrator (its head) for the department.
rules.add_perm("oversight.view_accountability", (is_reviewer | is_dept_admin) & scope_allowed)

# R-R3, R-R4: results across departments and joint punishment for every department's planner
# (and the reviewers); the risk warnings on the office's page (the justice bureau reads it too).
rules.add_perm("oversight.view_entity_results", is_reviewer | department_staff)
rules.add_perm("oversight.view_joint_punishment", is_reviewer | department_staff)
rules.add_perm("oversight.view_risk_warnings", is_reviewer)
