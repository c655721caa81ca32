"""Permissions of the accounts app (see ``predicates`` for the scoping rules)."""

from typing import Any

import rules

from spotcheck.accounts.predicates import (
    entity_in_scope,
    in_own_department,
    is_audit_admin,
    is_dept_admin,
    is_enterprise,
    is_office,
    is_security_admin,
    is_self,
    is_signed_in,
    is_system_admin,
)
from spotcheck.accounts.roles import ADMIN_ROLES

rules.add_perm("core.view_home", is_signed_in)
# Only the audit administrator reads the audit trail (三员分立, R-S2). Declared here: the audit
# app sits below accounts and knows no role.
rules.add_perm("audit.view_auditevent", is_audit_admin)
rules.add_perm("core.view_api_docs", is_signed_in)
rules.add_perm("accounts.view_department", is_signed_in)
# Account lists: the system and security administrators; a department admin, their own.
rules.add_perm("accounts.view_user", is_system_admin | is_security_admin
               | (is_dept_admin & in_own_department))
# The system administrator creates and disables accounts but never grants roles.
rules.add_perm("accounts.add_user", is_system_admin)
# Roles are granted by the security administrator, and never to themselves.
rules.add_perm("accounts.grant_role", is_security_admin & ~is_self)
# API tokens: each signed-in user for their own account; enterprises do not use the API.
rules.add_perm("accounts.manage_own_tokens", is_signed_in & ~is_enterprise)


@rules.predicate
def is_administrator_account(user: Any, other: Any) -> bool:
    """The object is one of the three administrators' accounts (三员)."""
    return other is not None and getattr(other, "role", "") in ADMIN_ROLES


# Managing an account (disable, enable, unlock, reset): the system administrator, never on
# their own account, and never on one of the three administrators' (三员分立: those are
# reset on the server with ``bootstrap_admins``).
rules.add_perm("accounts.manage_user", is_system_admin & ~is_self & ~is_administrator_account)
# Staff accounts from a file: the system administrator (roles are still granted one by one).
rules.add_perm("accounts.import_staff", is_system_admin)
rules.add_perm("accounts.view_staff_import", is_system_admin)
# Enterprise accounts are bound to their entity: the office or a department administrator
# of the entity's division opens one or issues its one-time activation code.
rules.add_perm("accounts.view_enterprise_accounts", is_office | is_dept_admin)
rules.add_perm("accounts.add_enterprise_account", (is_office | is_dept_admin) & entity_in_scope)
