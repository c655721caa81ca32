"""Home-page sections of the accounts app: password expiry, accounts to look after."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.urls import reverse

from spotcheck.accounts.models import User
from spotcheck.accounts.predicates import is_security_admin
from spotcheck.core import clock
from spotcheck.core.home import DueRow, DueSection, provider


@provider
def password_expiry(user: Any) -> list[DueSection]:
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    if max_age <= 0 or user.password_changed_at is None:
        return []
    due = user.password_changed_at + timedelta(days=max_age)
    if due - clock.now() > timedelta(days=14):
        return []
    return [DueSection("密码即将过期", [DueRow(f"请在 {due:%Y-%m-%d} 前修改密码",
                                             reverse("accounts:password_change"))])]


@provider
def accounts_to_look_after(user: Any) -> list[DueSection]:
    if not is_security_admin(user):
        return []
    since = clock.now() - settings.AXES_COOLOFF_TIME
    locked = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
                                          attempt_time__gte=since).order_by("-attempt_time")[:20]
    no_role = User.objects.filter(role="", is_active=True).order_by("username")[:20]
    return [
        DueSection("被锁定的账户或地址",
                   [DueRow(f"{a.username or '（无用户名）'} @ {a.ip_address}：失败 "
                           f"{a.failures_since_start} 次", when=f"{a.attempt_time:%m-%d %H:%M}")
                    for a in locked], empty_text="当前没有被锁定的账户。"),
        DueSection("待授权的账户",
                   [DueRow(u.username, reverse("accounts:grant_role", args=[u.pk]))
                    for u in no_role], empty_text="所有账户均已授权。"),
    ]
