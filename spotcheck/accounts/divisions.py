"""The division tree (GB/T 2260: the city above its county-level divisions) and the scope it
gives: the one place every app asks which divisions a user, a plan or a draw covers.

A division covers itself and every division below it (a city covers its counties); plans of
related divisions (below or above) may share entities (R-B3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from spotcheck.accounts.models import Division


def division_parents() -> dict[str, str | None]:
    """Every division code with its parent's (None at the top)."""
    return dict(Division.objects.values_list("code", "parent_id"))


def division_codes(codes: Iterable[str]) -> set[str]:
    """The codes and every division below them (a city covers its counties)."""
    children: dict[str | None, list[str]] = defaultdict(list)
    for code, parent in division_parents().items():
        children[parent].append(code)
    out: set[str] = set()
    todo = list(codes)
    while todo:
        code = todo.pop()
        if code not in out:
            out.add(code)
            todo.extend(children.get(code, []))
    return out


def related_divisions(division_id: str) -> set[str]:
    """The division, the divisions below it and those above it: where plans may share
    entities."""
    related = division_codes([division_id])
    parents = division_parents()
    code: str | None = division_id
    while code is not None:
        related.add(code)
        code = parents.get(code)
    return related


def division_covers(own: str | None, code: str | None, parent: str | None) -> bool:
    """A user of division ``own`` covers the division ``code`` whose parent is ``parent``
    (itself, or one directly below it): the object-level test of the permission predicates,
    which know the object's division and its parent without a query."""
    return bool(own) and (code == own or parent == own)


def divisions_in_scope(user: Any) -> set[str] | None:
    """Division codes a user works in: their division and those below it; None means every
    division (the command line, no user)."""
    if user is None:
        return None
    code = getattr(user, "division_id", None)
    if not code:
        return set()
    return division_codes([code])
