"""Demo accounts for every role (demo mode only): one per role in the city, and a county set."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from django.db import transaction

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import Role
from spotcheck.accounts.services import user_create
from spotcheck.core import clock

CITY = "361100"
COUNTY = "361102"  # 信州区


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    department_code: str | None


DEMO_ACCOUNTS = [
    DemoAccount("office", "联席办 王敏", Role.OFFICE, f"{CITY}-SAMR"),
    DemoAccount("justice", "司法局 李强", Role.JUSTICE, f"{CITY}-JUS"),
    DemoAccount("samr_admin", "市场监管局管理员 赵静", Role.DEPT_ADMIN, f"{CITY}-SAMR"),
    DemoAccount("samr_planner", "市场监管局计划员 陈曦", Role.PLANNER, f"{CITY}-SAMR"),
    DemoAccount("samr_inspector", "市场监管局执法员 刘洋", Role.INSPECTOR, f"{CITY}-SAMR"),
    DemoAccount("env_admin", "生态环境局管理员 周涛", Role.DEPT_ADMIN, f"{CITY}-ENV"),
    DemoAccount("env_planner", "生态环境局计划员 吴婷", Role.PLANNER, f"{CITY}-ENV"),
    DemoAccount("env_inspector", "生态环境局执法员 郑凯", Role.INSPECTOR, f"{CITY}-ENV"),
    DemoAccount("health_planner", "卫健委计划员 孙丽", Role.PLANNER, f"{CITY}-HEALTH"),
    DemoAccount("xinzhou_office", "信州区联席办 黄磊", Role.OFFICE, f"{COUNTY}-SAMR"),
    DemoAccount("enterprise", "企业用户", Role.ENTERPRISE, None),
    DemoAccount("sysadmin", "系统管理员", Role.SYSTEM_ADMIN, None),
    DemoAccount("secadmin", "安全管理员", Role.SECURITY_ADMIN, None),
    DemoAccount("auditor", "安全审计员", Role.AUDIT_ADMIN, None),
]


def demo_password() -> str:
    """Random, meets the policy (four classes), easy to read aloud."""
    alphabet = string.ascii_letters + string.digits
    core = "".join(secrets.choice(alphabet) for _ in range(8))
    return f"Demo-{core}-{secrets.randbelow(10)}a"


@transaction.atomic
def demo_accounts_create(*, enterprise_uscc: str) -> list[tuple[DemoAccount, str]]:
    """Create the missing demo accounts; returns them with their passwords (shown once).

    The enterprise account speaks for ``enterprise_uscc`` (an entity of the demo data).
    Demo accounts skip the first-sign-in change so a newcomer can look around at once.
    """
    created: list[tuple[DemoAccount, str]] = []
    for account in DEMO_ACCOUNTS:
        if User.objects.filter(username=account.username).exists():
            continue
        if account.role == Role.ENTERPRISE and not enterprise_uscc:
            continue  # no demo entity to speak for
        department = (Department.objects.get(code=account.department_code)
                      if account.department_code else None)
        password = demo_password()
        user = user_create(acting_user=None, username=account.username, password=password,
                           display_name=account.display_name, role=account.role,
                           department=department,
                           enterprise_uscc=enterprise_uscc if account.role == Role.ENTERPRISE else "")
        User.objects.filter(pk=user.pk).update(must_change_password=False,
                                               password_changed_at=clock.now())
        created.append((account, password))
    return created
