"""Deadlines in calendar days or working days (工作日), one module for every deadline.

A working day is Monday to Friday unless the holiday calendar says otherwise: the State
Council's yearly notice of public holidays names days off (``holiday``) and the weekend days
worked instead (``workday``, 调休上班). The calendar is a CSV file (``date,kind,name``), by
default ``holidays.csv`` of the reference directory, or the file named by the setting
``SPOTCHECK_HOLIDAYS_FILE``; the office adds each year's days when the notice is published
(the 2026 days are those of 国务院办公厅关于2026年部分节假日安排的通知, 2025-11-04).
A year the file does not cover counts weekends only, and says so: ``uncovered_years`` names
the years of a span the file does not cover, and ``coverage_warning`` gives the Chinese
message shown where such a deadline is shown (the office's home page, the review page).

``add_days(start, n, working=...)`` is the day ``n`` days after ``start``: the day itself
does not count (a deadline "within 20 days of completion" starts counting the next day); in
working days the result is always a working day.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from django.conf import settings

HOLIDAY, WORKDAY = "holiday", "workday"


class CalendarError(ValueError):
    pass


@dataclass(frozen=True)
class HolidayCalendar:
    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()

    @property
    def years(self) -> frozenset[int]:
        """The years the file covers: any year with at least one entry."""
        return frozenset(d.year for d in self.holidays | self.workdays)

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    @classmethod
    def from_rows(cls, rows: list[dict[str, str]], source: str = "") -> HolidayCalendar:
        holidays: set[date] = set()
        workdays: set[date] = set()
        for n, row in enumerate(rows, start=2):
            try:
                day = date.fromisoformat((row.get("date") or "").strip())
            except ValueError:
                raise CalendarError(f"节假日文件 {source} 第 {n} 行：日期“{row.get('date')}”"
                                    "应为 YYYY-MM-DD。") from None
            kind = (row.get("kind") or "").strip()
            if kind not in (HOLIDAY, WORKDAY):
                raise CalendarError(f"节假日文件 {source} 第 {n} 行：类别“{kind}”应为 "
                                    "holiday（放假）或 workday（调休上班）。")
            (holidays if kind == HOLIDAY else workdays).add(day)
        return cls(frozenset(holidays), frozenset(workdays))


def holidays_file() -> Path:
    configured = getattr(settings, "SPOTCHECK_HOLIDAYS_FILE", "")
    if configured:
        return Path(configured)
    return Path(settings.SPOTCHECK_REFERENCE_DIR) / "holidays.csv"


@lru_cache(maxsize=1)
def default_calendar() -> HolidayCalendar:
    path = holidays_file()
    if not path.exists():
        return HolidayCalendar()
    with path.open(encoding="utf-8", newline="") as fh:
        return HolidayCalendar.from_rows(list(csv.DictReader(fh)), str(path))


def add_days(start: date, n: int, *, working: bool,
             calendar: HolidayCalendar | None = None) -> date:
    """The day ``n`` days (working days when ``working``) after ``start``."""
    if n < 0:
        raise ValueError("n must not be negative")
    if not working:
        return start + timedelta(days=n)
    calendar = calendar or default_calendar()
    day = start
    left = n
    while left > 0:
        day += timedelta(days=1)
        if calendar.is_working(day):
            left -= 1
    return day


def days_left(today: date, due: date, *, working: bool,
              calendar: HolidayCalendar | None = None) -> int:
    """Days (working days when ``working``) from ``today`` until ``due``; negative when past."""
    if due < today:
        return -days_left(due, today, working=working, calendar=calendar)
    if not working:
        return (due - today).days
    calendar = calendar or default_calendar()
    count, day = 0, today
    while day < due:
        day += timedelta(days=1)
        if calendar.is_working(day):
            count += 1
    return count


def uncovered_years(start: date, end: date, *, calendar: HolidayCalendar | None = None) -> list[int]:
    """The years between ``start`` and ``end`` (both included) the holiday calendar does not
    cover: a working-day deadline there is counted on weekends alone."""
    calendar = calendar or default_calendar()
    low, high = sorted((start, end))
    return [y for y in range(low.year, high.year + 1) if y not in calendar.years]


def coverage_warning(start: date, end: date, *, calendar: HolidayCalendar | None = None) -> str:
    """A Chinese warning when a working-day span runs into a year without holidays on file;
    empty when the calendar covers it."""
    years = uncovered_years(start, end, calendar=calendar)
    if not years:
        return ""
    named = "、".join(f"{y} 年" for y in years)
    return (f"节假日文件未收录{named}的放假安排（{holidays_file().name}），该年的期限暂只扣除周末、"
            "未扣除法定节假日和调休；请在国务院办公厅公布当年节假日安排后补充节假日文件。")
