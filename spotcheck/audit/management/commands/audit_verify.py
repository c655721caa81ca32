"""Walk the audit chain (archives, then the table) and name every event it does not vouch for."""

import sys

from django.core.management.base import BaseCommand, CommandError

from spotcheck.audit.verification import trail_verify


class Command(BaseCommand):
    help = ("校验审计链：序号连续、HMAC-SM3 链接、链头、归档文件与外部锚定，逐条指出问题。"
            " Verify the keyed SM3 audit chain against its head, archives and anchors.")

    def handle(self, *args: object, **options: object) -> None:
        def progress(n: int) -> None:
            sys.stderr.write(f"已校验 {n} 条事件…\n")

        report = trail_verify(progress=progress)
        if not report.ok:
            lines = [f"{f'第 {p.seq} 号事件' if p.seq else '锚定文件'}：{p.reason}"
                     for p in report.problems]
            more = "（问题过多，只列出前若干处）" if report.truncated else ""
            raise CommandError(
                f"审计链不完整：{len(report.problems)} 处问题{more}（已检查 {report.count} 条）\n"
                + "\n".join(lines))
        self.stdout.write(f"OK 审计链完整，共 {report.count} 条事件，"
                          f"止于第 {report.last_seq} 号，与链头及锚定一致。")
