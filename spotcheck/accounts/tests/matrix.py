from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import ALL_ROLES, Case, roles


def _planner() -> dict[str, Any]:
    from spotcheck.accounts.tests.factories import UserFactory

    return {"pk": UserFactory.create(role=Role.PLANNER).pk}


def _someone_s_token() -> dict[str, Any]:
    """A token of another account: nobody revokes a token that is not theirs."""
    from spotcheck.accounts.services import api_token_create
    from spotcheck.accounts.tests.factories import UserFactory

    token, _ = api_token_create(acting_user=UserFactory.create(role=Role.PLANNER), name="系统")
    return {"pk": token.pk}


# API tokens: every signed-in role but the enterprise, each for their own account.
TOKEN_ROLES = ALL_ROLES - {Role.ENTERPRISE}

CASES = [
    Case("home", ALL_ROLES),
    Case("api-docs", ALL_ROLES),
    Case("api-schema", ALL_ROLES),
    Case("accounts:users", roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.DEPT_ADMIN)),
    Case("accounts:grant_role", roles(Role.SECURITY_ADMIN), setup=_planner),
    Case("api:me", ALL_ROLES),
    Case("api:departments", ALL_ROLES),
    Case("api:users", roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.DEPT_ADMIN)),
    Case("accounts:api_tokens", TOKEN_ROLES),
    Case("accounts:api_tokens", TOKEN_ROLES, method="post", data={"name": "对接系统", "days": 30}),
    Case("accounts:api_token_revoke", roles(), setup=_someone_s_token, method="post"),
]
