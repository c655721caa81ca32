"""Rotate the SM4 field key: a new key id, older keys kept for reading, values re-encrypted."""

import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.core.keys import KeyringError
from spotcheck.registry.rekey import field_key_rotate, field_key_status, field_reencrypt


class Command(BaseCommand):
    help = ("轮换字段加密（SM4）密钥：新增密钥 id，旧密钥保留用于解密，并把旧密钥加密的值重新加密。"
            " Rotate the field encryption key and re-encrypt.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--background", action="store_true", help="交给工作进程重新加密。")
        parser.add_argument("--resume", action="store_true", help="不新增密钥，只完成重新加密。")
        parser.add_argument("--status", action="store_true", help="只显示每个密钥加密的值的数量。")

    def handle(self, *args: object, **options: object) -> None:
        if options["status"]:
            for key_id, n in field_key_status().items():
                self.stdout.write(f"{key_id}\t{n}")
            return
        if not options["resume"]:
            try:
                new_id = field_key_rotate()
            except KeyringError as exc:
                raise CommandError(str(exc)) from exc
            self.stdout.write(f"新的字段加密密钥：{new_id}（旧密钥保留用于解密）")
        if options["background"]:
            from spotcheck.registry.tasks import field_reencrypt_task

            field_reencrypt_task.enqueue()
            self.stdout.write("重新加密已交给工作进程；用 --status 查看进度。")
            return

        def progress(done: int, total: int) -> None:
            sys.stderr.write(f"\r已检查 {done}/{total}")

        changed = field_reencrypt(progress=progress)
        sys.stderr.write("\n")
        self.stdout.write(f"已重新加密 {changed} 个值。")
