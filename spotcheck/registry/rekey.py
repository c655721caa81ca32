"""Field key rotation (GB/T 22239-2019 8.1.4.8 confidentiality; GB/T 39786-2021 key
management): a new SM4 key is added to the ring, then every legal representative's secret
written under an older key is decrypted and encrypted again under the new one, in batches,
each in its own transaction (a stopped run resumes where it was: it only takes values of
older keys). Older keys stay in the ring for reading (history rows keep their ciphertext).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from spotcheck.audit.services import audit_record
from spotcheck.core import crypto, keys
from spotcheck.registry.models import MarketEntity

BATCH = 2000


def field_key_rotate(*, acting_user: object = None) -> str:
    """Add a new current field key; returns its id (never the key)."""
    ring = crypto.field_keyring()  # the ring file exists from here on
    if len(ring.keys) >= crypto.MAX_KEYS:
        raise keys.KeyringError(f"字段加密密钥环已有 {crypto.MAX_KEYS} 个密钥，不能再轮换")
    new_id = keys.rotate(Path(settings.VAR_DIR), crypto.FIELD_KEYRING, size=16)
    crypto.field_cipher.cache_clear()
    audit_record(action="key.field_rotate", actor=acting_user, object_type="key", object_id=new_id,
                 summary={"keys": len(ring.keys) + 1})
    return new_id


def field_key_status() -> dict[str, int]:
    """How many values each key of the ring wrote (key id → count)."""
    ring = crypto.field_keyring()
    ids = [kid for kid, _ in ring.keys]
    counts = dict.fromkeys(ids, 0)
    qs = MarketEntity.objects.exclude(legal_rep_secret=None).values_list("legal_rep_secret", flat=True)
    for blob in qs.iterator(chunk_size=BATCH):
        if blob:
            slot = crypto.slot_of(blob)
            name = ids[slot] if slot < len(ids) else f"#{slot}"
            counts[name] = counts.get(name, 0) + 1
    return counts


def _secrets_write(pks: list[int], blobs: list[bytes]) -> None:
    """One statement per batch: on PostgreSQL an UPDATE joined to the batch's arrays (the
    ORM's bulk_update builds a CASE of every row, quadratic in the batch); elsewhere one
    prepared UPDATE run for each row."""
    table = connection.ops.quote_name(MarketEntity._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS e SET legal_rep_secret = v.secret "  # noqa: S608 (fixed names)
                "FROM unnest(%s::bigint[], %s::bytea[]) AS v(id, secret) WHERE e.id = v.id",
                [pks, blobs])
        else:
            cursor.executemany(f"UPDATE {table} SET legal_rep_secret = %s WHERE id = %s",  # noqa: S608
                               list(zip(blobs, pks, strict=True)))


def field_reencrypt(*, progress: Callable[[int, int], None] | None = None, batch: int = BATCH) -> int:
    """Encrypt again under the current key every value written under an older one."""
    cipher = crypto.field_cipher()
    total = MarketEntity.objects.exclude(legal_rep_secret=None).count()
    last_pk, seen, changed = 0, 0, 0
    while True:
        with transaction.atomic():
            rows = list(MarketEntity.objects.select_for_update().filter(pk__gt=last_pk)
                        .exclude(legal_rep_secret=None).order_by("pk")
                        .values_list("pk", "legal_rep_secret")[:batch])
            if not rows:
                break
            last_pk = rows[-1][0]
            seen += len(rows)
            old = [(pk, bytes(blob)) for pk, blob in rows if blob and crypto.slot_of(blob) != cipher.slot]
            if old:
                plain = cipher.decrypt_many([blob for _, blob in old])
                fresh = cipher.encrypt_many(plain)
                _secrets_write([pk for pk, _ in old], fresh)
                changed += len(old)
        if progress is not None:
            progress(seen, total)
    audit_record(action="key.field_reencrypt", object_type="key", object_id=crypto.field_keyring().current_id,
                 summary={"values": changed, "checked": seen})
    return changed
