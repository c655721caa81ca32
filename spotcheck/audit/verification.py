"""The whole check of the audit trail: archives, then the table, against the head and the
anchors (``audit_verify``, the backup drill, the tests)."""

from __future__ import annotations

from collections.abc import Callable

from spotcheck.audit import anchors
from spotcheck.audit.archive import read_archive
from spotcheck.audit.domain import chain
from spotcheck.audit.models import AuditArchive
from spotcheck.audit.selectors import chain_head, chain_rows
from spotcheck.audit.services import chain_keyring


def trail_verify(*, progress: Callable[[int], None] | None = None, every: int = 100_000) -> chain.Report:
    lines, bad_lines = anchors.anchors_read()
    walker = chain.Walker(chain_keyring().as_dict(),
                          [chain.Anchor(a.seq, a.hash, a.at) for a in lines if a.valid_mac])
    for a in lines:
        if not a.valid_mac:
            walker.report.add(a.seq, f"锚定文件第 {a.line_no} 行的签名不符（该行不是平台写的）")
    for line_no, why in bad_lines:
        walker.report.add(0, f"锚定文件第 {line_no} 行{why}")

    def feed(row: chain.Row) -> None:
        walker.feed(row)
        if progress is not None and walker.report.count % every == 0:
            progress(walker.report.count)

    for archive in AuditArchive.objects.order_by("first_seq"):
        for item in read_archive(archive):
            if isinstance(item, str):
                walker.report.add(archive.first_seq, item)
            else:
                feed(item)
    for row in chain_rows():
        feed(row)
    head = chain_head()
    return walker.finish(head if head is not None else (0, chain.GENESIS))
