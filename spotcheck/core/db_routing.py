"""Reads of the public portal from a read replica (DATABASE_REPLICA_URL).

The public portal (``spotcheck.publicity`` views: the draw list, a draw's page, its bundle)
only reads, and is what the public hammers; at provincial scale its reads go to a streaming
replica so that they do not compete with the staff's work on the primary. Everything else
(staff pages, the API, the worker, commands) and every write stays on ``default``.

Two parts: ``PortalReadsMiddleware`` marks a request whose view belongs to the portal (a
context variable, so threads and async requests do not see each other's mark), and
``ReplicaRouter`` sends that request's reads to the alias named by the setting
``PORTAL_READ_DATABASE`` ("replica" when DATABASE_REPLICA_URL is set, else none), unless the
primary is inside a transaction (a read that follows a write sees the write).
A replica lags behind by the replication delay: a draw just published may show a moment later.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PORTAL_MODULES = ("spotcheck.publicity.",)

_portal_request: ContextVar[bool] = ContextVar("portal_request", default=False)


def portal_read_database() -> str | None:
    """The alias the portal reads from, or None for the primary."""
    alias = getattr(settings, "PORTAL_READ_DATABASE", "")
    return alias if alias and alias in connections.settings else None


@contextmanager
def portal_reads() -> Iterator[None]:
    """The reads inside go where the portal's go (the replica when configured): for work done
    for a portal page before its view is known to the middleware (the page cache's key)."""
    token = _portal_request.set(portal_read_database() is not None)
    try:
        yield
    finally:
        _portal_request.reset(token)


class ReplicaRouter:
    """DATABASE_ROUTERS entry: the portal's reads to the replica, all else to the default."""

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if _portal_request.get() and not connections["default"].in_atomic_block:
            return portal_read_database()
        return None

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # one database, two ways to read it

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None,
                      **hints: Any) -> bool | None:
        if db == REPLICA:
            return False  # the replica follows the primary; it is never migrated itself
        return None


class PortalReadsMiddleware:
    """Marks the requests whose view is one of the public portal's (see ReplicaRouter)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _portal_request.set(False)
        try:
            return self.get_response(request)
        finally:
            _portal_request.reset(token)

    def process_view(self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any,
                     view_kwargs: Any) -> None:
        if getattr(view_func, "__module__", "").startswith(PORTAL_MODULES) and portal_read_database():
            _portal_request.set(True)
