"""Writes about departments and users; every one audited in its own transaction."""

from __future__ import annotations

import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from spotcheck.accounts import reference, tokens
from spotcheck.accounts.hooks import reference_steps
from spotcheck.accounts.models import ApiToken, Department, Division, DivisionKind, User
from spotcheck.accounts.roles import ADMIN_ROLES, STAFF_ROLES, Role
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError, refuse_unless
from spotcheck.core.reference import read_csv


@dataclass
class ReferenceChanges:
    """What a reference load did (or, in a dry run, would do), in words for the operator."""

    city: str
    divisions_created: list[str] = field(default_factory=list)
    divisions_updated: list[str] = field(default_factory=list)
    departments_created: list[str] = field(default_factory=list)
    departments_updated: list[str] = field(default_factory=list)
    key_field_tags_created: int = 0
    # In the database but no longer in the files: kept (accounts and records point at them).
    divisions_not_in_file: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.divisions_created or self.divisions_updated or self.departments_created
                    or self.departments_updated or self.key_field_tags_created)

    def lines(self) -> list[str]:
        out = []
        for label, names in [("新增行政区划", self.divisions_created),
                             ("更新行政区划", self.divisions_updated),
                             ("新增部门", self.departments_created),
                             ("更新部门", self.departments_updated),
                             ("文件中已无、保留未删的行政区划", self.divisions_not_in_file)]:
            if names:
                shown = "、".join(names[:10]) + (f" 等 {len(names)} 个" if len(names) > 10 else "")
                out.append(f"{label} {len(names)} 个：{shown}")
        if self.key_field_tags_created:
            out.append(f"新增重点领域标签 {self.key_field_tags_created} 个")
        return out or ["参考数据已是最新，无变化。"]


def _city_rows(city: str) -> list[dict[str, str]]:
    rows = [r for r in read_csv("divisions.csv") if reference.in_city(r["code"], city)]
    if not any(r["code"] == city and r["kind"] == DivisionKind.CITY for r in rows):
        raise ServiceError(f"参考数据 divisions.csv 中没有设区市 {city}（见设置 SPOTCHECK_CITY）。",
                           fields={"SPOTCHECK_CITY": [city]})
    return rows


def _divisions_sync(city: str, changes: ReferenceChanges) -> list[Division]:
    rows = _city_rows(city)
    existing = {d.code: d for d in Division.objects.filter(code__startswith=city[:4])}
    new: list[Division] = []
    changed: list[Division] = []
    for r in rows:
        wanted = Division(code=r["code"], name=r["name"], kind=r["kind"],
                          parent_id=None if r["code"] == city else city)
        have = existing.get(r["code"])
        if have is None:
            new.append(wanted)
            changes.divisions_created.append(f"{wanted.code} {wanted.name}")
        elif (have.name, have.kind, have.parent_id) != (wanted.name, wanted.kind, wanted.parent_id):
            changed.append(wanted)
            changes.divisions_updated.append(f"{wanted.code} {have.name}→{wanted.name}"
                                             if have.name != wanted.name else f"{wanted.code} {wanted.name}")
    # The city first: counties point at it.
    Division.objects.bulk_create(sorted(new, key=lambda d: d.parent_id is not None))
    Division.objects.bulk_update(changed, ["name", "kind", "parent"])
    in_file = {r["code"] for r in rows}
    changes.divisions_not_in_file = [f"{d.code} {d.name}" for code, d in sorted(existing.items())
                                     if code not in in_file]
    return list(Division.objects.filter(code__in=in_file))


def _departments_sync(city: str, divisions: list[Division], changes: ReferenceChanges) -> None:
    units = reference.member_units()
    existing = {(d.division_id, d.unit_code): d
                for d in Department.objects.filter(division__in=divisions)}
    new: list[Department] = []
    changed: list[Department] = []
    fields = ["code", "name", "seq", "hosts_office", "is_justice"]
    for division in divisions:
        is_city = division.code == city
        for unit in units:
            if not is_city and unit.city_only:
                continue
            department = Department(
                division=division, unit_code=unit.code, code=f"{division.code}-{unit.code}",
                name=unit.name_in(division.name, is_city), seq=unit.seq,
                hosts_office=unit.seq == reference.OFFICE_HOST_SEQ,
                is_justice=unit.seq == reference.JUSTICE_SEQ,
            )
            current = existing.get((division.code, unit.code))
            if current is None:
                new.append(department)
                changes.departments_created.append(f"{department.code} {department.name}")
            elif any(getattr(current, f) != getattr(department, f) for f in fields):
                department.pk = current.pk
                changed.append(department)
                changes.departments_updated.append(f"{department.code} {department.name}")
    Department.objects.bulk_create(new)
    Department.objects.bulk_update(changed, fields)


