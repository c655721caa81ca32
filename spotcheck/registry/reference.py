"""Reference lookups of the entity library: industries (GB/T 4754-2017 sections) and the
division scope of a user (a county user sees that county; a city user the whole city)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from spotcheck.accounts.reference import read_csv

# R-A1's key fields: the default vocabulary of key-field tags (configurable afterwards).
DEFAULT_KEY_FIELD_TAGS = ("制造业", "旅游业", "数字经济", "招商引资", "纳税大户")


@lru_cache(maxsize=1)
def industries() -> dict[str, str]:
    """Section letter → name."""
    return {r["section"]: r["name"] for r in read_csv("industries_gbt4754_2017.csv")}


def division_parents() -> dict[str, str | None]:
    from spotcheck.accounts.models import Division

    return dict(Division.objects.values_list("code", "parent_id"))


def divisions_in_scope(user: Any) -> set[str] | None:
    """Division codes a user works in; None means every division (the command line)."""
    if user is None:
        return None
    code = getattr(user, "division_id", None)
    if not code:
        return set()
    parents = division_parents()
    return {c for c, parent in parents.items() if c == code or parent == code}
