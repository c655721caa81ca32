from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import ALL_ROLES, Case, roles

SYSADMIN = roles(Role.SYSTEM_ADMIN)
# Enterprise accounts: the office or a department administrator of the entity's division.
ENTERPRISE_MAKERS = roles(Role.OFFICE, Role.DEPT_ADMIN)
# A fixed USCC in 信州区 (under the city the matrix roles sit in) for the search page.
MATRIX_USCC_N = 424242


def _planner(**extra: Any) -> dict[str, Any]:
    from spotcheck.accounts.tests.factories import UserFactory

    return {"pk": UserFactory.create(role=Role.PLANNER, **extra).pk}


def _entity() -> dict[str, Any]:
    from spotcheck.registry.tests.factories import EntityFactory, make_uscc

    return {"pk": EntityFactory.create(uscc=make_uscc("361102", n=MATRIX_USCC_N)).pk}


def _entity_searched() -> dict[str, Any]:
    _entity()
    return {}


def _staff_job() -> dict[str, Any]:
    from spotcheck.core.imports.models import ImportJob, ImportStatus

    job = ImportJob.objects.create(kind="accounts.staff", file_name="a.csv",
                                   file_path="/nonexistent/a.csv", file_format="csv",
                                   status=ImportStatus.SUCCEEDED)
    return {"pk": job.pk}


def _uscc_query() -> str:
    from spotcheck.registry.tests.factories import make_uscc

    return "?uscc=" + make_uscc("361102", n=MATRIX_USCC_N)


def _someone_s_token() -> dict[str, Any]:
    """A token of another account: nobody revokes a token that is not theirs."""
    from spotcheck.accounts.services import api_token_create
    from spotcheck.accounts.tests.factories import UserFactory

    token, _ = api_token_create(acting_user=UserFactory.create(role=Role.PLANNER), name="系统")
    return {"pk": token.pk}


# API tokens: every signed-in role but the enterprise, each for their own account.
TOKEN_ROLES = ALL_ROLES - {Role.ENTERPRISE}

CASES = [
    Case("home", ALL_ROLES, public=True),  # anonymous: the landing (public portal, sign-in)
    Case("api-docs", ALL_ROLES),
    Case("api-schema", ALL_ROLES),
    Case("accounts:users", roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.DEPT_ADMIN)),
    Case("accounts:users", roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.DEPT_ADMIN),
         query="?q=user"),
    Case("accounts:grant_role", roles(Role.SECURITY_ADMIN), setup=_planner),
    Case("accounts:grant_role", roles(Role.SECURITY_ADMIN), setup=_planner, method="post",
         data={"find": "1", "dept_q": "信州 生态"}),
    Case("api:me", ALL_ROLES),
    Case("api:departments", ALL_ROLES),
    Case("api:users", roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.DEPT_ADMIN)),
    Case("accounts:api_tokens", TOKEN_ROLES),
    Case("accounts:api_tokens", TOKEN_ROLES, method="post", data={"name": "对接系统", "days": 30}),
    Case("accounts:api_token_revoke", roles(), setup=_someone_s_token, method="post"),
    # Account management: the system administrator only (三员分立).
    Case("accounts:user_create", SYSADMIN),
    Case("accounts:user_detail", roles(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.DEPT_ADMIN),
         setup=_planner),
    Case("accounts:user_disable", SYSADMIN, setup=_planner, method="post", ok_status=302),
    Case("accounts:user_enable", SYSADMIN, setup=lambda: _planner(is_active=False),
         method="post", ok_status=302),
    Case("accounts:user_unlock", SYSADMIN, setup=_planner, method="post", ok_status=302),
    # The second factor: enrolment for staff and the three administrators (not enterprises);
    # the code page sends a session already verified on to its next page.
    Case("accounts:otp_enrol", ALL_ROLES - {Role.ENTERPRISE}),
    Case("accounts:otp_verify", ALL_ROLES, ok_status=302),
    # The second factor of another account: the security administrator resets it.
    Case("accounts:otp_reset", roles(Role.SECURITY_ADMIN), setup=_planner, method="post", ok_status=302),
    Case("accounts:user_reset", SYSADMIN, setup=_planner, method="post"),
    Case("accounts:department_options", ALL_ROLES, query="?dept_q=信州+生态"),
    Case("accounts:import", SYSADMIN),
    Case("accounts:import_template", SYSADMIN, setup=lambda: {"fmt": "csv"}),
    Case("accounts:import_job", SYSADMIN, setup=_staff_job),
    Case("accounts:import_progress", SYSADMIN, setup=_staff_job),
    Case("accounts:import_report", SYSADMIN, setup=_staff_job),
    Case("accounts:import_resume", SYSADMIN, setup=_staff_job, method="post", ok_status=302),
    Case("accounts:enterprise_accounts", ENTERPRISE_MAKERS),
    Case("accounts:enterprise_accounts", ENTERPRISE_MAKERS, setup=_entity_searched,
         query=_uscc_query()),
    Case("accounts:enterprise_account_create", ENTERPRISE_MAKERS, setup=_entity),
    Case("accounts:enterprise_account_create", ENTERPRISE_MAKERS, setup=_entity, method="post",
         data={"username": "qiye-matrix"}),
    Case("accounts:activation_code_issue", ENTERPRISE_MAKERS, setup=_entity, method="post"),
    Case("accounts:activate", ALL_ROLES, public=True),
]
