from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from spotcheck.audit.domain import chain
from spotcheck.audit.models import AuditEvent, AuditHead

# The columns the chain covers, read below the ORM so that one damaged cell (a hash rewritten
# as text, a date that does not parse, JSON that is not JSON) names its row instead of
# stopping the verifier with a traceback.
_COLUMNS = ["seq", "at", "actor", "actor_name", "department_code", "action", "object_type",
            "object_id", "summary", "outcome", "client_ip", "key_id", "prev_hash", "hash"]


def event_list() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor").order_by("-seq")


def _converters() -> list[tuple[str, Any, list[Any]]]:
    table = AuditEvent._meta.db_table
    out = []
    for name in _COLUMNS:
        field: Any = AuditEvent._meta.get_field(name)
        col = field.get_col(table)
        out.append((field.attname, col,
                    connection.ops.get_db_converters(col) + field.get_db_converters(connection)))
    return out


def _convert_row(raw: tuple[Any, ...], converters: list[tuple[str, Any, list[Any]]]) -> chain.Row:
    seq = raw[0]
    values: dict[str, Any] = {}
    damaged: list[str] = []
    for value, (attname, col, convs) in zip(raw, converters, strict=True):
        try:
            for conv in convs:
                value = conv(value, col, connection)
        except Exception:  # any failure is a damaged cell, named below
            damaged.append(attname)
            value = None
        values[attname] = value
    hashes: dict[str, bytes | None] = {}
    for name in ("prev_hash", "hash"):
        value = values[name]
        if isinstance(value, bytes | memoryview) and len(bytes(value)) == 32:
            hashes[name] = bytes(value)
        else:
            hashes[name] = None
            if name not in damaged:
                damaged.append(name)
    fields = None
    if not set(damaged) - {"prev_hash", "hash"}:
        try:
            event = AuditEvent(**{k: v for k, v in values.items() if k not in ("prev_hash", "hash")})
            fields = event.chain_fields()
            chain.canonical(fields)
        except Exception:
            fields = None
            damaged.append("at/summary")
    return chain.Row(
        seq=int(seq), fields=fields, key_id=str(values.get("key_id") or ""),
        prev_hash=hashes["prev_hash"], hash=hashes["hash"],
        damage="、".join(f"列 {name} 已损坏" for name in damaged),
    )


def chain_rows(batch: int = 2000) -> Iterator[chain.Row]:
    """Events in chain order, streamed, as the domain verifier wants them; never raises on
    the content of a row."""
    converters = _converters()
    fields: list[Any] = [AuditEvent._meta.get_field(n) for n in _COLUMNS]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(AuditEvent._meta.db_table)
    last = -1
    with connection.cursor() as cursor:
        while True:
            cursor.execute(f"SELECT {columns} FROM {table} WHERE seq > %s "  # noqa: S608
                           f"ORDER BY seq LIMIT %s", [last, batch])
            rows = cursor.fetchall()
            if not rows:
                return
            for raw in rows:
                yield _convert_row(raw, converters)
            last = rows[-1][0]


def chain_head() -> tuple[int, bytes] | None:
    head = AuditHead.objects.filter(id=1).values_list("last_seq", "last_hash").first()
    if head is None:
        return None
    last_seq, last_hash = head
    return int(last_seq), bytes(last_hash) if isinstance(last_hash, bytes | memoryview) else b""
