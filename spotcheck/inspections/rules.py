"""Permissions of inspections (see ``accounts.predicates`` for the scoping rules).

- A department's administrator and planner see their own department's tasks and the joint
  inspections their department takes part in, agree a change of lead (R-C3), and create
  inspections outside the plans with a filing (R-A4, R-Q2).
- An inspector sees the tasks and visits they are on the team of, and records the one form.
- The office and the justice bureau read every task, visit and filing of their division
  (filings go to both); the office merges a window's draws into joint visits (R-B3), lets a
  visit's results in a day late (R-Q1) and staffs a task the draw left without a team (R-I2).
- An enterprise reads its own notices. The three administrators see nothing here.
"""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.predicates import (
    in_own_department,
    is_dept_admin,
    is_enterprise,
    is_inspector,
    is_justice,
    is_office,
    is_own_enterprise,
    is_planner,
    is_reviewer,
)


@rules.predicate
def in_division(user: Any, obj: Any) -> bool:
    """The object (a division, or anything with a division) is the user's division."""
    if obj is None:
        return True
    if obj.__class__.__name__ == "Division":
        return bool(obj.pk == user.division_id)
    return bool(getattr(obj, "division_id", None) == user.division_id)


@rules.predicate
def is_team_member(user: Any, obj: Any) -> bool:
    """The user's roster record is on the team of the task, or of any task of the visit."""
    if obj is None:
        return True
    from spotcheck.inspections.models import InspectionTask, JointInspection, TaskMember

    members = TaskMember.objects.filter(inspector__user_id=user.pk)
    if isinstance(obj, JointInspection):
        return members.filter(task__joint_id=obj.pk).exists()
    if isinstance(obj, InspectionTask):
        return members.filter(task_id=obj.pk).exists()
    return False


@rules.predicate
def takes_part(user: Any, obj: Any) -> bool:
    """The user's department takes part in the joint inspection."""
    if obj is None:
        return True
    if user.department_id is None:
        return False
    return bool(obj.participants.filter(department_id=user.department_id).exists())


@rules.predicate
def is_lead_department(user: Any, obj: Any) -> bool:
    """The user's department leads the visit: a joint inspection's lead, a lone task's own
    department (R-R2: the lead department checks the results)."""
    if obj is None:
        return True
    if user.department_id is None:
        return False
    from spotcheck.inspections.models import JointInspection

    lead = obj.lead_id if isinstance(obj, JointInspection) else getattr(obj, "department_id", None)
    return bool(lead == user.department_id)


department_people = is_dept_admin | is_planner
readers = department_people | is_inspector | is_reviewer

rules.add_perm("inspections.view_tasks", readers)
rules.add_perm("inspections.view_task",
               (department_people & in_own_department) | (is_inspector & is_team_member)
               | (is_reviewer & in_division))
rules.add_perm("inspections.create_tasks",
               (department_people & in_own_department) | (is_office & in_division))
rules.add_perm("inspections.merge_window", is_office & in_division)
rules.add_perm("inspections.view_joints", readers)
rules.add_perm("inspections.view_joint",
               (department_people & takes_part) | (is_inspector & is_team_member)
               | (is_reviewer & in_division))
rules.add_perm("inspections.change_lead", department_people & takes_part)
rules.add_perm("inspections.record_results", is_inspector & is_team_member)
rules.add_perm("inspections.sign_form", is_inspector & is_team_member)
# R-R3: a department adopts another department's result for its own task (结果互认).
rules.add_perm("inspections.recognise_result", department_people & in_own_department)


@rules.predicate
def may_view_visit(user: Any, obj: Any) -> bool:
    """The user may read the visit (a joint inspection or a lone task): evidence files."""
    if obj is None:
        return True
    from spotcheck.inspections.models import JointInspection

    perm = "inspections.view_joint" if isinstance(obj, JointInspection) else "inspections.view_task"
    return bool(rules.has_perm(perm, user, obj))


