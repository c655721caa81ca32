"""Departments, accounts and roles: R-S1 mirroring and 三员分立."""

from __future__ import annotations

from typing import Any

import pytest

from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.roles import Role
from spotcheck.accounts.services import reference_load, user_create, user_grant_role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Refused, ServiceError

pytestmark = pytest.mark.django_db


def test_reference_load_seeds_the_city_and_twelve_counties_idempotently() -> None:
    reference_load()
    assert Division.objects.count() == 13
    city = Department.objects.filter(division_id="361100")
    assert city.count() == 33
    assert city.get(hosts_office=True).name == "市市场监管局"
    assert city.get(is_justice=True).name == "市司法局"
    assert reference_load() == (0, 0)
    assert Division.objects.count() == 13


def test_each_county_mirrors_the_city_with_its_own_office_and_justice_bureau() -> None:
    """R-S1: counties mirror the city."""
    reference_load()
    for county in Division.objects.exclude(code="361100"):
        departments = Department.objects.filter(division=county)
        assert departments.count() == 32  # the development zone's committee is city-only
        assert departments.get(hosts_office=True).name == f"{county.name}市场监管局"
        assert departments.get(is_justice=True).name == f"{county.name}司法局"


def test_department_codes_are_short_ascii_for_scd1_files() -> None:
    reference_load()
    for code in Department.objects.values_list("code", flat=True):
        assert code.isascii() and len(code) <= 32 and " " not in code


def test_only_the_system_admin_creates_accounts_and_without_roles(make_user: Any) -> None:
    sysadmin = make_user(Role.SYSTEM_ADMIN)
    user = user_create(acting_user=sysadmin, username="zhangsan", password="Shangrao#2027")
    assert user.role == "" and user.must_change_password
    with pytest.raises(Refused):
        user_create(acting_user=sysadmin, username="lisi", password="Shangrao#2027",
                    role=Role.AUDIT_ADMIN)
    for role in [Role.SECURITY_ADMIN, Role.AUDIT_ADMIN, Role.OFFICE, Role.DEPT_ADMIN]:
        with pytest.raises(Refused):
            user_create(acting_user=make_user(role), username=f"x{role}", password="Shangrao#2027")
    assert AuditEvent.objects.filter(action="user.create", actor=sysadmin).count() == 1


def test_a_weak_password_is_refused_at_creation(make_user: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        user_create(acting_user=make_user(Role.SYSTEM_ADMIN), username="wangwu", password="abc")


def test_the_security_admin_grants_roles_and_it_is_audited(make_user: Any) -> None:
    secadmin = make_user(Role.SECURITY_ADMIN)
    target = make_user(Role.PLANNER)
    samr = Department.objects.get(code="361100-SAMR")
    user_grant_role(acting_user=secadmin, user=target, role=Role.OFFICE, department=samr)
    target.refresh_from_db()
    assert target.role == Role.OFFICE and target.division_id == "361100"
    event = AuditEvent.objects.filter(action="user.grant_role").latest("seq")
    assert event.summary["before"]["role"] == Role.PLANNER
    assert event.summary["after"]["role"] == Role.OFFICE


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.OFFICE, Role.DEPT_ADMIN])
def test_nobody_but_the_security_admin_grants_roles(role: Role, make_user: Any) -> None:
    with pytest.raises(Refused):
        user_grant_role(acting_user=make_user(role), user=make_user(Role.PLANNER),
                        role=Role.INSPECTOR)


def test_nobody_grants_a_role_to_themselves(make_user: Any) -> None:
    secadmin = make_user(Role.SECURITY_ADMIN)
    with pytest.raises(Refused):
        user_grant_role(acting_user=secadmin, user=secadmin, role=Role.AUDIT_ADMIN)
    sysadmin = make_user(Role.SYSTEM_ADMIN)
    with pytest.raises(Refused):
        user_grant_role(acting_user=sysadmin, user=sysadmin, role=Role.AUDIT_ADMIN)


def test_roles_must_fit_their_department(make_user: Any) -> None:
    secadmin = make_user(Role.SECURITY_ADMIN)
    target = make_user(Role.PLANNER)
    env = Department.objects.get(code="361100-ENV")
    with pytest.raises(ServiceError, match="联席办"):
        user_grant_role(acting_user=secadmin, user=target, role=Role.OFFICE, department=env)
    with pytest.raises(ServiceError, match="司法局"):
        user_grant_role(acting_user=secadmin, user=target, role=Role.JUSTICE, department=env)


def test_the_system_admin_cannot_read_the_audit_trail(make_user: Any) -> None:
    assert not make_user(Role.SYSTEM_ADMIN).has_perm("audit.view_auditevent")
    assert not make_user(Role.SECURITY_ADMIN).has_perm("audit.view_auditevent")
    assert make_user(Role.AUDIT_ADMIN).has_perm("audit.view_auditevent")


def test_a_department_admin_sees_only_their_department_s_accounts(client: Any, make_user: Any) -> None:
    admin = make_user(Role.DEPT_ADMIN)
    mine = make_user(Role.INSPECTOR)
    other = make_user(Role.INSPECTOR, dept_code="361100-SAMR")
    client.force_login(admin)
    body = client.get("/accounts/users/").content.decode()
    assert mine.username in body and other.username not in body
    names = {u["username"] for u in client.get("/api/v1/users/").json()["results"]}
    assert mine.username in names and other.username not in names


def test_the_grant_page_refuses_one_s_own_account(client: Any, make_user: Any) -> None:
    secadmin = make_user(Role.SECURITY_ADMIN)
    client.force_login(secadmin)
    assert client.get(f"/accounts/users/{secadmin.pk}/role/").status_code == 403
    target = make_user(Role.PLANNER)
    response = client.post(f"/accounts/users/{target.pk}/role/",
                           {"role": Role.INSPECTOR, "department": target.department.code})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.INSPECTOR
