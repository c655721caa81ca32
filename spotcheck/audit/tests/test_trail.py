"""The audit trail as a whole (R-S2; GB/T 22239-2019 8.1.4.3 audit, 8.1.4.7 integrity):
every attack below leaves audit_verify naming the events it no longer vouches for, and none
makes it crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from spotcheck.audit import anchors
from spotcheck.audit.domain import chain
from spotcheck.audit.models import AuditArchive, AuditEvent, AuditHead
from spotcheck.audit.services import audit_record, chain_key_rotate, chain_keyring
from spotcheck.audit.testing import triggers_off
from spotcheck.core import clock

TABLE = "audit_auditevent"


def _events(n: int, action: str = "test.act") -> list[AuditEvent]:
    return [audit_record(action=action, actor_name="审计测试", object_type="thing", object_id=i,
                         summary={"n": i}) for i in range(n)]


def _verify_fails() -> str:
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify", stdout=StringIO(), stderr=StringIO())
    return str(excinfo.value)


def _verify_ok() -> str:
    out = StringIO()
    call_command("audit_verify", stdout=out, stderr=StringIO())
    return out.getvalue()


def _relink_without_key(from_seq: int) -> None:
    """What an attacker with the database and the source code but not the key does after
    deleting an event: recompute every later hash with the project's own ``link`` (under a
    key of their own) and move the head along."""
    guessed = bytes(32)
    with triggers_off() as cursor:
        cursor.execute(f"SELECT hash FROM {TABLE} WHERE seq < %s ORDER BY seq DESC LIMIT 1", [from_seq])
        previous = bytes(cursor.fetchone()[0])
    for event in AuditEvent.objects.filter(seq__gte=from_seq).order_by("seq"):
        new = chain.link(previous, event.chain_fields(), guessed)
        with triggers_off() as cursor:
            cursor.execute(f"UPDATE {TABLE} SET prev_hash = %s, hash = %s WHERE seq = %s",
                           [previous, new, event.seq])
        previous = new
    last = AuditEvent.objects.order_by("-seq").first()
    assert last is not None
    AuditHead.objects.filter(id=1).update(last_seq=last.seq, last_hash=previous)


@pytest.mark.django_db
def test_an_untouched_trail_verifies() -> None:
    _events(5)
    out = _verify_ok()
    assert "OK 审计链完整" in out and f"共 {AuditEvent.objects.count()} 条" in out


@pytest.mark.django_db
def test_deleting_the_last_hundred_events_is_named_by_the_head() -> None:
    events = _events(120)
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq > %s", [events[19].seq])
    message = _verify_fails()
    assert f"第 {events[20].seq}–{events[-1].seq} 号事件缺失" in message


@pytest.mark.django_db
def test_deleting_the_last_event_is_named() -> None:
    events = _events(3)
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [events[-1].seq])
    assert f"第 {events[-1].seq} 号事件缺失" in _verify_fails()


@pytest.mark.django_db
def test_deleting_the_tail_and_rewinding_the_head_is_caught_by_the_anchor() -> None:
    events = _events(6)
    anchors.anchor_write()
    anchored = AuditHead.objects.get(id=1).last_seq
    keep = events[2]
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq > %s", [keep.seq])
    AuditHead.objects.filter(id=1).update(last_seq=keep.seq, last_hash=keep.hash)
    message = _verify_fails()
    assert f"第 {anchored} 号事件" in message and "锚定" in message


@pytest.mark.django_db
def test_a_middle_event_deleted_and_the_chain_relinked_without_the_key_is_named() -> None:
    events = _events(6)
    victim = events[2]
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [victim.seq])
    _relink_without_key(victim.seq + 1)
    message = _verify_fails()
    assert f"第 {victim.seq} 号事件缺失" in message
    for later in events[3:]:  # every re-linked event is named: their MACs are not the key's
        assert f"第 {later.seq} 号事件：事件内容与其哈希不符" in message


@pytest.mark.django_db
def test_renumbering_to_hide_a_gap_is_named_too() -> None:
    events = _events(5)
    victim = events[1]
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE seq = %s", [victim.seq])
        for e in events[2:]:
            cursor.execute(f"UPDATE {TABLE} SET seq = %s WHERE seq = %s", [e.seq - 1, e.seq])
    _relink_without_key(victim.seq)
    message = _verify_fails()
    assert f"第 {victim.seq} 号事件：事件内容与其哈希不符" in message


@pytest.mark.django_db
def test_an_edited_event_is_named() -> None:
    events = _events(4)
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET object_id = %s WHERE seq = %s", ["99", events[1].seq])
    message = _verify_fails()
    assert f"第 {events[1].seq} 号事件：事件内容与其哈希不符" in message
    assert f"第 {events[2].seq} 号" not in message  # the successors still follow


@pytest.mark.django_db
@pytest.mark.parametrize(("column", "value"), [
    ("hash", "deadbeef"),
    ("prev_hash", "not a hash"),
    ("at", "yesterday"),
])
def test_a_cell_rewritten_as_text_is_named_without_a_traceback(column: str, value: str) -> None:
    if connection.vendor == "postgresql" and column in ("hash", "prev_hash", "at", "summary"):
        # PostgreSQL's types refuse text in these columns: the attack needs SQLite
        pytest.skip("typed columns on PostgreSQL refuse the value")
    events = _events(4)
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {column} = %s WHERE seq = %s", [value, events[1].seq])
    message = _verify_fails()
    assert f"第 {events[1].seq} 号事件：事件无法读取" in message
    assert column in message


@pytest.mark.django_db
def test_an_unknown_key_id_is_named() -> None:
    events = _events(3)
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET key_id = %s WHERE seq = %s", ["stolen", events[0].seq])
    assert f"第 {events[0].seq} 号事件：密钥 stolen 不在审计密钥环中" in _verify_fails()


@pytest.mark.django_db
def test_a_rotated_key_links_new_events_and_old_ones_still_verify(settings: Any, tmp_path: Path) -> None:
    # a copy of the keyring (events already written verify with it), rotated in the copy
    ring = Path(chain_keyring().source)
    (tmp_path / "var" / "keys").mkdir(parents=True)
    (tmp_path / "var" / "keys" / ring.name).write_bytes(ring.read_bytes())
    settings.VAR_DIR = tmp_path / "var"
    chain_keyring.cache_clear()
    try:
        old = _events(3)
        old_id = chain_keyring().current_id
        new_id = chain_key_rotate()
        new = _events(2)
        assert new_id != old_id and {e.key_id for e in old} == {old_id}
        assert {e.key_id for e in new} == {new_id}
        assert "OK" in _verify_ok()
        keyfile = (tmp_path / "var" / "keys" / "audit_chain.keys").read_text()
        assert old_id in keyfile and new_id in keyfile
        assert oct((tmp_path / "var" / "keys" / "audit_chain.keys").stat().st_mode)[-3:] == "600"
        key_hex = chain_keyring().current.hex()
        out = StringIO()
        call_command("audit_verify", stdout=out, stderr=out)
        assert key_hex not in out.getvalue()  # no key in what the commands print
        assert key_hex not in repr(chain_keyring())
    finally:
        chain_keyring.cache_clear()


@pytest.mark.django_db
def test_the_anchored_head_on_the_portal_matches_the_chain(client: Any) -> None:
    _events(4)
    out = StringIO()
    call_command("audit_anchor", stdout=out)
    head = AuditHead.objects.get(id=1)
    event = AuditEvent.objects.get(seq=head.last_seq)
    assert event.action == "audit.anchor" and bytes(event.hash) == bytes(head.last_hash)
    line = json.loads(Path(settings.AUDIT_ANCHOR_FILE).read_text().splitlines()[-1])
    assert line["seq"] == event.seq and line["hash"] == bytes(event.hash).hex()
    page = client.get(reverse("publicity:audit_anchors"))
    assert page.status_code == 200
    assert f'data-seq="{event.seq}">{bytes(event.hash).hex()}</code>' in page.content.decode()
    assert "OK" in _verify_ok()


@pytest.mark.django_db
def test_the_anchor_file_is_only_appended_and_a_forged_line_is_named() -> None:
    _events(2)
    anchors.anchor_write()
    first = Path(settings.AUDIT_ANCHOR_FILE).read_text()
    _events(1)
    anchors.anchor_write()
    assert Path(settings.AUDIT_ANCHOR_FILE).read_text().startswith(first)
    forged = {"at": "2026-01-01T00:00:00+08:00", "seq": 1, "hash": "00" * 32, "key_id": "x", "mac": "00"}
    with Path(settings.AUDIT_ANCHOR_FILE).open("a") as fh:
        fh.write(json.dumps(forged) + "\n" + "garbage\n")
    message = _verify_fails()
    assert "锚定文件第 3 行的签名不符" in message and "锚定文件第 4 行无法读取" in message


@pytest.mark.django_db(transaction=True)
def test_the_worker_anchors_daily_and_schedules_the_next_day() -> None:
    from django_tasks_db.models import DBTaskResult

    from spotcheck.audit.tasks import audit_anchor_daily

    _events(2)
    audit_anchor_daily.enqueue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    lines = Path(settings.AUDIT_ANCHOR_FILE).read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["seq"] == AuditHead.objects.get(id=1).last_seq
    waiting = DBTaskResult.objects.filter(task_path=audit_anchor_daily.module_path, status="READY")
    assert waiting.count() == 1 and waiting.get().run_after > clock.now()
    call_command("audit_anchor", "--schedule", stdout=StringIO())
    assert waiting.count() == 1  # never two pending runs


def _age(through_seq: int, days: int) -> None:
    """Events up to ``through_seq`` written ``days`` ago: the chain covers ``at``, so the whole
    table is re-linked under the key, as the platform would have written it at the time."""
    when = clock.now() - timedelta(days=days)
    events = list(AuditEvent.objects.order_by("seq"))
    for e in events:
        if e.seq <= through_seq:
            e.at = when
    with triggers_off() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
    AuditHead.objects.filter(id=1).update(last_seq=0, last_hash=chain.GENESIS)
    ring = chain_keyring()
    previous = chain.GENESIS
    for e in events:
        e.prev_hash = previous
        e.hash = chain.link(previous, e.chain_fields(), ring.current)
        previous = e.hash
    AuditEvent.objects.bulk_create(events)
    AuditHead.objects.filter(id=1).update(last_seq=events[-1].seq, last_hash=previous)


@pytest.mark.django_db
def test_old_events_are_archived_to_signed_files_that_audit_verify_checks(settings: Any) -> None:
    events = _events(10)
    _age(events[5].seq, 400)
    _events(2)
    out = StringIO()
    call_command("audit_archive", stdout=out, stderr=StringIO())
    archive = AuditArchive.objects.get()
    assert f"已归档 {events[5].seq} 条事件" in out.getvalue()
    assert (archive.first_seq, archive.last_seq) == (1, events[5].seq)
    assert not AuditEvent.objects.filter(seq__lte=events[5].seq).exists()
    assert "OK" in _verify_ok()
    # the rows not archived stay undeletable
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=events[6].seq).delete()
    # an edited archive file is named
    path = Path(settings.AUDIT_ARCHIVE_DIR) / archive.file_name
    os.chmod(path, 0o640)
    path.write_bytes(path.read_bytes().replace("审计测试".encode(), "无名氏".encode(), 1))
    message = _verify_fails()
    assert "SM3 与归档记录不符" in message and "签名不符" in message
    path.unlink()
    assert f"归档文件 {archive.file_name} 缺失" in _verify_fails()


@pytest.mark.django_db
def test_nothing_recent_is_archived() -> None:
    _events(3)
    call_command("audit_archive", stdout=StringIO(), stderr=StringIO())
    assert not AuditArchive.objects.exists()
    assert AuditEvent.objects.filter(action="test.act").count() == 3


def test_a_retention_shorter_than_six_months_is_refused() -> None:
    env = {**os.environ, "AUDIT_ARCHIVE_AFTER_DAYS": "90", "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            capture_output=True, text=True, check=False, cwd=settings.BASE_DIR)
    assert result.returncode != 0 and "AUDIT_ARCHIVE_AFTER_DAYS 至少为 183" in result.stderr
