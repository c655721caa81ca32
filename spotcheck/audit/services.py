"""Writing audit events: always inside the transaction of the act they record (STYLE 7)."""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest

from spotcheck.audit.domain import chain
from spotcheck.audit.models import AuditEvent, AuditHead, Outcome, chain_fields_of
from spotcheck.core import clock, keys
from spotcheck.core.bulk import Encoded, insert_rows
from spotcheck.core.errors import Conflict, Refused, ServiceError

KEYRING = "audit_chain"
KEY_BYTES = 32


@lru_cache(maxsize=1)
def chain_keyring() -> keys.Keyring:
    """The audit chain's keys (``AUDIT_CHAIN_KEYS`` or ``var/keys/audit_chain.keys``): outside
    the database, so whoever can write the table still cannot re-link the chain."""
    return keys.load(Path(settings.VAR_DIR), KEYRING, size=KEY_BYTES)


def chain_key_rotate() -> str:
    """A new current chain key; events keep the id of the key that linked them."""
    new_id = keys.rotate(Path(settings.VAR_DIR), KEYRING, size=KEY_BYTES)
    chain_keyring.cache_clear()
    audit_record(action="audit.key_rotate", object_type="key", object_id=new_id)
    return new_id


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def _text(value: str) -> str:
    """A plain ``str`` as every column and the chain's hash can encode it: a lone surrogate or a
    NUL typed by a user is kept visible as an escape, so recording a refusal never fails."""
    if not value.isascii():  # ASCII text always encodes (and ``isascii`` does not read it)
        try:
            value.encode("utf-8")  # the usual case: valid text, kept as it is
        except UnicodeEncodeError:
            value = value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value.replace("\x00", "\\x00") if "\x00" in value else value


def _storable(value: Any) -> Any:
    """``value`` with text every column and the chain's hash can encode (``_text``); a
    mapping's keys become text as its values do (a choice's value or a safe string: plain
    text; anything else: ``str``)."""
    kind = type(value)
    if kind is str:
        return _text(value)
    if kind is int or kind is bool or value is None:
        return value
    if isinstance(value, str):
        return _text(str.__str__(value))  # a choice's value or a safe string: plain text
    if kind is dict or isinstance(value, Mapping):
        return {_storable(k if isinstance(k, str) else str(k)): _storable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_storable(v) for v in value]
    return value


