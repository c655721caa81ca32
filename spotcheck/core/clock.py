"""The one clock: every service asks here, so tests can move time (Asia/Shanghai).

The two years of the regime, one rule for every page and API default that picks a year:

- **the year in execution** (``execution_year``) is the calendar year: the year whose
  inspection windows run now (R-Q1), whose class-C coverage is counted (R-C2) and whose
  plans are being carried out (R-P1).
- **the planning year** (``planning_year``) is the year whose plans are being written
  (R-P2: entered by the end of March of that year). From 1 October of year Y — the last
  ordinary window (class B, September, R-Q1) is over, and what remains of Y is class C and
  the closing of Y's plans — the planning year is Y+1; from 1 January to 30 September it is
  Y itself (until the end-of-March deadline the year's plans are still being entered, and
  special plans are entered during the year, R-P2).

Both take the day explicitly (``today`` defaults to the platform clock), so tests pass it.
"""

from datetime import date, datetime

from django.utils import timezone

# The first month whose days plan the next year (see the module docstring).
PLANNING_TURNS_IN_MONTH = 10


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return timezone.localdate(now())


def execution_year(day: date | None = None) -> int:
    """The year whose inspections are carried out on ``day``: its calendar year."""
    return (day or today()).year


def planning_year(day: date | None = None) -> int:
    """The year whose plans are written on ``day``: Y+1 from 1 October of Y, else Y."""
    day = day or today()
    return day.year + 1 if day.month >= PLANNING_TURNS_IN_MONTH else day.year


def years_around(day: date | None = None) -> list[int]:
    """The years a year picker offers: the year before the one in execution up to the year
    after it (the planning year is always one of them)."""
    year = execution_year(day)
    return [year - 1, year, year + 1]
