"""Reference data comes with ``migrate``: after every migration run the reference tables are
brought in line with the shipped files, so a new deployment has its divisions and departments
before the first import (and a test database flushed between tests gets them back).

A ``post_migrate`` handler rather than a data migration: the shipped files change, a frozen
copy in a migration would not follow them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections

from spotcheck.accounts.hooks import reference_steps
from spotcheck.accounts.models import Department, Division
from spotcheck.audit.models import AuditEvent, AuditHead


def _tables_ready(using: str) -> bool:
    tables = set(connections[using].introspection.table_names())
    # With the tables of the registered reference steps (registry's key-field tags).
    registered = [model for _, step in reference_steps() for model in step.models]
    return all(model._meta.db_table in tables
               for model in (Division, Department, AuditEvent, AuditHead, *registered))


def reference_after_migrate(sender: Any, *, verbosity: int = 1, using: str = DEFAULT_DB_ALIAS,
                            plan: Any = None, stdout: Any = None, **kwargs: Any) -> None:
    # Not after migrating backwards (tables may be gone), not on another database.
    if using != DEFAULT_DB_ALIAS or any(backwards for _, backwards in plan or []):
        return
    if not _tables_ready(using):
        return
    from spotcheck.accounts.services import reference_sync
    from spotcheck.core.errors import ServiceError

    try:
        changes = reference_sync()
    except ServiceError as exc:  # a city missing from the files: stop loudly, say which
        raise ImproperlyConfigured(exc.message) from exc
    if changes.changed and verbosity >= 1 and stdout is not None:
        for line in changes.lines():
            stdout.write(f"  参考数据（{changes.city}）：{line}\n")
