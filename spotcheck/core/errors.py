"""Errors that services raise: a machine code and a Chinese message, with field messages."""

from __future__ import annotations

import logging
from typing import Any


class ServiceError(Exception):
    """A refusal with a stable ``code`` and a Chinese ``message`` for the user."""

    code = "invalid"
    status = 400

    def __init__(self, message: str, *, code: str | None = None,
                 fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields = fields or {}


class Refused(ServiceError):
    """The acting user may not do this (permission or separation of duties)."""

    code = "permission_denied"
    status = 403


class Conflict(ServiceError):
    """The object changed under us, or the act was already done (a racing worker lost)."""

    code = "conflict"
    status = 409


def refuse_unless(acting_user: Any, perm: str, obj: Any, message: str) -> None:
    """The services' one permission check: refuse unless the acting user holds ``perm`` on
    ``obj`` (``None``: a permission without an object); ``acting_user=None`` is the platform."""
    if acting_user is not None and not acting_user.has_perm(perm, obj):
        raise Refused(message)


class RefusalLogFilter(logging.Filter):
    """An ordinary refusal (401, 403, 404) is logged in one line, without the traceback Django
    attaches to ``PermissionDenied``: it is expected, and already in the audit trail (R-S2)."""

    QUIET = frozenset({401, 403, 404, 405, 413, 415})

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) in self.QUIET:
            record.exc_info = None
            record.exc_text = None
        return True
