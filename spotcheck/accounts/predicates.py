"""Who may do what: the one place where roles become permissions (``rules`` predicates).

Views, the API and the admin all ask ``user.has_perm(...)``; each app declares its
permissions in its ``rules.py`` from these predicates. Scoping: a user acts only for their
own department and division; the office and the justice bureau read across the
departments of their division; only the audit administrator reads the audit trail (三员分立).
"""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.roles import ADMIN_ROLES, STAFF_ROLES, Role


def _has_role(*roles: Role) -> Any:
    names = {str(r) for r in roles}

    @rules.predicate(name="has_role_" + "_or_".join(sorted(names)))
    def predicate(user: Any) -> bool:
        return bool(getattr(user, "is_authenticated", False) and user.is_active
                    and user.role in names)

    return predicate


is_office = _has_role(Role.OFFICE)
is_justice = _has_role(Role.JUSTICE)
is_dept_admin = _has_role(Role.DEPT_ADMIN)
is_planner = _has_role(Role.PLANNER)
is_inspector = _has_role(Role.INSPECTOR)
is_enterprise = _has_role(Role.ENTERPRISE)
is_system_admin = _has_role(Role.SYSTEM_ADMIN)
is_security_admin = _has_role(Role.SECURITY_ADMIN)
is_audit_admin = _has_role(Role.AUDIT_ADMIN)
is_government_staff = _has_role(*STAFF_ROLES)
is_administrator = _has_role(*ADMIN_ROLES)
is_reviewer = is_office | is_justice
is_signed_in = rules.is_authenticated & rules.is_active


@rules.predicate
def is_self(user: Any, other: Any) -> bool:
    return other is not None and getattr(other, "pk", None) == user.pk


def _division_of(obj: Any) -> Any:
    if obj is None:
        return None
    if hasattr(obj, "division_id"):
        return obj.division_id
    department = getattr(obj, "department", None)
    return getattr(department, "division_id", None)


@rules.predicate
def in_own_department(user: Any, obj: Any) -> bool:
    """The object belongs to the user's department (no object: the page itself)."""
    if obj is None:
        return True
    department_id = obj.pk if obj.__class__.__name__ == "Department" else getattr(
        obj, "department_id", None)
    return department_id is not None and department_id == user.department_id


@rules.predicate
def in_own_division(user: Any, obj: Any) -> bool:
    if obj is None:
        return True
    return _division_of(obj) == user.division_id


# Reading a department's data: its own people, or the office and justice of its division.
reads_department_data = (
    (is_dept_admin | is_planner | is_inspector) & in_own_department
) | (is_reviewer & in_own_division)


@rules.predicate
def entity_in_scope(user: Any, entity: Any) -> bool:
    """The entity lies in the user's division or in a division under it (no object: the page).
    An entity of the library, or a proposal or account judged by its entity."""
    from spotcheck.accounts.divisions import division_covers

    if entity is None:
        return True
    entity = getattr(entity, "entity", entity)
    division = entity.division
    return division_covers(getattr(user, "division_id", None), division.code, division.parent_id)


# The audience of work pages (navigation): staff of the member departments and the three
# administrators, never an enterprise.
STAFF = is_government_staff | is_administrator


@rules.predicate
def is_own_department_job(user: Any, job: Any) -> bool:
    """An import job run for the user's department (no job: the page itself)."""
    if job is None:
        return True
    department = getattr(user, "department", None)
    return department is not None and job.department_code == department.code


@rules.predicate
def is_own_enterprise(user: Any, obj: Any) -> bool:
    """An enterprise user's own record (a notice, a file, a result: judged by its USCC)."""
    if obj is None:
        return True
    uscc = getattr(user, "enterprise_uscc", "")
    return bool(uscc) and getattr(obj, "uscc", None) == uscc
