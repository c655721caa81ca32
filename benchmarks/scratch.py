"""A scratch database for a benchmark run: a fresh PostgreSQL database (``BENCH_PG_URL``, by
default the local server), or SQLite in a temporary folder; dropped at the end either way.
The settings are given through the environment before Django starts."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit


def _pg_database(base: str, name: str, op: str, other: str = "") -> None:
    """``op`` the database ``name``: create it (a copy of the database ``other`` when named),
    rename it to ``other``, or drop it."""
    import psycopg

    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        if op == "create":
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{other}"' if other else ""))
        elif op == "rename":
            conn.execute(f'ALTER DATABASE "{name}" RENAME TO "{other}"')
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def scratch_database(prefix: str, *, sqlite: bool = False, template: str = "", keep: str = "") -> Iterator[str]:
    """Yields the temporary folder (``SPOTCHECK_VAR_DIR``) with ``DATABASE_URL`` set; on
    PostgreSQL a copy of the database ``template`` when one is named (a database prepared
    once, e.g. migrated and holding a generated library, so that runs skip the generation).
    ``keep`` names the PostgreSQL database to keep at the end, instead of dropping it (to
    look into it afterwards, or to start later runs from it)."""
    tmp = tempfile.TemporaryDirectory()
    os.environ["SPOTCHECK_VAR_DIR"] = tmp.name
    pg_name = base = ""
    if sqlite:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp.name}/bench.sqlite3"
    else:
        parts = urlsplit(os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
        base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        pg_name = f"{prefix}_{os.getpid()}"
        _pg_database(base, pg_name, "create", template)
        os.environ["DATABASE_URL"] = f"{base}/{pg_name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        yield tmp.name
    finally:
        if pg_name:
            from django.db import connections

            connections.close_all()
            _pg_database(base, pg_name, "rename" if keep else "drop", keep)
        tmp.cleanup()
