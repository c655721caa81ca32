"""Template filters of the planning pages."""

from __future__ import annotations

from typing import Any

from django import template

from spotcheck.planning.domain.office import percent

register = template.Library()


@register.filter
def bp(value: Any) -> str:
    """Basis points as a percentage: 500 -> 5%."""
    if value in (None, ""):
        return "—"
    return percent(int(value))


@register.filter
def dash(value: Any) -> Any:
    return "—" if value in (None, "") else value


@register.filter
def get(mapping: Any, key: str) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def total(rows: Any, attr: str) -> int:
    """The sum of one attribute over rows: the overlap panel's summary line."""
    return sum(getattr(row, attr, 0) or 0 for row in rows or ())
