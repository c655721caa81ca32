"""Walk the audit hash chain and name the first broken event."""

from django.core.management.base import BaseCommand, CommandError

from spotcheck.audit.domain import chain
from spotcheck.audit.selectors import chain_rows


class Command(BaseCommand):
    help = "校验审计事件哈希链，指出第一条被篡改的事件。 Verify the SM3 audit chain."

    def handle(self, *args: object, **options: object) -> None:
        count, broken = chain.verify(chain_rows())
        if broken is not None:
            raise CommandError(
                f"审计链在第 {broken.seq} 号事件处断裂：{broken.reason}（已检查 {count} 条）"
            )
        self.stdout.write(f"OK 审计链完整，共 {count} 条事件。")
