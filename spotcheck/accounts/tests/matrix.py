from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import ALL_ROLES, Case, roles


def _planner() -> dict[str, Any]:
    from spotcheck.accounts.tests.factories import UserFactory

    return {"pk": UserFactory.create(role=Role.PLANNER).pk}


CASES = [
    Case("home", ALL_ROLES, public=True),  # anonymous: the landing (public portal, sign-in)
    Case("api-docs", ALL_ROLES),
    Case("api-schema", ALL_ROLES),
    Case("accounts:users", roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.DEPT_ADMIN)),
    Case("accounts:grant_role", roles(Role.SECURITY_ADMIN), setup=_planner),
    Case("api:me", ALL_ROLES),
    Case("api:departments", ALL_ROLES),
    Case("api:users", roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.DEPT_ADMIN)),
]
