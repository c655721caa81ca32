"""Accounts over their life, managed from pages: create, disable, enable, unlock, reset; and
enterprise accounts bound to their entity, created by the office or a department, or
activated by the enterprise itself with a one-time code.

三员分立 (R-S2): only the system administrator manages accounts (``accounts.manage_user``),
only the security administrator grants roles (``services.user_grant_role``), nobody acts on
their own account, and the three administrators' accounts are not managed from pages at all
(``manage.py bootstrap_admins`` resets them on the server). Every act is audited in its
transaction; every refusal is audited after its transaction rolled back.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from spotcheck.accounts.models import ActivationCode, Department, User
from spotcheck.accounts.roles import Role
from spotcheck.accounts.services import user_create, user_new
from spotcheck.audit.models import Outcome
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, Refused, ServiceError, refuse_unless

OBJECT_TYPE = "user"
# Letters and digits that cannot be mistaken for one another when read from paper.
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_DIGITS = "23456789"
CODE_ALPHABET = _UPPER + _DIGITS
CODE_LENGTH = 12  # 32 symbols: 60 bits
ACTIVATION_MAX_ATTEMPTS = 5
# One message for every failed activation: it must not tell which USCCs hold a live code.
ACTIVATION_FAILED = "统一社会信用代码或激活码不正确，或激活码已使用、已过期、已作废。"


def one_time_password() -> str:
    """A random first password meeting the policy (four character classes), shown once and
    changed at first sign-in: e.g. ``k7Qm-X2pa-9Tzr``."""
    pool = _UPPER + _LOWER + _DIGITS
    while True:
        chars = [secrets.choice(pool) for _ in range(12)]
        if (any(c in _UPPER for c in chars) and any(c in _LOWER for c in chars)
                and any(c in _DIGITS for c in chars)):
            return "-".join("".join(chars[i:i + 4]) for i in (0, 4, 8))


def _audited(action: str, *, actor: Any, target: Any = None, request: Any = None,
             extra: dict[str, Any] | None = None) -> Any:
    name = {"user": target.username} if isinstance(target, User) else {}
    return refusals_audited(action, actor=actor, object_type=OBJECT_TYPE, request=request,
                            extra={**name, **(extra or {})})


@contextmanager
def _as_service_errors() -> Iterator[None]:
    """Django's validation (username characters, the password policy) as a ServiceError."""
    try:
        yield
    except ValidationError as exc:
        fields = {k: [str(m) for m in v] for k, v in exc.message_dict.items()} if hasattr(
            exc, "error_dict") else {"password": list(exc.messages)}
        raise ServiceError("；".join(m for ms in fields.values() for m in ms),
                           fields=fields) from exc


def _record(action: str, *, acting_user: Any, user: User, request: Any,
            summary: dict[str, Any] | None = None) -> None:
    audit_record(action=action, actor=acting_user, object_type=OBJECT_TYPE, object_id=user.pk,
                 request=request, summary={"user": user.username, **(summary or {})})


# --- the system administrator ----------------------------------------------------------


def account_create(*, acting_user: Any, username: str, display_name: str = "",
                   department: Department | None = None, request: Any = None) -> tuple[User, str]:
    """A government staff account without a role (the security administrator grants it), with
    a one-time password to hand over; the first sign-in forces a new one."""
    with _audited("user.create", actor=acting_user, request=request,
                  extra={"username": username[:150]}):
        password = one_time_password()
        with _as_service_errors():
            user = user_create(acting_user=acting_user, username=username, password=password,
                               display_name=display_name, department=department,
                               request=request)
        return user, password


_MANAGE_REFUSED = ("只有系统管理员可以管理账户；不能管理本人账户，三员账户只能在服务器上用 "
                   "bootstrap_admins 命令重置。")


def _managed(acting_user: Any, user: User) -> User:
    """The account, locked for this transaction, once the acting user may manage it: judged
    on the row as it is now (a role granted meanwhile counts)."""
    fresh = User.objects.select_for_update().get(pk=user.pk)
    refuse_unless(acting_user, "accounts.manage_user", fresh, _MANAGE_REFUSED)
    return fresh


