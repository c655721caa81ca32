"""Backup drill on PostgreSQL (GB/T 22239-2019 8.1.4.9 data backup and recovery): the
database is dumped with pg_dump and restored with pg_restore into a new database; with the
files kept beside it (the keys in var/keys, the draw files, the anchor file), the restored
platform verifies its audit trail, decrypts the field key's values, and exports a draw
bundle identical to the one exported before, which the public verifier accepts."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from spotcheck.audit import anchors
from spotcheck.audit.services import audit_record, chain_keyring
from spotcheck.core import crypto
from spotcheck.core.keys import keyring_path

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="pg_dump and pg_restore are PostgreSQL's"),
]

ID_AND_PHONE = "36110219900101123X\x1f13912345678"


def _url(name: str) -> str:
    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgresql://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env={**clean, **env},
                          capture_output=True, text=True, check=False, timeout=600)


def test_dump_restore_then_audit_keys_and_draw_bundles_still_verify(departments: Any, tmp_path: Path,
                                                                     settings: Any) -> None:
    from spotcheck.draws.services import bundle_write
    from spotcheck.draws.tests.matrix import published
    from spotcheck.registry.tests.factories import EntityFactory, make_uscc
    from verifier import verify_draw

    # the keys this process writes with are read from var/keys now (an earlier test of the
    # same process may have left a ring of another folder cached), and both rings exist
    # before their backup is taken (a fresh checkout creates them on first use)
    chain_keyring.cache_clear()
    crypto.field_cipher.cache_clear()
    assert chain_keyring().current and crypto.field_keyring().current
    var = tmp_path / "var"
    shutil.copytree(keyring_path(Path(settings.VAR_DIR), "x").parent, var / "keys")  # the keys' backup
    settings.SPOTCHECK_DRAWS_DIR = str(var / "media" / "draws")
    draw = published()
    draw.refresh_from_db()
    before = bundle_write(draw, tmp_path / "before", public=True)
    assert verify_draw.verify_bundle(before)[0]
    entity = EntityFactory.create(uscc=make_uscc("361102", n=987_654), id_number="36110219900101123X",
                                  phone="13912345678")
    audit_record(action="drill.before_backup", object_type="entity", object_id=entity.uscc)
    anchors.anchor_write()

    source = connection.settings_dict["NAME"]
    restored = f"{source}_restored"
    dump = tmp_path / "spotcheck.dump"
    subprocess.run(["pg_dump", "-Fc", "-f", str(dump), _url(source)], check=True, timeout=600)
    with psycopg.connect(_url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{restored}"')
    try:
        subprocess.run(["pg_restore", "--no-owner", "-d", _url(restored), str(dump)], check=True, timeout=600)
        env = {"DATABASE_URL": _url(restored), "SPOTCHECK_VAR_DIR": str(var),
               "AUDIT_ANCHOR_FILE": str(settings.AUDIT_ANCHOR_FILE)}
        verified = _manage(env, "audit_verify")
        assert verified.returncode == 0 and "OK 审计链完整" in verified.stdout, verified.stderr
        read = _manage(env, "shell", "-c",
                       "from spotcheck.core.crypto import field_cipher; "
                       "from spotcheck.registry.models import MarketEntity; "
                       f"e = MarketEntity.objects.get(uscc='{entity.uscc}'); "
                       "print(repr(field_cipher().decrypt(e.legal_rep_secret)))")
        assert read.stdout.strip().splitlines()[-1] == repr(ID_AND_PHONE), read.stderr
        exported = _manage(env, "draw_export", "--public", draw.code, str(tmp_path / "after"))
        assert exported.returncode == 0, exported.stderr
        after = tmp_path / "after"
        assert sorted(p.name for p in after.iterdir()) == sorted(p.name for p in before.iterdir())
        for f in before.iterdir():
            assert (after / f.name).read_bytes() == f.read_bytes(), f.name
        check = subprocess.run([sys.executable, str(Path(verify_draw.__file__)), str(after)],
                               capture_output=True, text=True, check=False)
        assert check.returncode == 3 and check.stdout.startswith("PARTIAL"), check.stdout + check.stderr
        # the drill leaves its own trace in the restored trail, which still verifies
        assert _manage(env, "audit_anchor").returncode == 0
        assert _manage(env, "audit_verify").returncode == 0
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{restored}" WITH (FORCE)')
