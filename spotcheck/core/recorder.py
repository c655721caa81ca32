"""The audit trail as core reaches it: core records the refusals it answers (pages, API) and
the import jobs it runs, yet the audit trail is an app above core (docs/architecture.md).

The audit app hands its writers to core at start-up (``AuditConfig.ready``); core calls
``record`` and ``refusal`` here. Nothing is ever dropped: a call before the audit app has
registered raises, so a missing audit trail fails loudly instead of quietly (R-S2).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models


class Outcome(models.TextChoices):
    """How an act ended; the audit event's ``outcome`` column takes these values."""

    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    DENIED = "denied", "拒绝"


Writer = Callable[..., Any]
_writers: dict[str, Writer] = {}


def register(*, record: Writer, refusal: Writer) -> None:
    """The audit app's ``audit_record`` and ``audit_refusal``."""
    _writers["record"] = record
    _writers["refusal"] = refusal


def _writer(name: str) -> Writer:
    try:
        return _writers[name]
    except KeyError:
        raise RuntimeError("审计模块未加载：spotcheck.audit 必须在 INSTALLED_APPS 中") from None


def record(**fields: Any) -> Any:
    """One audit event (the keyword arguments of ``spotcheck.audit.services.audit_record``)."""
    return _writer("record")(**fields)


def refusal(*, request: Any, reason: str = "") -> Any:
    """A permission refusal of ``request`` (``spotcheck.audit.services.audit_refusal``)."""
    return _writer("refusal")(request=request, reason=reason)
