"""Pure rules of the inspector roster: its lines in the SCD-1 ``roster.csv``.

Invariants: inspector ids and tag codes are SCD-1 identifiers (``core.domain.scd1``), so
roster and conflict lines sort the same as strings and as bytes; a roster line's tags are
sorted and unique. Must not import Django or any app code (import-linter contract).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class RosterLine:
    """One line of SCD-1 ``roster.csv``: ``INSPECTOR_ID,DEPT,TAGS`` (tags sorted, ``;``)."""

    inspector_id: str
    dept: str
    tags: tuple[str, ...]

    def text(self) -> str:
        return f"{self.inspector_id},{self.dept},{';'.join(self.tags)}"


def roster_line(inspector_id: str, dept: str, tags: Iterable[str]) -> RosterLine:
    return RosterLine(inspector_id, dept, tuple(sorted(set(tags))))
