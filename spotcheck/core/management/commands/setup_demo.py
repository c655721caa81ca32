"""Load reference data and demo accounts for the quick start (demo mode only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from spotcheck.accounts.demo import demo_accounts_create
from spotcheck.accounts.services import reference_load


class Command(BaseCommand):
    help = "载入参考数据与演示账户（仅演示模式）。 Load reference data and demo accounts."

    def handle(self, *args: object, **options: object) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("演示数据只能在演示模式下创建（设置 SPOTCHECK_DEMO=1）。")
        divisions, departments = reference_load()
        self.stdout.write(f"参考数据：新增行政区划 {divisions} 个，部门 {departments} 个。")
        created = demo_accounts_create()
        if not created:
            self.stdout.write("演示账户已存在（密码只在首次创建时显示，见 var/demo_accounts.txt）。")
            return
        lines = ["演示账户（仅显示一次）:", f"{'用户名':<16}{'密码':<22}角色 / 部门"]
        for account, password in created:
            where = account.department_code or ""
            lines.append(f"{account.username:<19}{password:<24}{account.role.label} {where}")
        text = "\n".join(lines)
        self.stdout.write(text)
        path = settings.VAR_DIR / "demo_accounts.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text + "\n", encoding="utf-8")
        path.chmod(0o600)