def _storable_json(value: Any) -> tuple[Any, str]:
    """``_storable(value)`` and its canonical JSON text (``chain.canonical_text``). Most values
    are storable as they are, which their text shows without a walk through every value (a
    batch's summaries hold hundreds of thousands): no NUL, no lone surrogate, and read back
    the same value (text keys, lists, JSON's own types). Any other value is cleaned first."""
    try:
        text = chain.canonical_text(value)
    except (TypeError, ValueError):  # not JSON as it is (a key of another kind, a circle...)
        text = ""
    if text and "\\u0000" not in text and (text.isascii() or _encodes(text)) and json.loads(text) == value:
        return value, text
    value = _storable(value)
    return value, chain.canonical_text(value)


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def audit_record(
    *,
    action: str,
    actor: Any = None,
    actor_name: str = "",
    department_code: str = "",
    object_type: str = "",
    object_id: str | int = "",
    summary: dict[str, Any] | None = None,
    outcome: str = Outcome.SUCCESS,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction (or its own if none).

    The head row is locked first, so two writers take turns and the chain never forks; on
    SQLite the write lock does the same.
    """
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = actor_name or actor.get_username()
        department = getattr(actor, "department", None)
        department_code = department_code or (department.code if department else "")
    else:
        actor = None
    ring = chain_keyring()
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        event = AuditEvent(
            seq=head.last_seq + 1,
            at=clock.now().astimezone(UTC),
            actor=actor,
            actor_name=_storable(actor_name[:150]),
            department_code=department_code,
            action=action,
            object_type=object_type,
            object_id=_storable(str(object_id)),
            summary=_storable(summary or {}),
            outcome=outcome,
            client_ip=client_ip(request),
            key_id=ring.current_id,
            prev_hash=bytes(head.last_hash),
        )
        event.hash = chain.link(bytes(head.last_hash), event.chain_fields(), ring.current)
        event.save(force_insert=True)
        AuditHead.objects.filter(id=1).update(last_seq=event.seq, last_hash=event.hash)
    return event


AUDIT_FIELDS = ("seq", "at", "actor_id", "actor_name", "department_code", "action", "object_type",
                "object_id", "summary", "outcome", "client_ip", "key_id", "prev_hash", "hash")


def audit_record_many(events: Iterable[Mapping[str, Any]], *, actor: Any = None,
                      request: HttpRequest | None = None) -> int:
    """Append many events of one actor to the chain at once, in the caller's transaction:
    each event (``action``, ``object_type``, ``object_id``, ``summary``, optionally
    ``department_code`` and ``outcome``) is linked to the one before it exactly as
    ``audit_record`` links it, under the same lock of the head (so no single write can come
    between them), and all are written in one statement (COPY on PostgreSQL, see
    ``core.bulk.insert_rows``). For the platform's set-based work (a batch of visits
    recorded, a window merged), where one event per act still holds (R-S2). Returns how
    many events were written."""
    actor_name, own_department = "", ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        actor_name = _storable(actor.get_username()[:150])
        department = getattr(actor, "department", None)
        own_department = department.code if department else ""
    else:
        actor = None
    actor_id = actor.pk if actor is not None else None
    events = iter(events)
    first = next(events, None)
    if first is None:
        return 0
    ring = chain_keyring()
    key, key_id = ring.current, ring.current_id
    ip = client_ip(request)
    # jsonb keeps the value, not its text: the summary's canonical text, encoded once for the
    # hash, is written as it is. SQLite keeps the text Django writes for the value.
    as_text = connection.vendor == "postgresql"
    count = 0
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(id=1)
        seq, last = head.last_seq, bytes(head.last_hash)
        at = clock.now().astimezone(UTC)

        def rows() -> Iterator[tuple[Any, ...]]:
            nonlocal seq, last, count
            for values in itertools.chain((first,), events):
                seq += 1
                object_id = values.get("object_id", "")
                summary, summary_text = _storable_json(values.get("summary") or {})
                fields = chain_fields_of(
                    seq=seq, at=at, actor_id=actor_id, actor_name=actor_name,
                    department_code=values.get("department_code") or own_department,
                    action=values["action"], object_type=values.get("object_type", ""),
                    object_id=str(object_id) if type(object_id) is int else _storable(str(object_id)),
                    summary=summary,
                    outcome=values.get("outcome", Outcome.SUCCESS), client_ip=ip, key_id=key_id)
                del fields["summary"]  # hashed from its text (the last member of the canonical form)
                body = chain.canonical_with(fields, "summary", summary_text)
                digest = chain.link_canonical(last, body, key)
                yield (seq, at, actor_id, actor_name, fields["department_code"], fields["action"],
                       fields["object_type"], fields["object_id"],
                       Encoded(summary_text) if as_text else summary, fields["outcome"],
                       ip, key_id, last, digest)
                last = digest
                count += 1

        insert_rows(AuditEvent, AUDIT_FIELDS, rows())
        AuditHead.objects.filter(id=1).update(last_seq=seq, last_hash=last)
    return count


def audit_refusal(*, request: HttpRequest, reason: str = "") -> AuditEvent:
    """Every permission refusal is recorded (R-S2), with the path that was refused."""
    return audit_record(
        action="permission.denied",
        actor=getattr(request, "user", None),
        object_type="path",
        object_id=request.path[:128],
        summary={"method": request.method, "reason": reason},
        outcome=Outcome.DENIED,
        request=request,
    )


@contextlib.contextmanager
def refusals_audited(action: str, *, actor: Any, object_type: str, obj: Any = None,
                     request: HttpRequest | None = None,
                     extra: Mapping[str, Any] | None = None) -> Iterator[None]:
    """Record a refused act after its transaction has rolled back (so the record stays),
    then let the refusal propagate: every refused act is attributable (R-S2).

    ``obj`` (a draw, a plan...) names the object by its ``code`` and its department."""
    try:
        yield
    except ServiceError as exc:
        outcome = Outcome.DENIED if isinstance(exc, Refused | Conflict) else Outcome.FAILURE
        department = getattr(obj, "department", None)
        audit_record(action=action, actor=actor, object_type=object_type,
                     object_id=getattr(obj, "code", "") if obj is not None else "",
                     department_code=department.code if department is not None else "",
                     summary={"code": exc.code, "message": exc.message, **(extra or {})},
                     outcome=outcome, request=request)
        exc.audited = True  # type: ignore[attr-defined]  # recorded: the API does not again
        raise
