"""Rotate the audit chain key: new events are linked under a new key id; older ids stay."""

from django.core.management.base import BaseCommand, CommandError

from spotcheck.audit.services import chain_key_rotate
from spotcheck.core.keys import KeyringError


class Command(BaseCommand):
    help = "轮换审计链密钥：新事件用新密钥 id 链接，旧密钥保留用于校验。 Rotate the audit chain key."

    def handle(self, *args: object, **options: object) -> None:
        try:
            new_id = chain_key_rotate()
        except KeyringError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"新的审计链密钥：{new_id}（旧密钥保留用于校验）")
