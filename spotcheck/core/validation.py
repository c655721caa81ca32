"""Model validation turned into the services' error shape: a Chinese message naming the field.

Shared by the services that validate through ``full_clean()`` (roster, item list, plans), with
the small checks of their update paths. The permission check is ``core.errors.refuse_unless``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from spotcheck.core.errors import ServiceError


def field_label(model: type[models.Model], name: str) -> str:
    try:
        field = model._meta.get_field(name)
    except Exception:  # a non-field key (constraint name, __all__)
        return ""
    return str(getattr(field, "verbose_name", "") or "")


def clean_or_raise(obj: models.Model, *, exclude: list[str] | None = None,
                   validate_unique: bool = True, prefix: str = "") -> None:
    """``full_clean()``; on failure a ``ServiceError`` whose message names each field."""
    try:
        obj.full_clean(exclude=exclude, validate_unique=validate_unique)
    except ValidationError as exc:
        raise error_from(exc, type(obj), prefix=prefix) from exc


def error_from(exc: ValidationError, model: type[models.Model], *, prefix: str = "") -> ServiceError:
    fields: dict[str, list[str]] = {}
    parts: list[str] = []
    for name, messages in (exc.message_dict if hasattr(exc, "error_dict")
                           else {NON_FIELD_ERRORS: exc.messages}).items():
        fields[name] = [str(m) for m in messages]
        label = field_label(model, name) if name != NON_FIELD_ERRORS else ""
        text = "；".join(fields[name])
        parts.append(f"{label}：{text}" if label else text)
    return ServiceError(prefix + "；".join(parts), fields=fields)


def require(condition: Any, message: str, field: str) -> None:
    """Refuse with ``message`` on ``field`` unless ``condition`` holds."""
    if not condition:
        raise ServiceError(message, fields={field: [message]})


def refuse_fixed(changes: dict[str, Any], allowed: Iterable[str], fixed: str) -> None:
    """Refuse changes to fields outside ``allowed``, saying which ones stay (``fixed``)."""
    extra = sorted(set(changes) - set(allowed))
    if extra:
        raise ServiceError(f"不能修改字段：{'、'.join(extra)}（{fixed}不可修改）。",
                           fields={k: ["不可修改"] for k in extra})


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The audit summary of an update: only what changed, before and after."""
    return {"before": {k: v for k, v in before.items() if after.get(k) != v},
            "after": {k: v for k, v in after.items() if before.get(k) != v}}
