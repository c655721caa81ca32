"""Permissions of the accounts app (see ``predicates`` for the scoping rules)."""

import rules

from spotcheck.accounts.predicates import (
    in_own_department,
    is_dept_admin,
    is_enterprise,
    is_security_admin,
    is_self,
    is_signed_in,
    is_system_admin,
)

rules.add_perm("core.view_home", is_signed_in)
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
