"""Retention: events older than ``AUDIT_ARCHIVE_AFTER_DAYS`` (at least 183 days: 网络安全法
art. 21 and GB/T 22239-2019 8.1.4.3 keep audit records six months at least) move from the
table into signed archive files under ``AUDIT_ARCHIVE_DIR``; ``audit_verify`` walks the
archives and then the table as one chain.

A file is JSON lines: a header, one line per event (the fields the chain covers, key id,
previous hash and hash), and a signature line: SM3 of everything before it and its
HMAC-SM3 under the current audit chain key. Its SM3 is also recorded in ``AuditArchive``.
The file is written and synced before the rows are deleted, in the transaction that records
the archive: a crash leaves either both or the table untouched (a stray file is overwritten
by the next run).
"""

from __future__ import annotations

import hmac
import json
import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction

from spotcheck.audit.domain import chain
from spotcheck.audit.models import AuditArchive, AuditEvent
from spotcheck.audit.services import audit_record, chain_keyring
from spotcheck.core import clock

FILE_EVENTS = 100_000


def archive_dir() -> Path:
    return Path(settings.AUDIT_ARCHIVE_DIR)


def _event_line(event: AuditEvent) -> bytes:
    return json.dumps({"seq": event.seq, "fields": event.chain_fields(), "key_id": event.key_id,
                       "prev_hash": bytes(event.prev_hash).hex(), "hash": bytes(event.hash).hex()},
                      sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


def archive_old_events(*, progress: Callable[[int], None] | None = None) -> list[AuditArchive]:
    """Move every event older than the retention setting out of the table into files."""
    cutoff = clock.now() - timedelta(days=settings.AUDIT_ARCHIVE_AFTER_DAYS)
    made: list[AuditArchive] = []
    while True:
        # contiguous from the start of the table: the archive never leaves a hole
        events = list(AuditEvent.objects.order_by("seq")[:FILE_EVENTS])
        batch = []
        for event in events:
            if event.at >= cutoff:
                break
            batch.append(event)
        if not batch:
            return made
        made.append(_archive(batch))
        if progress is not None:
            progress(sum(a.count for a in made))
        if len(batch) < len(events) or len(events) < FILE_EVENTS:
            return made


def _archive(batch: list[AuditEvent]) -> AuditArchive:
    ring = chain_keyring()
    first, last = batch[0], batch[-1]
    now = clock.now()
    header = json.dumps({"type": "header", "first_seq": first.seq, "last_seq": last.seq,
                         "count": len(batch), "prev_hash": bytes(first.prev_hash).hex(),
                         "created_at": now.isoformat()}, separators=(",", ":")).encode("ascii") + b"\n"
    body = header + b"".join(_event_line(e) for e in batch)
    digest = chain.digest(body)
    signature = json.dumps({"type": "signature", "key_id": ring.current_id, "sm3": digest.hex(),
                            "mac": chain.sign(ring.current, digest).hex()},
                           separators=(",", ":")).encode("ascii") + b"\n"
    data = body + signature
    name = f"audit-{first.seq:012d}-{last.seq:012d}.jsonl"
    folder = archive_dir()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{name}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o440)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, folder / name)
    with transaction.atomic():
        archive = AuditArchive.objects.create(
            first_seq=first.seq, last_seq=last.seq, last_hash=bytes(last.hash), count=len(batch),
            file_name=name, file_sm3=chain.digest(data).hex(), created_at=now)
        AuditEvent.objects.filter(seq__gte=first.seq, seq__lte=last.seq).delete()
        audit_record(action="audit.archive", object_type="audit_archive", object_id=archive.pk,
                     summary={"first_seq": first.seq, "last_seq": last.seq, "count": len(batch),
                              "file": name})
    return archive


def read_archive(archive: AuditArchive) -> Iterator[chain.Row | str]:
    """The events of one archive as chain rows, or a string naming what is wrong with the
    file; never raises on its content."""
    path = archive_dir() / archive.file_name
    try:
        data = path.read_bytes()
    except OSError:
        yield (f"归档文件 {archive.file_name} 缺失或无法读取"
               f"（第 {archive.first_seq}–{archive.last_seq} 号事件）")
        return
    if chain.digest(data).hex() != archive.file_sm3:
        yield f"归档文件 {archive.file_name} 的 SM3 与归档记录不符"
    body, _, sig_line = data.rstrip(b"\n").rpartition(b"\n")
    body += b"\n"
    try:
        sig = json.loads(sig_line)
        key = chain_keyring().get(str(sig["key_id"]))
        digest = chain.digest(body)
        if key is None:
            yield f"归档文件 {archive.file_name} 的签名密钥 {sig['key_id']} 不在密钥环中"
        elif not (sig.get("type") == "signature" and sig["sm3"] == digest.hex()
                  and hmac.compare_digest(bytes.fromhex(sig["mac"]), chain.sign(key, digest))):
            yield f"归档文件 {archive.file_name} 的签名不符（文件被改动）"
    except (ValueError, KeyError, TypeError):
        yield f"归档文件 {archive.file_name} 缺少可读的签名行"
    for n, line in enumerate(body.splitlines()[1:], start=2):
        try:
            item = json.loads(line)
            yield chain.Row(seq=int(item["seq"]), fields=item["fields"], key_id=str(item["key_id"]),
                            prev_hash=bytes.fromhex(item["prev_hash"]), hash=bytes.fromhex(item["hash"]))
        except (ValueError, KeyError, TypeError):
            yield f"归档文件 {archive.file_name} 第 {n} 行无法读取"
