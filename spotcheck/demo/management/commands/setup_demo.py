"""Set up the quick start's demo: reference data, Shangrao demo entities, inspectors and
item lists, demo accounts for every role, and a planning year run through the services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.accounts.services import reference_load
from spotcheck.core import clock
from spotcheck.demo.accounts import demo_accounts_create
from spotcheck.demo.draws import draws_generate
from spotcheck.demo.planning import plans_generate


class Command(BaseCommand):
    help = "创建快速体验用的演示数据与演示账户（仅演示模式，可重复运行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--entities", type=int, default=20_000, help="演示市场主体数量")
        parser.add_argument("--year", type=int, default=None, help="模拟的计划年度（默认明年）")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("演示数据只能在演示模式下创建（设置 SPOTCHECK_DEMO=1）。")
        divisions, departments = reference_load()
        self.stdout.write(f"参考数据：新增行政区划 {divisions} 个，部门 {departments} 个。")
        call_command("generate_demo", entities=options["entities"], stdout=self.stdout,
                     stderr=self.stderr)
        self._accounts()
        self._link_inspectors()
        year = options["year"] or clock.today().year + 1
        call_command("simulate_year", year=year, stdout=self.stdout, stderr=self.stderr)
        self.stdout.write(f"演示计划（含待审核）：{plans_generate(year=year, seed=1)} 个。")
        self.stdout.write(f"演示抽取：{draws_generate(year=year, seed=1)} 个。")

    def _link_inspectors(self) -> None:
        """Each demo inspector account speaks for one enforcement inspector of its department,
        so that its home page shows that inspector's assignments."""
        from spotcheck.accounts.models import User
        from spotcheck.accounts.roles import Role
        from spotcheck.roster.models import Inspector, InspectorKind
        from spotcheck.roster.services import inspector_update

        for user in User.objects.filter(role=Role.INSPECTOR, inspector__isnull=True):
            inspector = (Inspector.objects.filter(department=user.department, user__isnull=True,
                                                  is_active=True)
                         .exclude(kind=InspectorKind.EXPERT).order_by("certificate_no").first())
            if inspector is not None:
                inspector_update(acting_user=None, inspector=inspector, user=user)
                self.stdout.write(f"演示账户 {user.username} 对应执法人员 {inspector.name}"
                                  f"（{inspector.certificate_no}）。")

    def _accounts(self) -> None:
        from spotcheck.registry.models import MarketEntity

        entity = MarketEntity.objects.order_by("uscc").first()
        created = demo_accounts_create(enterprise_uscc=entity.uscc if entity else "")
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
