"""Home-page sections of the accounts app: password expiry, accounts to look after."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.urls import reverse

from spotcheck.accounts.models import User
from spotcheck.accounts.predicates import is_security_admin, is_system_admin
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
    """Locked accounts for the system administrator (who unlocks them) and the security
    administrator (who watches them); accounts without a role for the security administrator."""
    if not (is_security_admin(user) or is_system_admin(user)):
        return []
    since = clock.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    limit = settings.AXES_FAILURE_LIMIT
    # Lockouts count by account and by address separately (AXES_LOCKOUT_PARAMETERS): an
    # account attacked from many addresses is locked although no single record says so.
    by_name = (recent.exclude(username="").values("username")
               .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
               .filter(n__gte=limit).order_by("-last")[:20])
    by_address = (recent.values("ip_address")
                  .annotate(n=Sum("failures_since_start"), last=Max("attempt_time"))
                  .filter(n__gte=limit).order_by("-last")[:20])
    accounts = dict(User.objects.filter(username__in=[r["username"] for r in by_name])
                    .values_list("username", "pk"))
    rows = [DueRow(f"账户 {r['username']}：失败 {r['n']} 次",
                   reverse("accounts:user_detail", args=[accounts[r["username"]]])
                   if r["username"] in accounts else "", when=f"{r['last']:%m-%d %H:%M}")
            for r in by_name]
    rows += [DueRow(f"地址 {r['ip_address']}：失败 {r['n']} 次", when=f"{r['last']:%m-%d %H:%M}")
             for r in by_address]
    sections = [DueSection("被锁定的账户或地址", rows, empty_text="当前没有被锁定的账户。")]
    if is_security_admin(user):
        no_role = User.objects.filter(role="", is_active=True).order_by("username")[:20]
        sections.append(DueSection("待授权的账户",
                                   [DueRow(u.username, reverse("accounts:grant_role", args=[u.pk]))
                                    for u in no_role], empty_text="所有账户均已授权。"))
    return sections
