"""Pure rules of the inspector roster: SCD-1 identifiers, the yearly deadline, roster lines.

Invariants: inspector ids and tag codes match ``[A-Za-z0-9_.:-]{1,64}`` (DRAW.md section 1),
so roster and conflict lines sort the same as strings and as bytes; a roster line's tags are
sorted and unique. Must not import Django or any app code (import-linter contract).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

SCD1_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
SCD1_ID_PATTERN = r"^[A-Za-z0-9_.:-]{1,64}$"  # the same rule, for database CheckConstraints


def is_scd1_id(value: str) -> bool:
    return bool(SCD1_ID.fullmatch(value))


def deadline_in(year: int, month_day: str) -> date:
    """The yearly deadline (``"03-31"`` = end of March, R-I3 / R-L2) in ``year``."""
    month, day = (int(part) for part in month_day.split("-"))
    return date(year, month, day)


def is_overdue(*, confirmed: bool, today: date, year: int, month_day: str) -> bool:
    """A yearly act is overdue when it is not done and ``today`` is past the deadline."""
    return not confirmed and today > deadline_in(year, month_day)


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
