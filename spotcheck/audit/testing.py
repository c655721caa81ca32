"""For tests only: act on the audit tables below the platform, as an attacker with database
access would, and clear them before a transactional test's flush."""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from typing import Any

from django.db import connection

_TRIGGERS = importlib.import_module("spotcheck.audit.migrations.0004_append_only_everywhere")


@contextlib.contextmanager
def triggers_off() -> Iterator[Any]:
    """A cursor on which the append-only triggers do not fire (PostgreSQL: replica role for
    the transaction; SQLite: triggers dropped and created again afterwards)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        elif connection.vendor == "sqlite":
            for statement in _TRIGGERS.SQLITE_BACKWARD:
                cursor.execute(statement)
        try:
            yield cursor
        finally:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL session_replication_role = origin")
            elif connection.vendor == "sqlite":
                for statement in _TRIGGERS.SQLITE_FORWARD:
                    cursor.execute(statement)


def audit_tables_clear() -> None:
    if connection.vendor != "sqlite":
        return
    with triggers_off() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
        cursor.execute("DELETE FROM audit_auditarchive")
