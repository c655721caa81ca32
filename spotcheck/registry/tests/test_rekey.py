"""Field key rotation (core.crypto keyring, registry.rekey): a new key id, every value still
decrypts, values move to the new key in the background, no clear value at rest, no key in
what the command prints. ``ROTATION_ENTITIES`` sets the size: 100,000 on PostgreSQL (the
run of ``make test``), 1,500 on SQLite."""

from __future__ import annotations

import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from spotcheck.audit.models import AuditEvent
from spotcheck.core import crypto
from spotcheck.registry.models import MarketEntity
from spotcheck.registry.tests.factories import make_uscc

N = int(os.environ.get("ROTATION_ENTITIES",
                       "100000" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "1500"))


@pytest.fixture
def own_keys(settings: Any, tmp_path: Path, monkeypatch: Any) -> Any:
    monkeypatch.delenv("FIELD_KEYS", raising=False)
    monkeypatch.delenv("FIELD_ENCRYPTION_KEY", raising=False)
    settings.VAR_DIR = tmp_path / "var"
    crypto.field_cipher.cache_clear()
    yield tmp_path / "var"
    crypto.field_cipher.cache_clear()


def _entities(n: int) -> dict[str, str]:
    cipher = crypto.field_cipher()
    plain = {make_uscc("361102", n=900_000 + i): f"3611021990{i:06d}"[:17] + "X\x1f138" + f"{i:08d}"
             for i in range(n)}
    blobs = cipher.encrypt_many(list(plain.values()))
    rows = [MarketEntity(uscc=u, name=f"轮换测试{i}", kind="company", legal_rep_name="张三",
                         division_id="361102", industry="F", legal_rep_secret=b)
            for i, (u, b) in enumerate(zip(plain, blobs, strict=True))]
    MarketEntity.objects.bulk_create(rows, batch_size=2000)
    return plain


def _stored(plain: dict[str, str]) -> dict[str, Any]:
    return dict(MarketEntity.objects.filter(uscc__in=list(plain)).values_list("uscc", "legal_rep_secret"))


def _no_clear_value_at_rest(plain: dict[str, str]) -> None:
    """Neither the ID number nor the phone of (a sample of) the entities is in the stored bytes."""
    raw = b"".join(_raw_secrets())
    for value in list(plain.values())[:200]:
        id_number, phone = value.split("\x1f")
        assert id_number.encode() not in raw and phone.encode() not in raw


def _raw_secrets() -> list[bytes]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT legal_rep_secret FROM registry_marketentity "
                       "WHERE legal_rep_secret IS NOT NULL")
        return [bytes(r[0]) for r in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)  # the real worker commits its own transactions
def test_rotation_keeps_every_value_readable_and_moves_them_to_the_new_key(own_keys: Path) -> None:
    plain = _entities(N)
    _no_clear_value_at_rest(plain)  # before
    first_id = crypto.field_keyring().current_id
    out = StringIO()
    call_command("field_key_rotate", "--background", stdout=out)  # the worker will re-encrypt
    ring = crypto.field_keyring()
    assert ring.current_id != first_id and [k for k, _ in ring.keys] == [first_id, ring.current_id]
    # before the re-encryption: old values read with the old key, through the new cipher
    entities = list(MarketEntity.objects.filter(uscc__in=list(plain)[:50]))
    MarketEntity.legal_rep_unmask(entities)
    assert all(e._legal_rep_masked()[0].endswith(plain[e.uscc].split("\x1f")[0][-4:]) for e in entities)
    status = StringIO()
    call_command("field_key_rotate", "--status", stdout=status)
    assert f"{first_id}\t{N}" in status.getvalue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    status = StringIO()
    call_command("field_key_rotate", "--status", stdout=status)
    assert f"{ring.current_id}\t{N}" in status.getvalue() and f"{first_id}\t0" in status.getvalue()
    cipher = crypto.field_cipher()
    by_uscc = _stored(plain)
    read = dict(zip(by_uscc, cipher.decrypt_many(list(by_uscc.values())), strict=True))
    assert read == plain
    _no_clear_value_at_rest(plain)  # after
    printed = out.getvalue() + status.getvalue()
    assert all(key.hex() not in printed for _, key in ring.keys)
    assert AuditEvent.objects.filter(action="key.field_rotate").exists()
    assert AuditEvent.objects.get(action="key.field_reencrypt").summary["values"] == N


@pytest.mark.django_db
def test_a_stopped_re_encryption_resumes(own_keys: Path) -> None:
    plain = _entities(300)
    call_command("field_key_rotate", "--background", stdout=StringIO())
    from spotcheck.registry.rekey import field_reencrypt

    calls = []

    def stop_after_first(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        field_reencrypt(progress=stop_after_first, batch=100)
    slots = {crypto.slot_of(b) for b in _raw_secrets()}
    assert slots == {0, 1}, "the first batch is committed, the rest still under the old key"
    _no_clear_value_at_rest(plain)  # during: half under the old key, half under the new
    call_command("field_key_rotate", "--resume", stdout=StringIO(), stderr=StringIO())
    assert {crypto.slot_of(b) for b in _raw_secrets()} == {1}
    cipher = crypto.field_cipher()
    rows = _stored(plain)
    assert dict(zip(rows, cipher.decrypt_many(list(rows.values())), strict=True)) == plain


def test_values_written_before_keyrings_still_read() -> None:
    key = os.urandom(16)
    old = crypto.FieldCipher(key).encrypt_many(["11010519491231002X", "张三 手机"])
    assert old[0][0] == 0x02 and old[1][0] == 0x01  # as before: key place 0
    rotated = crypto.FieldCipher(os.urandom(16), older=[key])
    assert rotated.decrypt_many(old) == ["11010519491231002X", "张三 手机"]
    new = rotated.encrypt("11010519491231002X")
    assert new[0] == 0x12 and rotated.decrypt(new) == "11010519491231002X"
    with pytest.raises(crypto.FieldKeyError):
        crypto.FieldCipher(key).decrypt(new)  # a key place the ring does not have
