"""The supervision year: inspection windows, the quiet period and the March deadlines.

R-Q1: class A is inspected in June only; class B in June and September only; all other time
is the quiet period (企业安静期). Class C is not limited. R-P2, R-I3, R-L2: plans, the joint
roster and the class-A joint item list are due by the end of March. These are configuration
per year with the seed's values as defaults (``YearCalendar.default``), not code.

Pure: standard library only. Dates are local dates in Asia/Shanghai, passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Window:
    """An inspection window: ``start`` to ``end`` inclusive."""

    start: date
    end: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    def label(self) -> str:
        if self.start.day == 1 and self.start.month == self.end.month:
            return f"{self.start.month}月"
        return f"{self.start:%m-%d}至{self.end:%m-%d}"


def month(year: int, number: int) -> Window:
    next_first = date(year + (number == 12), number % 12 + 1, 1)
    return Window(date(year, number, 1), date.fromordinal(next_first.toordinal() - 1))


@dataclass(frozen=True)
class YearCalendar:
    year: int
    windows: Mapping[str, tuple[Window, ...]]  # class -> its windows; a class absent: any time
    plan_deadline: date
    roster_deadline: date
    list_filing_deadline: date
    quiet_reasons: tuple[str, ...] = field(default=())

    @classmethod
    def default(cls, year: int, quiet_reasons: Iterable[str] = ()) -> YearCalendar:
        end_of_march = date(year, 3, 31)
        return cls(
            year=year,
            windows={"A": (month(year, 6),), "B": (month(year, 6), month(year, 9))},
            plan_deadline=end_of_march,
            roster_deadline=end_of_march,
            list_filing_deadline=end_of_march,
            quiet_reasons=tuple(quiet_reasons),
        )

    def windows_for(self, library_class: str) -> tuple[Window, ...] | None:
        """The windows of a class, or ``None`` when the class is not limited (class C)."""
        return self.windows.get(library_class)

    def in_window(self, library_class: str, day: date) -> bool:
        windows = self.windows_for(library_class)
        return windows is None or any(day in w for w in windows)

    def is_quiet(self, library_class: str, day: date) -> bool:
        """R-Q1: the day is in the quiet period for entities of this class."""
        return not self.in_window(library_class, day)

    def window_within(self, library_class: str, start: date, end: date) -> bool:
        """A plan's window lies wholly inside one allowed window of the class (R-Q1)."""
        windows = self.windows_for(library_class)
        if windows is None:
            return start.year == self.year and end.year == self.year and start <= end
        return start <= end and any(start in w and end in w for w in windows)

    def plan_is_late(self, entered_on: date) -> bool:
        """R-P2: the year's plans are entered by the end of March."""
        return entered_on > self.plan_deadline