def reference_sync(*, acting_user: Any = None, dry_run: bool = False) -> ReferenceChanges:
    """Bring the reference tables in line with the shipped files: the deploying city's
    divisions (GB/T 2260) and departments — its member units, mirrored in each county with
    its own office host and justice bureau (R-S1) — and the key-field tags (R-A1).

    Idempotent and cheap when nothing changed (a few queries): ``migrate`` runs it after
    every migration, and so does every test database. Nothing is deleted: a division or a
    unit dropped from the files stays (accounts and records point at it) and is reported.
    A dry run does the same work in a transaction that is rolled back.
    """
    city = reference.city_code()
    changes = ReferenceChanges(city=city)
    with transaction.atomic():
        divisions = _divisions_sync(city, changes)
        _departments_sync(city, divisions, changes)
        # The steps registered by the apps above (registry: the key-field tags, R-A1).
        created = {name: step.run() for name, step in reference_steps()}
        changes.key_field_tags_created = created.get("key_field_tags", 0)
        if changes.changed:
            audit_record(action="reference.load", actor=acting_user, object_type="department",
                         summary={"city": city,
                                  "divisions_created": len(changes.divisions_created),
                                  "departments_created": len(changes.departments_created),
                                  "divisions_updated": len(changes.divisions_updated),
                                  "departments_updated": len(changes.departments_updated),
                                  "key_field_tags_created": changes.key_field_tags_created})
        if dry_run:
            transaction.set_rollback(True)
    return changes


def reference_load() -> tuple[int, int]:
    """The reference load as the platform does it (demo, benchmarks, tests): returns the
    number of divisions and departments created."""
    changes = reference_sync()
    return len(changes.divisions_created), len(changes.departments_created)


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
    refuse_unless(acting_user, "accounts.add_user", None, "只有系统管理员可以创建账户。")
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


def user_grant_role(*, acting_user: User, user: User, role: str,
                    department: Department | None = None, request: Any = None) -> User:
    """Grant a role: the security administrator only, never to their own account.

    三员分立: the three administrators' roles are set up by ``admins_bootstrap`` only; no
    account is made one of them here, and none of them has its role changed here, so no
    account holds two of the three roles and no 三员 account changes another's role.
    Refusals are audited (R-S2)."""
    with refusals_audited("user.grant_role", actor=acting_user, object_type="user",
                          request=request, extra={"user": user.username, "role": str(role)}):
        if not acting_user.has_perm("accounts.grant_role", user):
            raise Refused("只有安全管理员可以授权，且不能为本人授权。")
        if role not in Role.values:
            raise ServiceError("未知的角色。", fields={"role": ["无效"]})
        if role in ADMIN_ROLES:
            raise Refused(f"“{Role(role).label}”是三员角色，只能用 bootstrap_admins 命令设立，"
                          "不能在授权中授予。", fields={"role": ["三员角色不能授予"]})
        with transaction.atomic():
            # Locked: a concurrent bootstrap cannot make this account a 三员 account meanwhile.
            current = User.objects.select_for_update().get(pk=user.pk)
            if current.role in ADMIN_ROLES:
                raise Refused(f"{current} 是{Role(current.role).label}（三员），其角色不能由他人更改。",
                              fields={"role": ["三员账户的角色不能更改"]})
            department = department or user.department
            _check_role_fits(role, department, user.enterprise_uscc)
            before = {"role": current.role,
                      "department": current.department.code if current.department else ""}
            user.role = role
            user.department = department
            user.division = department.division if department else None
            user.is_staff = False
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


