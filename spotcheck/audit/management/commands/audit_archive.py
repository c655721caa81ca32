"""Move audit events older than AUDIT_ARCHIVE_AFTER_DAYS into signed archive files."""

from django.conf import settings
from django.core.management.base import BaseCommand

from spotcheck.audit.archive import archive_dir, archive_old_events


class Command(BaseCommand):
    help = "把超过保留期的审计事件归档为签名文件（audit_verify 可校验）。 Archive old audit events."

    def handle(self, *args: object, **options: object) -> None:
        made = archive_old_events(progress=lambda n: self.stderr.write(f"已归档 {n} 条…"))
        total = sum(a.count for a in made)
        self.stdout.write(f"已归档 {total} 条事件（早于 {settings.AUDIT_ARCHIVE_AFTER_DAYS} 天），"
                          f"{len(made)} 个文件，位于 {archive_dir()}")
