"""Writes about departments and users; every one audited in its own transaction."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from spotcheck.accounts import reference
from spotcheck.accounts.models import Department, Division, DivisionKind, User
from spotcheck.accounts.roles import STAFF_ROLES, Role
from spotcheck.audit.services import audit_record
from spotcheck.core import clock
from spotcheck.core.errors import Refused, ServiceError


@transaction.atomic
def reference_load() -> tuple[int, int]:
    """Divisions (GB/T 2260) and departments: the city's 33 member units, mirrored in each
    county with its own office host and justice bureau (R-S1). Idempotent, and cheap when
    nothing changed (a few queries), since every test and every demo run calls it."""
    rows = reference.read_csv("divisions.csv")
    city_code = next(r["code"] for r in rows if r["kind"] == DivisionKind.CITY)
    existing_divisions = {d.code: d for d in Division.objects.all()}
    new_divisions: list[Division] = []
    changed_divisions: list[Division] = []
    for r in rows:
        wanted = Division(code=r["code"], name=r["name"], kind=r["kind"],
                          parent_id=None if r["code"] == city_code else city_code)
        have = existing_divisions.get(r["code"])
        if have is None:
            new_divisions.append(wanted)
        elif (have.name, have.kind, have.parent_id) != (wanted.name, wanted.kind, wanted.parent_id):
            changed_divisions.append(wanted)
    # The city first: counties point at it.
    Division.objects.bulk_create(sorted(new_divisions, key=lambda d: d.parent_id is not None))
    Division.objects.bulk_update(changed_divisions, ["name", "kind", "parent"])

    units = reference.member_units()
    existing = {(d.division_id, d.unit_code): d for d in Department.objects.all()}
    new_departments: list[Department] = []
    changed_departments: list[Department] = []
    fields = ["code", "name", "seq", "hosts_office", "is_justice"]
    for division in Division.objects.all():
        is_city = division.code == city_code
        for unit in units:
            if not is_city and unit.seq in reference.CITY_ONLY_SEQS:
                continue
            department = Department(
                division=division, unit_code=unit.code, code=f"{division.code}-{unit.code}",
                name=unit.name_in(division.name, is_city), seq=unit.seq,
                hosts_office=unit.seq == reference.OFFICE_HOST_SEQ,
                is_justice=unit.seq == reference.JUSTICE_SEQ,
            )
            current = existing.get((division.code, unit.code))
            if current is None:
                new_departments.append(department)
            elif any(getattr(current, f) != getattr(department, f) for f in fields):
                department.pk = current.pk
                changed_departments.append(department)
    Department.objects.bulk_create(new_departments)
    Department.objects.bulk_update(changed_departments, fields)
    divisions, departments = len(new_divisions), len(new_departments)
    if divisions or departments or changed_divisions or changed_departments:
        audit_record(action="reference.load", object_type="department",
                     summary={"divisions_created": divisions, "departments_created": departments,
                              "divisions_updated": len(changed_divisions),
                              "departments_updated": len(changed_departments)})
    return divisions, departments


def _check_role_fits(role: str, department: Department | None, uscc: str) -> None:
    if role in STAFF_ROLES and department is None:
        raise ServiceError("政府工作人员角色必须指定所属部门。", fields={"department": ["必填"]})
    if role == Role.OFFICE and department is not None and not department.hosts_office:
        raise ServiceError("联席办工作人员须属于设联席办的市场监管部门。",
                           fields={"department": ["须为市场监管局"]})
    if role == Role.JUSTICE and department is not None and not department.is_justice:
        raise ServiceError("司法局审查人员须属于司法局。", fields={"department": ["须为司法局"]})
    if role == Role.ENTERPRISE and not uscc:
        raise ServiceError("企业用户须填写统一社会信用代码。", fields={"enterprise_uscc": ["必填"]})


def user_new(*, username: str, password: str, display_name: str = "", role: str = "",
             department: Department | None = None, enterprise_uscc: str = "",
             must_change_password: bool = True) -> User:
    """Check and save a new account (no permission check, no audit: the callers do both)."""
    if User.objects.filter(username=username).exists():
        raise ServiceError(f"用户名 {username} 已存在。", fields={"username": ["已存在"]})
    _check_role_fits(role, department, enterprise_uscc) if role else None
    user = User(username=username, display_name=display_name, role=role, department=department,
                division=department.division if department else None,
                enterprise_uscc=enterprise_uscc, must_change_password=must_change_password,
                password_changed_at=None if must_change_password else clock.now(),
                is_staff=role in {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def user_create(
    *,
    acting_user: Any,
    username: str,
    password: str,
    display_name: str = "",
    role: str = "",
    department: Department | None = None,
    enterprise_uscc: str = "",
    request: Any = None,
) -> User:
    """Create an account. Only the system administrator creates accounts; the platform
    itself (``acting_user=None``) does for seeding. The first sign-in forces a new password."""
    if acting_user is not None and not acting_user.has_perm("accounts.add_user"):
        raise Refused("只有系统管理员可以创建账户。")
    if acting_user is not None and role:
        # 三员分立: roles are granted by the security administrator, not at creation.
        raise Refused("创建账户时不能分配角色，请由安全管理员授权。")
    user = user_new(username=username, password=password, display_name=display_name, role=role,
                    department=department, enterprise_uscc=enterprise_uscc)
    audit_record(action="user.create", actor=acting_user, object_type="user",
                 object_id=user.pk, request=request,
                 summary={"after": {"username": username, "role": role,
                                    "department": department.code if department else ""}})
    return user


@transaction.atomic
def user_grant_role(*, acting_user: User, user: User, role: str,
                    department: Department | None = None, request: Any = None) -> User:
    """Grant a role: the security administrator only, never to their own account."""
    if not acting_user.has_perm("accounts.grant_role", user):
        raise Refused("只有安全管理员可以授权，且不能为本人授权。")
    if role not in Role.values:
        raise ServiceError("未知的角色。", fields={"role": ["无效"]})
    department = department or user.department
    _check_role_fits(role, department, user.enterprise_uscc)
    before = {"role": user.role, "department": user.department.code if user.department else ""}
    user.role = role
    user.department = department
    user.division = department.division if department else None
    user.is_staff = role in {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
    user.full_clean()
    user.save()
    audit_record(action="user.grant_role", actor=acting_user, object_type="user",
                 object_id=user.pk, request=request,
                 summary={"before": before,
                          "after": {"role": role,
                                    "department": department.code if department else ""}})
    return user


@transaction.atomic
def user_password_changed(*, user: User, request: Any = None) -> None:
    """Record a password change: the forced change is satisfied, the age restarts."""
    User.objects.filter(pk=user.pk).update(must_change_password=False,
                                           password_changed_at=clock.now())
    user.must_change_password = False
    audit_record(action="user.password_change", actor=user, object_type="user",
                 object_id=user.pk, request=request)


def password_expired(user: User, max_age_days: int) -> bool:
    if user.must_change_password:
        return True
    if max_age_days <= 0:
        return False
    if user.password_changed_at is None:
        return True
    return (clock.now() - user.password_changed_at).days >= max_age_days
