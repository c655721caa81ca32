"""Make an API token for an account (automation, test runs); users make theirs on the page."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.accounts.models import User
from spotcheck.accounts.services import api_token_create
from spotcheck.core.errors import ServiceError


class Command(BaseCommand):
    help = ("为指定账户创建接口令牌并只打印一次密钥（用户本人可在“接口令牌”页面自行创建）。"
            "有效期默认 API_TOKEN_DAYS 天。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="令牌所属账户的用户名")
        parser.add_argument("--name", required=True, help="令牌名称，如调用接口的系统名称")
        parser.add_argument("--days", type=int, default=None, help="有效天数（1–366）")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户名为 {options['username']} 的账户。")
        try:
            _, key = api_token_create(acting_user=None, user=user, name=options["name"],
                                      days=options["days"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(key)