def _set_active(*, acting_user: Any, user: User, active: bool, request: Any) -> User:
    action = "user.enable" if active else "user.disable"
    with _audited(action, actor=acting_user, target=user, request=request):
        with transaction.atomic():
            _managed(acting_user, user)
            # A guarded update: of two administrators, one does it, the other is told.
            done = User.objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
            if not done:
                raise Conflict("该账户已启用。" if active else "该账户已停用。")
            user.is_active = active
            _record(action, acting_user=acting_user, user=user, request=request)
    return user


def user_disable(*, acting_user: Any, user: User, request: Any = None) -> User:
    """Disable an account: it can no longer sign in, its sessions and API tokens stop
    working (inactive users are refused by the authentication backends)."""
    return _set_active(acting_user=acting_user, user=user, active=False, request=request)


def user_enable(*, acting_user: Any, user: User, request: Any = None) -> User:
    return _set_active(acting_user=acting_user, user=user, active=True, request=request)


def failures_of(username: str) -> int:
    """Failed sign-ins counted against the account within the lockout period (django-axes)."""
    since = clock.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(username=username, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start"))["n"]
    return int(total or 0)


def is_locked(username: str) -> bool:
    return failures_of(username) >= settings.AXES_FAILURE_LIMIT


def user_unlock(*, acting_user: Any, user: User, request: Any = None) -> int:
    """Clear the account's failed sign-ins (django-axes lockout); returns how many records
    were removed."""
    with _audited("user.unlock", actor=acting_user, target=user, request=request):
        with transaction.atomic():
            _managed(acting_user, user)
            failures = failures_of(user.username)
            if not failures:
                raise Conflict("该账户没有被锁定，也没有失败的登录记录。")
            removed = axes_reset(username=user.username)
            _record("user.unlock", acting_user=acting_user, user=user, request=request,
                    summary={"failures": failures, "records": removed})
    return int(removed)


def user_password_reset(*, acting_user: Any, user: User, request: Any = None) -> str:
    """A new one-time password, to be changed at the next sign-in (the forced change of
    ``PasswordChangeRequiredMiddleware``); the account's open sessions end with the old
    password. Returns the password, shown once."""
    with _audited("user.password_reset", actor=acting_user, target=user, request=request):
        password = one_time_password()
        with transaction.atomic():
            locked = _managed(acting_user, user)
            locked.set_password(password)
            locked.must_change_password = True
            locked.save(update_fields=["password", "must_change_password"])
            _record("user.password_reset", acting_user=acting_user, user=locked, request=request)
    return password


# --- enterprise accounts -----------------------------------------------------------------


def enterprise_account_create(*, acting_user: Any, entity: Any, username: str,
                              display_name: str = "", request: Any = None) -> tuple[User, str]:
    """An enterprise account bound to ``entity`` (it sees only its own entity), created by
    the office or a department administrator of the entity's division, with a one-time
    password to hand over."""
    with _audited("enterprise.account_create", actor=acting_user, request=request,
                  extra={"uscc": entity.uscc, "username": username[:150]}):
        refuse_unless(acting_user, "accounts.add_enterprise_account", entity,
                      "只有本辖区的联席办或部门管理员可以为该市场主体开设企业账户。")
        password = one_time_password()
        with transaction.atomic(), _as_service_errors():
            user = user_new(username=username, password=password,
                            display_name=display_name or entity.name[:64], role=Role.ENTERPRISE,
                            enterprise_uscc=entity.uscc)
            _record("enterprise.account_create", acting_user=acting_user, user=user,
                    request=request, summary={"uscc": entity.uscc})
        return user, password


def _normalise_code(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def activation_code_days() -> int:
    return int(settings.ACTIVATION_CODE_DAYS)


def activation_code_issue(*, acting_user: Any, entity: Any, request: Any = None
                          ) -> tuple[ActivationCode, str]:
    """A one-time activation code for the entity, to be printed (e.g. on its inspection
    notice). Only its hash is kept; any earlier live code of the entity is revoked."""
    with _audited("enterprise.activation_code_issue", actor=acting_user, request=request,
                  extra={"uscc": entity.uscc}):
        refuse_unless(acting_user, "accounts.add_enterprise_account", entity,
                      "只有本辖区的联席办或部门管理员可以为该市场主体签发激活码。")
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        now = clock.now()
        with transaction.atomic():
            revoked = ActivationCode.objects.filter(
                entity=entity, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
            issued = ActivationCode.objects.create(
                entity=entity, code_hash=make_password(code), issued_by=acting_user,
                issued_at=now, expires_at=now + timedelta(days=activation_code_days()))
            audit_record(action="enterprise.activation_code_issue", actor=acting_user,
                         object_type="activation_code", object_id=issued.pk, request=request,
                         summary={"uscc": entity.uscc, "revoked": revoked,
                                  "expires_at": issued.expires_at.isoformat()})
    return issued, "-".join(code[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def _live_code(uscc: str) -> ActivationCode | None:
    return (ActivationCode.objects.select_related("entity")
            .filter(entity__uscc=uscc, used_at__isnull=True, revoked_at__isnull=True)
            .order_by("-issued_at").first())


def _activation_refused(*, live: ActivationCode | None, uscc: str, username: str,
                        request: Any) -> Refused:
    audit_record(action="enterprise.activate", actor_name=username[:150],
                 object_type="activation_code", object_id=live.pk if live else "",
                 outcome=Outcome.FAILURE, request=request, summary={"uscc": uscc[:18]})
    return Refused(ACTIVATION_FAILED, code="activation_failed")


def enterprise_activate(*, uscc: str, code: str, username: str, password: str,
                        request: Any = None) -> User:
    """The enterprise activates its account with the USCC and the printed code, choosing its
    username and password. The code is used once, expires, and allows
    ``ACTIVATION_MAX_ATTEMPTS`` entries; every failure says the same thing (it must not reveal
    which entities hold a code) and is audited."""
    uscc = uscc.strip().upper()
    with _as_service_errors():
        validate_password(password, User(username=username, enterprise_uscc=uscc))
    if User.objects.filter(username=username).exists():
        raise ServiceError(f"用户名 {username} 已存在，请另选一个。", fields={"username": ["已存在"]})
    live = _live_code(uscc)
    now = clock.now()
    # An entry is counted before the code is checked, by a guarded update: however many
    # guesses arrive at once, no more than the limit are ever checked.
    counted = live is not None and live.expires_at > now and ActivationCode.objects.filter(
        pk=live.pk, attempts__lt=ACTIVATION_MAX_ATTEMPTS).update(attempts=F("attempts") + 1)
    if not counted or live is None or not check_password(_normalise_code(code), live.code_hash):
        raise _activation_refused(live=live, uscc=uscc, username=username, request=request)
    try:
        with transaction.atomic(), _as_service_errors():
            # A guarded update: of two activations with one code, only one gets it.
            if not ActivationCode.objects.filter(pk=live.pk, used_at__isnull=True,
                                                 revoked_at__isnull=True).update(used_at=now):
                raise Conflict(ACTIVATION_FAILED, code="activation_failed")
            user = user_new(username=username, password=password,
                            display_name=live.entity.name[:64], role=Role.ENTERPRISE,
                            enterprise_uscc=live.entity.uscc, must_change_password=False)
            ActivationCode.objects.filter(pk=live.pk).update(used_by=user)
            audit_record(action="enterprise.activate", actor=user, object_type="activation_code",
                         object_id=live.pk, request=request,
                         summary={"uscc": live.entity.uscc, "user": username})
    except Conflict:
        raise _activation_refused(live=live, uscc=uscc, username=username,
                                  request=request) from None
    except IntegrityError as exc:  # the same username taken meanwhile
        raise ServiceError(f"用户名 {username} 已存在，请另选一个。",
                           fields={"username": ["已存在"]}) from exc
    return user
