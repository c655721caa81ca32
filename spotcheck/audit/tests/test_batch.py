"""``audit_record_many``: a batch of events linked and written at once verifies exactly like
events written one by one (R-S2), and a single write cannot come between a batch's events."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test import RequestFactory
from django.utils.safestring import mark_safe

from spotcheck.accounts.models import User
from spotcheck.audit.domain import chain
from spotcheck.audit.models import AuditEvent, AuditHead, Outcome
from spotcheck.audit.selectors import chain_head, chain_rows
from spotcheck.audit.services import _storable, _storable_json, audit_record, audit_record_many, chain_keyring
from spotcheck.core import clock


def _verify() -> chain.Report:
    head = chain_head()
    return chain.verify(chain_rows(), chain_keyring().as_dict(),
                        head=head if head is not None else (0, chain.GENESIS))


def _batch(n: int, tag: str = "batch") -> list[dict[str, Any]]:
    return [{"action": f"test.{tag}", "object_type": "thing", "object_id": i,
             "summary": {"n": i, "名称": "甲\udcff\x00", "items": [{"code": "A1", "result": "1"}]}}
            for i in range(n)]


@pytest.mark.django_db
def test_a_batch_between_single_events_verifies_as_one_chain() -> None:
    user = User.objects.create_user(username="batch-writer", password="x")
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    before = audit_record(action="test.single", object_id="before")
    written = audit_record_many([*_batch(5), {"action": "test.refused", "object_id": "x",
                                              "outcome": Outcome.DENIED, "department_code": "D9"}],
                                actor=user, request=request)
    after = audit_record(action="test.single", object_id="after")
    assert written == 6
    batch = list(AuditEvent.objects.filter(seq__gt=before.seq, seq__lt=after.seq).order_by("seq"))
    assert [e.seq for e in batch] == list(range(before.seq + 1, before.seq + 7))
    assert bytes(batch[0].prev_hash) == bytes(before.hash)
    assert bytes(after.prev_hash) == bytes(batch[-1].hash)
    assert all(e.actor_id == user.pk and e.actor_name == "batch-writer" and e.client_ip == "10.1.2.3"
               for e in batch)
    assert batch[1].summary["名称"] == "甲\\udcff\\x00"  # kept visible, as audit_record keeps it
    assert (batch[-1].outcome, batch[-1].department_code) == (Outcome.DENIED, "D9")
    head = AuditHead.objects.get(id=1)
    assert (head.last_seq, bytes(head.last_hash)) == (after.seq, bytes(after.hash))
    report = _verify()
    assert report.ok, report.problems
    call_command("audit_verify", stdout=StringIO())


@pytest.mark.django_db
def test_a_batch_gives_each_event_the_hash_a_single_write_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same events, once in a batch and once one by one from the same head and at the
    same moment, link alike."""
    moment = datetime(2027, 6, 1, 4, 0, 0, 123456, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: moment)
    with transaction.atomic():
        sid = transaction.savepoint()
        audit_record_many(_batch(3))
        batched = [bytes(e.hash) for e in AuditEvent.objects.order_by("seq")]
        transaction.savepoint_rollback(sid)
        for values in _batch(3):
            audit_record(**values)
    singles = [bytes(e.hash) for e in AuditEvent.objects.order_by("seq")]
    assert batched == singles


# Summaries storable as they are, and summaries that need cleaning: text a column cannot hold
# (NUL, lone surrogates, in values and keys), keys of other kinds, a choice, a safe string,
# tuples, a mapping that is not a dict, text that only looks like an escaped NUL.
SUMMARIES: list[Any] = [
    {"recorded": [{"item": "A1", "result": "1", "method": "实地检查", "follow_up": ""}] * 3},
    {"tasks": [1, 2], "items": 5, "publish_due": "2027-07-01", "ok": True, "none": None, "r": 1.5},
    {"名称": "甲\udcff\x00", "k\x00": "v", "\ud800": 1},
    {1: "one", False: "no", None: "none", 2.5: "f"},
    {Outcome.DENIED: Outcome.SUCCESS, "safe": mark_safe("<b>甲</b>")},
    {"t": (1, "2", (3,)), "od": OrderedDict([("b", 1), ("a", 2)])},
    {"mixed": {"b": [{"c": ("d",)}], "a": "\\u0000 typed as text"}},
    {},
]


