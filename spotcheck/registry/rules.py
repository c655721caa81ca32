"""Permissions of the entity library.

Entities are scoped by division: a county user sees that county's entities, a city user
every division of the city. The office decides classes A and C (R-A1, R-C1); a department's
administrator or planner proposes class C; enterprises see only their own entity. Imports
and exports: department administrators and the office.
"""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.divisions import division_covers
from spotcheck.accounts.predicates import (
    entity_in_scope,
    is_dept_admin,
    is_enterprise,
    is_government_staff,
    is_office,
    is_planner,
    is_system_admin,
)


@rules.predicate
def is_own_entity(user: Any, entity: Any) -> bool:
    if entity is None:
        return True
    return bool(user.enterprise_uscc) and entity.uscc == user.enterprise_uscc


@rules.predicate
def job_in_scope(user: Any, job: Any) -> bool:
    """An import job: the office of the job's division, or the department that ran it."""
    if job is None:
        return True
    department = getattr(user, "department", None)
    if department is not None and job.department_code == department.code:
        return True
    if not is_office(user):
        return False
    from spotcheck.accounts.models import Division

    code = job.department_code.split("-")[0]
    parent = Division.objects.filter(code=code).values_list("parent_id", flat=True).first()
    return division_covers(getattr(user, "division_id", None), code, parent)


may_import = is_dept_admin | is_office
may_propose = is_dept_admin | is_planner

rules.add_perm("registry.view_entity", (is_government_staff & entity_in_scope)
               | (is_enterprise & is_own_entity))
rules.add_perm("registry.export_entity", may_import)
rules.add_perm("registry.import_entity", may_import)
rules.add_perm("registry.view_import", may_import & job_in_scope)
rules.add_perm("registry.decide_class", is_office & entity_in_scope)
rules.add_perm("registry.propose_class", may_propose & entity_in_scope)
rules.add_perm("registry.view_proposal", (is_office | may_propose) & entity_in_scope)
rules.add_perm("registry.decide_proposal", is_office & entity_in_scope)
# The key-field vocabulary is configuration, kept by the system administrator (admin site).
for action in ("view", "add", "change"):
    rules.add_perm(f"registry.{action}_keyfieldtag", is_system_admin)