# 三员: the default account names of the three administrators, in the order they are shown.
ADMIN_USERNAMES: dict[str, str] = {
    Role.SYSTEM_ADMIN.value: "sysadmin",
    Role.SECURITY_ADMIN.value: "secadmin",
    Role.AUDIT_ADMIN.value: "auditor",
}


def one_time_password() -> str:
    """16 random characters of the four classes: meets the policy, changed at first sign-in."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(12))
    upper, lower = secrets.choice(string.ascii_uppercase), secrets.choice(string.ascii_lowercase)
    return f"{upper}{core}-{secrets.randbelow(10)}{lower}"


def _admin_usernames(usernames: Mapping[str, str] | None) -> dict[str, str]:
    given = dict(usernames or {})
    unknown = sorted(set(given) - set(ADMIN_USERNAMES))
    if unknown:
        raise ServiceError(f"未知的三员角色：{'、'.join(unknown)}。", fields={"role": unknown})
    wanted = {role: (given.get(role) or default).strip() for role, default in ADMIN_USERNAMES.items()}
    for role, name in wanted.items():
        try:
            UnicodeUsernameValidator()(name)
        except ValidationError:
            raise ServiceError(f"{Role(role).label}的用户名“{name}”无效：只能含字母、数字和 @.+-_。",
                               fields={role: ["用户名无效"]}) from None
        if len(name) > 150:
            raise ServiceError(f"{Role(role).label}的用户名过长（至多 150 个字符）。",
                               fields={role: ["用户名过长"]})
    names = list(wanted.values())
    for name in names:
        if names.count(name) > 1:
            raise ServiceError(f"同一账户 {name} 不能担任两个三员角色（三员分立）。",
                               fields={"username": [name]})
    return wanted


def admins_bootstrap(*, usernames: Mapping[str, str] | None = None,
                     reset: bool = False) -> list[tuple[str, str, str]]:
    """Create the three administrators (三员: system, security, audit) with one-time passwords
    that must be changed at first sign-in; returns ``(role, username, password)`` per account.

    Refused when any 三员 account exists, unless ``reset``: then the three named accounts get
    new one-time passwords (created where missing, enabled again) and any other account
    holding a 三员 role is disabled, so each role has one account. An account never holds
    two of the roles; an ordinary account is never turned into one. Audited, refusals too.
    """
    with refusals_audited("user.bootstrap_admins", actor=None, object_type="user",
                          extra={"reset": reset}):
        wanted = _admin_usernames(usernames)
        with transaction.atomic():
            # Locked: two bootstraps at once take turns and the second sees the first's accounts.
            holders = list(User.objects.select_for_update().filter(role__in=ADMIN_ROLES)
                           .order_by("username"))
            if holders and not reset:
                raise Refused("三员账户已存在（" + "、".join(u.username for u in holders)
                              + "），未作更改。如需为三员重新设置一次性密码，请加 --reset。",
                              code="admins_exist")
            named = {u.username: u for u in User.objects.select_for_update()
                     .filter(username__in=wanted.values())}
            for role, name in wanted.items():
                other = named.get(name)
                if other is not None and other.role != role:
                    held = Role(other.role).label if other.role else "普通账户"
                    raise Refused(f"账户 {name} 已是{held}，不能担任{Role(role).label}"
                                  "（三员分立；请换一个用户名）。", fields={role: [name]})
            created: list[tuple[str, str, str]] = []
            accounts = []
            for role, name in wanted.items():
                user = named.get(name) or User(username=name, display_name=Role(role).label,
                                               role=role)
                password = one_time_password()
                validate_password(password, user)
                user.set_password(password)
                user.is_active, user.is_staff, user.must_change_password = True, True, True
                user.full_clean(validate_unique=False)
                try:
                    with transaction.atomic():
                        user.save()
                except IntegrityError:
                    # A bootstrap running at the same moment created this account first.
                    raise Refused(f"三员账户 {name} 刚由另一次执行创建，未作更改。",
                                  code="admins_exist") from None
                accounts.append({"role": role, "username": name, "created": name not in named})
                created.append((role, name, password))
            disabled = [u.username for u in holders if u.username not in wanted.values()]
            User.objects.filter(username__in=disabled).update(is_active=False)
            audit_record(action="user.bootstrap_admins", object_type="user",
                         summary={"reset": reset, "accounts": accounts, "disabled": disabled})
    return created


# --- API tokens: made, listed and revoked by their owner on the 接口令牌 page -----------------

API_TOKENS_PER_USER = 10  # live tokens per account: one per system that calls the API


def _token_days(days: Any) -> int:
    limit = 366
    try:
        value = settings.API_TOKEN_DAYS if days in (None, "") else int(days)
    except (TypeError, ValueError):
        value = 0
    if isinstance(days, bool) or not 1 <= value <= limit:
        raise ServiceError(f"有效天数应为 1 到 {limit} 之间的整数。", fields={"days": ["1–366"]})
    return value


def api_token_create(*, acting_user: Any, name: str, days: int | None = None,
                     user: User | None = None, request: Any = None) -> tuple[ApiToken, str]:
    """A named token for the acting user's own account, valid ``days`` (``API_TOKEN_DAYS`` by
    default); returns it with its key, which is shown once and never stored (only its
    digest is). ``acting_user=None`` is the platform making one for ``user`` (command line).
    Audited, refusals too (R-S2)."""
    owner = user if acting_user is None else acting_user
    if owner is None:
        raise ServiceError("请指定令牌所属的账户。", fields={"user": ["必填"]})
    clean_name = str(name or "").strip()
    with refusals_audited("token.create", actor=acting_user, object_type="api_token",
                          request=request,
                          extra={"user": owner.username, "name": clean_name[:64]}):
        if acting_user is not None and (
                (user is not None and user.pk != acting_user.pk)
                or not acting_user.has_perm("accounts.manage_own_tokens")):
            raise Refused("只能为本人的账户创建接口令牌。")
        if not owner.is_active:
            raise Refused("该账户已停用，不能创建接口令牌。")
        if not clean_name or len(clean_name) > 64:
            raise ServiceError("请填写令牌名称（至多 64 个字符），如调用它的系统的名称。",
                               fields={"name": ["必填，至多 64 个字符"]})
        lifetime = _token_days(days)
        with transaction.atomic():
            # The owner's row is locked: two creations at once count each other's tokens.
            User.objects.select_for_update().filter(pk=owner.pk).exists()
            now = clock.now()
            mine = ApiToken.objects.filter(user=owner, revoked_at__isnull=True)
            if mine.filter(name=clean_name).exists():
                raise ServiceError(f"已有名为“{clean_name}”的未吊销令牌：请换一个名称，或先吊销它。",
                                   fields={"name": ["名称重复"]})
            if mine.filter(expires_at__gt=now).count() >= API_TOKENS_PER_USER:
                raise ServiceError(f"每个账户至多 {API_TOKENS_PER_USER} 个有效令牌：请先吊销不用的令牌。",
                                   code="too_many_tokens")
            key = tokens.key_new()
            token = ApiToken(user=owner, name=clean_name, key_digest=tokens.key_digest(key),
                             prefix=key[:8], created_at=now,
                             expires_at=now + timedelta(days=lifetime))
            token.full_clean()
            token.save()
            audit_record(action="token.create", actor=acting_user, object_type="api_token",
                         object_id=token.pk, request=request,
                         summary={"user": owner.username, "name": clean_name,
                                  "prefix": token.prefix,
                                  "expires_at": token.expires_at.isoformat()})
    return token, key


def api_token_revoke(*, acting_user: Any, token: ApiToken, request: Any = None) -> ApiToken:
    """End a token for good, from now on: its owner only (the platform too). A token revoked
    meanwhile (another tab, another request) is a Conflict, not a second revocation."""
    with refusals_audited("token.revoke", actor=acting_user, object_type="api_token",
                          request=request, extra={"token": token.pk}):
        if acting_user is not None and (token.user_id != acting_user.pk
                                        or not acting_user.has_perm("accounts.manage_own_tokens")):
            raise Refused("只能吊销本人的接口令牌。")
        with transaction.atomic():
            now = clock.now()
            if not ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now):
                raise Conflict("该令牌已吊销。")
            token.revoked_at = now
            audit_record(action="token.revoke", actor=acting_user, object_type="api_token",
                         object_id=token.pk, request=request,
                         summary={"user": token.user.username, "name": token.name,
                                  "prefix": token.prefix})
    return token