@pytest.mark.parametrize("summary", SUMMARIES)
def test_a_summary_is_hashed_and_stored_as_the_cleaning_of_every_value_gives_it(summary: Any) -> None:
    """What the batch writes for a summary without walking it (most of them) is what the
    cleaning of each value would write: the same canonical text, the same JSON for the column."""
    stored, text = _storable_json(summary)
    clean = _storable(summary)
    assert text == chain.canonical_text(clean)
    assert json.dumps(stored) == json.dumps(clean)
    text.encode("utf-8")  # every column can hold it


def test_a_mapping_key_is_text_as_a_value_is() -> None:
    assert _storable({Outcome.DENIED: 1, 7: 2, None: 3}) == {"denied": 1, "7": 2, "None": 3}


@pytest.mark.django_db
def test_every_kind_of_summary_is_written_by_a_batch_as_by_single_writes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    moment = datetime(2027, 6, 1, 4, 0, 0, 123456, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: moment)
    events = [{"action": "test.kinds", "object_id": i, "summary": summary}
              for i, summary in enumerate(SUMMARIES)]
    with transaction.atomic():
        sid = transaction.savepoint()
        audit_record_many(events)
        written = AuditEvent.objects.filter(action="test.kinds").order_by("seq")
        batched = list(written.values_list("hash", "summary", "object_id"))
        transaction.savepoint_rollback(sid)
        for values in events:
            audit_record(**values)
    singles = list(written.values_list("hash", "summary", "object_id"))
    assert [(bytes(h), s, o) for h, s, o in batched] == [(bytes(h), s, o) for h, s, o in singles]
    assert len(batched) == len(SUMMARIES)
    report = _verify()
    assert report.ok, report.problems


@pytest.mark.django_db
def test_an_empty_batch_writes_nothing() -> None:
    count = AuditEvent.objects.count()
    assert audit_record_many([]) == 0
    assert audit_record_many(iter(())) == 0
    assert AuditEvent.objects.count() == count


@pytest.mark.django_db
def test_a_refused_batch_writes_none_of_its_events() -> None:
    last = audit_record(action="test.single")
    with pytest.raises(KeyError), transaction.atomic():
        audit_record_many([*_batch(2), {"object_id": "no action"}])
    assert AuditEvent.objects.order_by("seq").last() == last
    assert _verify().ok


@pytest.mark.postgres
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_a_single_write_waits_for_a_batch_in_progress_and_follows_it() -> None:
    """A writer on its own connection, started while a batch is half written, takes its turn
    after the batch commits: the chain neither forks nor interleaves."""
    assert connection.vendor == "postgresql"
    first = audit_record(action="test.single", object_id="first")
    started, outcome = threading.Event(), dict[str, Any]()

    def single() -> None:
        try:
            started.set()
            outcome["event"] = audit_record(action="test.single", object_id="concurrent")
        except Exception as exc:  # reported below
            outcome["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=single)

    def events() -> Any:
        yield from _batch(3)
        thread.start()
        started.wait(10)
        thread.join(0.5)  # the single write is under way and must wait for the head
        outcome["waited"] = thread.is_alive()
        yield from _batch(3, "batch_rest")

    with transaction.atomic():
        audit_record_many(events())
    thread.join(30)
    assert "error" not in outcome, outcome
    assert outcome["waited"]
    actions = list(AuditEvent.objects.filter(seq__gte=first.seq).order_by("seq")
                   .values_list("object_id", "action"))
    assert actions == [("first", "test.single"), *((str(i), "test.batch") for i in range(3)),
                       *((str(i), "test.batch_rest") for i in range(3)), ("concurrent", "test.single")]
    report = _verify()
    assert report.ok, report.problems