rules.add_perm("inspections.view_visit", may_view_visit)
# The lead department's check of the results before publication (R-R2).
rules.add_perm("inspections.view_reviews", department_people)
rules.add_perm("inspections.review_results", department_people & is_lead_department)
# The office's exceptions and repairs in its division: a late entry (R-Q1), a team the draw
# could not staff (R-I2).
rules.add_perm("inspections.permit_late", is_office & in_division)
rules.add_perm("inspections.assign_team", is_office & in_division)
rules.add_perm("inspections.view_filings", department_people | is_office | is_justice)
rules.add_perm("inspections.view_filing",
               (department_people & in_own_department) | (is_reviewer & in_division))
rules.add_perm("inspections.create_outside", department_people & in_own_department)
rules.add_perm("inspections.view_notices", is_enterprise)
rules.add_perm("inspections.view_notice", is_enterprise & is_own_enterprise)


@rules.predicate
def leads_notice(user: Any, obj: Any) -> bool:
    """The user's department leads the visit of the notice."""
    if obj is None:
        return True
    return bool(user.department_id is not None and obj.lead_id == user.department_id)


# The day of the visit (R-P3): the enterprise proposes, the lead department decides.
rules.add_perm("inspections.propose_day", is_enterprise & is_own_enterprise)
rules.add_perm("inspections.set_visit_day", department_people & leads_notice)
rules.add_perm("inspections.print_notice", (is_enterprise & is_own_enterprise)
               | (department_people & leads_notice))
rules.add_perm("inspections.view_burden", department_people | is_reviewer)


# --- violations (R-R1, R-R5) -----------------------------------------------------------------


@rules.predicate
def of_violation_department(user: Any, obj: Any) -> bool:
    """The violation's (or task's) inspecting department is the user's."""
    if obj is None:
        return True
    return bool(user.department_id is not None and getattr(obj, "department_id", None) == user.department_id)


@rules.predicate
def receives_violation(user: Any, obj: Any) -> bool:
    if obj is None:
        return True
    return bool(user.department_id is not None and getattr(obj, "transfer_to_id", None) == user.department_id)


@rules.predicate
def is_own_department_obj(user: Any, obj: Any) -> bool:
    if obj is None:
        return True
    return bool(user.department_id is not None and obj.pk == user.department_id)


@rules.predicate
def found_it(user: Any, obj: Any) -> bool:
    """The user is on the team of the visit where the violation was found."""
    if obj is None:
        return True
    from spotcheck.inspections.models import TaskMember

    members = TaskMember.objects.filter(inspector__user_id=user.pk)
    joint_id = obj.task.joint_id
    if joint_id is not None:
        return bool(members.filter(task__joint_id=joint_id).exists())
    return bool(members.filter(task_id=obj.task_id).exists())


rules.add_perm("inspections.view_violations", department_people | is_reviewer)
rules.add_perm("inspections.view_violation",
               (department_people & (of_violation_department | receives_violation))
               | (is_reviewer & in_division) | (is_inspector & found_it))
rules.add_perm("inspections.handle_violations", department_people & of_violation_department)
rules.add_perm("inspections.acknowledge_violation", department_people & receives_violation)
rules.add_perm("inspections.manage_no_penalty", department_people & is_own_department_obj)


# --- the file (R-S6) -----------------------------------------------------------------------------


@rules.predicate
def enterprise_of_visit(user: Any, obj: Any) -> bool:
    if obj is None:
        return True
    uscc = getattr(user, "enterprise_uscc", "")
    return bool(uscc) and getattr(obj, "uscc", None) == uscc


rules.add_perm("inspections.view_archive", may_view_visit | (is_enterprise & enterprise_of_visit))


@rules.predicate
def department_in_division(user: Any, obj: Any) -> bool:
    if obj is None:
        return True
    return bool(getattr(obj, "division_id", None) == user.division_id)


rules.add_perm("inspections.export_archives", is_office & department_in_division)
