"""Anchors: the chain's head written outside the database (R-S2).

Every day (the ``audit_anchor_daily`` worker task, or the ``audit_anchor`` command) the
head — last sequence number and last hash — is appended as one JSON line to
``AUDIT_ANCHOR_FILE`` and shown on the public portal (``/public/audit/anchors/``). Whoever
later deletes the tail of the chain and rewinds the head, or rewrites events, cannot change
what the file and the public have seen: ``audit_verify`` checks every anchor against the
chain. The file is only ever opened for appending; production also marks it append-only in
the file system (``chattr +a``, docs/security.md) or sends it to a log host.

Each line carries an HMAC-SM3 under the audit chain key, so a line forged by someone without
the key is named too.
"""

from __future__ import annotations

import hmac
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from spotcheck.audit.domain import chain
from spotcheck.audit.models import AuditHead
from spotcheck.audit.services import audit_record, chain_keyring


@dataclass(frozen=True)
class AnchorLine:
    line_no: int
    at: str
    seq: int
    hash: bytes
    key_id: str
    valid_mac: bool


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


def _mac_input(at: str, seq: int, hash_hex: str) -> bytes:
    return f"{at}|{seq}|{hash_hex}".encode("ascii")


def anchor_write() -> AnchorLine:
    """Append the current head to the anchor file (and record that it was anchored)."""
    ring = chain_keyring()
    with transaction.atomic():
        # the anchoring is itself an event: the anchored head includes it
        audit_record(action="audit.anchor", object_type="audit_head", object_id="1",
                     summary={"file": anchor_file().name})
        head = AuditHead.objects.select_for_update().get(id=1)
        seq, digest = int(head.last_seq), bytes(head.last_hash)
    at = timezone.localtime().isoformat(timespec="seconds")
    mac = chain.sign(ring.current, _mac_input(at, seq, digest.hex())).hex()
    line = json.dumps({"at": at, "seq": seq, "hash": digest.hex(), "key_id": ring.current_id,
                       "mac": mac}, separators=(",", ":")) + "\n"
    path = anchor_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    return AnchorLine(0, at, seq, digest, ring.current_id, True)


def anchors_read() -> tuple[list[AnchorLine], list[tuple[int, str]]]:
    """Every anchor line of the file, and the lines that cannot be read (line number, why)."""
    path = anchor_file()
    if not path.exists():
        return [], []
    ring = chain_keyring()
    out: list[AnchorLine] = []
    bad: list[tuple[int, str]] = []
    with path.open("rb") as fh:
        for n, raw in enumerate(fh, start=1):
            try:
                data = json.loads(raw.decode("ascii"))
                at, seq, hash_hex = str(data["at"]), int(data["seq"]), str(data["hash"])
                digest = bytes.fromhex(hash_hex)
                key = ring.get(str(data.get("key_id", "")))
                mac = bytes.fromhex(str(data.get("mac", "")))
                valid = key is not None and hmac.compare_digest(
                    mac, chain.sign(key, _mac_input(at, seq, hash_hex)))
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                bad.append((n, "无法读取"))
                continue
            out.append(AnchorLine(n, at, seq, digest, str(data.get("key_id", "")), valid))
    return out, bad


def anchors_public(limit: int = 400) -> list[dict[str, Any]]:
    """What the portal shows: newest first, date, sequence number and hash."""
    lines, _ = anchors_read()
    rows = []
    for a in reversed(lines[-limit:]):
        try:
            when = datetime.fromisoformat(a.at)
        except ValueError:
            when = None
        rows.append({"at": when, "at_text": a.at, "seq": a.seq, "hash": a.hash.hex(),
                     "valid": a.valid_mac})
    return rows
