"""Permissions of the inspector roster (see ``accounts.predicates`` for the scoping rules).

A department admin keeps their own department's roster and tags; a planner reads it (draws
need it); an inspector reads their own record and may declare their own conflicts; the
office and the justice bureau read every department of their division, and the office keeps
the joint pool (R-I3). Enterprises and the three administrators have no access.
"""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.predicates import (
    in_own_department,
    in_own_division,
    is_dept_admin,
    is_inspector,
    is_office,
    is_own_department_job,
    is_planner,
    is_reviewer,
)


@rules.predicate
def is_own_record(user: Any, obj: Any) -> bool:
    """The inspector record (or a declaration on it) is the signed-in user's own."""
    if obj is None:
        return False
    record = getattr(obj, "inspector", obj)
    return getattr(record, "user_id", None) == user.pk


reads_roster = ((is_dept_admin | is_planner) & in_own_department) | (is_reviewer & in_own_division)
keeps_roster = is_dept_admin & in_own_department

rules.add_perm("roster.view_roster", reads_roster)
rules.add_perm("roster.view_inspector", reads_roster | (is_inspector & is_own_record))
rules.add_perm("roster.view_own_record", is_inspector)
rules.add_perm("roster.change_inspector", keeps_roster)
rules.add_perm("roster.import_inspectors", keeps_roster)
rules.add_perm("roster.view_import", is_dept_admin & is_own_department_job)
rules.add_perm("roster.view_tag", reads_roster)
rules.add_perm("roster.change_tag", keeps_roster)
rules.add_perm("roster.view_conflict", reads_roster | (is_inspector & is_own_record))
# An inspector declares their own conflicts (回避); the department admin declares for anyone.
rules.add_perm("roster.declare_conflict", keeps_roster | (is_inspector & is_own_record))
rules.add_perm("roster.withdraw_conflict", keeps_roster)
rules.add_perm("roster.confirm_roster", keeps_roster)
rules.add_perm("roster.view_confirmation", reads_roster)
# R-I3: the office keeps its division's joint-inspection roster.
rules.add_perm("roster.set_joint_pool", is_office & in_own_division)
rules.add_perm("roster.view_joint_pool", is_reviewer)
# R-S5: the department admin keeps its trainings; whoever reads the roster reads them.
rules.add_perm("roster.view_training", reads_roster)
rules.add_perm("roster.change_training", keeps_roster)
rules.add_perm("roster.import_training", keeps_roster)
