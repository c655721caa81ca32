"""Yearly deadlines given as ``"MM-DD"`` (R-I3 roster confirmation, R-L2 list filing).

Pure: standard library only (import-linter contract).
"""

from __future__ import annotations

from datetime import date


def deadline_in(year: int, month_day: str) -> date:
    """The yearly deadline (``"03-31"`` = end of March, R-I3 / R-L2) in ``year``."""
    month, day = (int(part) for part in month_day.split("-"))
    return date(year, month, day)


def is_overdue(*, confirmed: bool, today: date, year: int, month_day: str) -> bool:
    """A yearly act is overdue when it is not done and ``today`` is past the deadline."""
    return not confirmed and today > deadline_in(year, month_day)
