"""Create the three administrators (三员) with one-time passwords."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.accounts.roles import Role
from spotcheck.accounts.services import ADMIN_USERNAMES, admins_bootstrap
from spotcheck.core.errors import ServiceError

OPTIONS = {"sysadmin": Role.SYSTEM_ADMIN, "secadmin": Role.SECURITY_ADMIN,
           "auditor": Role.AUDIT_ADMIN}


class Command(BaseCommand):
    help = ("创建三员账户（系统管理员、安全管理员、安全审计员）并打印一次性密码（首次登录须修改）。"
            "已有三员账户时拒绝，除非加 --reset。"
            "输出：表头一行，之后每个账户一行“角色<TAB>用户名<TAB>密码”。")

    def add_arguments(self, parser: CommandParser) -> None:
        for option, role in OPTIONS.items():
            parser.add_argument(f"--{option}", metavar="NAME", default=None,
                                help=f"{role.label}的用户名（默认 {ADMIN_USERNAMES[role.value]}）")
        parser.add_argument("--reset", action="store_true",
                            help="三员账户已存在时，为指定的三个账户重新设置一次性密码，并停用其他三员账户")

    def handle(self, *args: Any, **options: Any) -> None:
        usernames = {role.value: options[option] for option, role in OPTIONS.items()
                     if options[option]}
        try:
            accounts = admins_bootstrap(usernames=usernames, reset=options["reset"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write("角色\t用户名\t一次性密码（首次登录须修改）")
        for role, username, password in accounts:
            self.stdout.write(f"{role}\t{username}\t{password}")
