"""The audit chain (R-S2): pure hashing, tampering detected by audit_verify, append-only on PG."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from spotcheck.audit.domain import chain
from spotcheck.audit.models import AuditEvent
from spotcheck.audit.services import audit_record
from spotcheck.audit.testing import triggers_off


def _events(n: int) -> list[AuditEvent]:
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    return [audit_record(action="test.act", actor_name="审计测试", object_type="thing",
                         object_id=i, request=request,
                         summary={"before": {"n": i}, "after": {"n": i + 1, "名称": "甲"}})
            for i in range(n)]


KEY = bytes(range(32))


def test_chain_links_each_event_to_its_predecessor_with_hmac_sm3() -> None:
    first = {"seq": 1, "action": "a"}
    second = {"seq": 2, "action": "b"}
    h1 = chain.link(chain.GENESIS, first, KEY)
    h2 = chain.link(h1, second, KEY)
    assert len(h1) == 32
    rows = [chain.Row(1, first, "k", chain.GENESIS, h1), chain.Row(2, second, "k", h1, h2)]
    report = chain.verify(rows, {"k": KEY}, head=(2, h2))
    assert report.ok and report.count == 2
    tampered = [chain.Row(1, {"seq": 1, "action": "x"}, "k", chain.GENESIS, h1), rows[1]]
    report = chain.verify(tampered, {"k": KEY}, head=(2, h2))
    assert [p.seq for p in report.problems] == [1]
    # the same chain under another key is not vouched for
    assert not chain.verify(rows, {"k": bytes(32)}, head=(2, h2)).ok


def test_canonical_form_ignores_key_order_but_not_values() -> None:
    assert chain.canonical({"b": 1, "a": "甲"}) == chain.canonical({"a": "甲", "b": 1})
    assert chain.canonical({"a": 1}) != chain.canonical({"a": 2})


EVENT = {"seq": 7, "at": "2027-06-01T04:00:00.123456+00:00", "actor_id": None, "actor_name": "审计",
         "department_code": "D1", "action": "inspections.results_record",
         "object_type": "inspections.inspectiontask", "object_id": "42", "outcome": "success",
         "client_ip": "10.0.0.1", "key_id": "k1",
         "summary": {"recorded": [{"item": "A1", "result": "1", "method": "实地检查", "follow_up": ""}],
                     "n": 1.5, "ok": True, "none": None}}


def test_the_hash_of_an_event_stays_what_the_stored_chains_hold() -> None:
    """A known answer: the chains already written verify only while the same event under the
    same key gives the same bytes."""
    assert chain.link(chain.GENESIS, EVENT, KEY).hex() == (
        "2e957b9ccb9b90059f2874fa931a9d413734232e9a636281ca5d6cf37d53d2dc")
    assert chain.link(bytes([255]) * 32, EVENT, KEY).hex() == (
        "84449d5567cfd19b36ab394202ef0554412449f2140bab93fb2dc8de561057db")
    assert (chain.link_canonical(chain.GENESIS, chain.canonical(EVENT), KEY)
            == chain.link(chain.GENESIS, EVENT, KEY))


@pytest.mark.parametrize("summary", [EVENT["summary"], {}, [], "甲", 0, None, {"z": {"y": [1, "x"]}}])
def test_an_event_with_its_summary_given_as_text_has_the_same_canonical_form(summary: Any) -> None:
    rest = {k: v for k, v in EVENT.items() if k != "summary"}
    assert (chain.canonical_with(rest, "summary", chain.canonical_text(summary))
            == chain.canonical({**rest, "summary": summary}))
    assert chain.canonical_with({}, "summary", chain.canonical_text(summary)) == chain.canonical(
        {"summary": summary})


@pytest.mark.parametrize("name", ["action", "seq", "a"])
def test_a_member_given_as_text_must_be_the_last_one(name: str) -> None:
    with pytest.raises(ValueError, match="must sort after"):
        chain.canonical_with({"seq": 1, "action": "x"}, name, "1")


@pytest.mark.django_db
def test_audit_verify_passes_on_an_untouched_chain() -> None:
    _events(5)
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert f"共 {AuditEvent.objects.count()} 条" in out.getvalue()
    assert AuditEvent.objects.count() >= 5


def _flip_byte(seq: int, column: str) -> None:
    """Tamper with a stored row below the ORM, as an attacker with database access would
    (triggers switched off, see spotcheck.audit.testing)."""
    table = AuditEvent._meta.db_table
    with triggers_off() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE seq = %s", [seq])
        value = cursor.fetchone()[0]
        if isinstance(value, (bytes, memoryview)):
            raw = bytearray(bytes(value))
            raw[0] ^= 0x01
            new: Any = bytes(raw)
        elif isinstance(value, str):
            new = value[:-1] + chr(ord(value[-1]) ^ 0x01)
        else:
            new = value
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE seq = %s", [new, seq])


@pytest.mark.django_db
@pytest.mark.parametrize("column", ["action", "object_id", "actor_name", "client_ip",
                                    "outcome", "prev_hash", "hash"])
@pytest.mark.parametrize("victim", [0, 3, 6])
def test_a_flipped_byte_in_any_event_is_named_by_audit_verify(column: str, victim: int) -> None:
    target = _events(7)[victim]
    _flip_byte(target.seq, column)
    with pytest.raises(CommandError) as excinfo:
        call_command("audit_verify")
    assert f"第 {target.seq} 号事件" in str(excinfo.value)


@pytest.mark.django_db
def test_a_changed_summary_is_named() -> None:
    events = _events(4)
    table = AuditEvent._meta.db_table
    with triggers_off() as cursor:
        cursor.execute(f"UPDATE {table} SET summary = %s WHERE seq = %s",
                       ['{"before": {"n": 2}, "after": {"n": 4, "名称": "甲"}}', events[2].seq])
    with pytest.raises(CommandError, match=f"第 {events[2].seq} 号事件"):
        call_command("audit_verify")


@pytest.mark.django_db
@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditevent SET action = 'forged' WHERE seq = %s",
    "DELETE FROM audit_auditevent WHERE seq = %s",
])
def test_the_database_refuses_update_and_delete_of_audit_rows(statement: str) -> None:
    """PostgreSQL and SQLite alike (migrations 0002 and 0004)."""
    event = _events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(statement, [event.seq])
    assert AuditEvent.objects.get(seq=event.seq).action == "test.act"


@pytest.mark.django_db
def test_the_orm_cannot_delete_audit_rows_either() -> None:
    event = _events(1)[0]
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=event.seq).delete()
    assert AuditEvent.objects.filter(seq=event.seq).exists()


@pytest.mark.django_db
def test_events_written_in_a_rolled_back_act_vanish_with_it() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_record(action="test.rolled_back")
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    _events(2)
    call_command("audit_verify", stdout=StringIO())
