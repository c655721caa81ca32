"""Naming the window a merge runs over (R-Q1 windows, or any span a class-C plan uses).

A window is given as a ``planning.domain.calendar.Window``, a month number of the year
(``6`` = June), ``"YYYY-MM"``, or ``"YYYY-MM-DD/YYYY-MM-DD"``; its key is the latter form,
kept on the tasks a merge settled so that running the merge again finds them.

A task lies *within* a window when its own window is inside it (those the merge settles); it
*overlaps* when the two share a day (a class-C inspection due over the year, which joins
another department's visit in this window, R-C3).

Pure: standard library and the planning calendar only (import-linter contract).
"""

from __future__ import annotations

import re
from datetime import date

from spotcheck.planning.domain.calendar import Window, month

_SPAN = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


class WindowError(ValueError):
    pass


def parse_window(year: int, window: object) -> Window:
    if isinstance(window, Window):
        result = window
    elif isinstance(window, int) or (isinstance(window, str) and window.strip().isdigit()):
        number = int(window)  # type: ignore[call-overload]
        if not 1 <= number <= 12:
            raise WindowError(f"检查窗口月份“{window}”无效：应为 1 至 12。")
        result = month(year, number)
    elif isinstance(window, str) and (m := _MONTH.match(window.strip())):
        if not 1 <= int(m.group(2)) <= 12:
            raise WindowError(f"检查窗口“{window}”无效：月份应为 1 至 12。")
        result = month(int(m.group(1)), int(m.group(2)))
    elif isinstance(window, str) and (m := _SPAN.match(window.strip())):
        try:
            result = Window(date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2)))
        except ValueError:
            raise WindowError(f"检查窗口“{window}”的日期无效。") from None
    else:
        raise WindowError(f"检查窗口“{window}”无效：应为月份（如 6）、YYYY-MM 或 YYYY-MM-DD/YYYY-MM-DD。")
    if result.start > result.end:
        raise WindowError("检查窗口的开始日期晚于结束日期。")
    if result.start.year != year or result.end.year != year:
        raise WindowError(f"检查窗口 {key(result)} 不在 {year} 年度内。")
    return result


def key(window: Window) -> str:
    return f"{window.start:%Y-%m-%d}/{window.end:%Y-%m-%d}"


def within(window: Window, start: date, end: date) -> bool:
    return window.start <= start and end <= window.end


def overlaps(window: Window, start: date, end: date) -> bool:
    return start <= window.end and window.start <= end


def label(window: Window) -> str:
    if window.start.day == 1 and window.start.month == window.end.month:
        return f"{window.start.year}年{window.start.month}月"
    return f"{window.start:%Y-%m-%d}至{window.end:%Y-%m-%d}"


LATE_DAYS = 1  # the office may let results in one day after the window (R-Q1 exception)


def recording_problem(start: date, end: date, today: date, late_until: date | None = None) -> str | None:
    """Why results may not be recorded ``today`` for a visit of window ``start``–``end``
    (R-Q1, R-Q2: inspections, and so their results, happen within the window), or None.
    ``late_until``: the office's recorded exception, at most ``LATE_DAYS`` after the end."""
    if today < start:
        return f"检查窗口为 {start} 至 {end}，尚未开始，不能录入检查结果（R-Q1）。"
    if today > end and (late_until is None or today > late_until):
        return (f"检查窗口已于 {end} 结束，不能再录入检查结果（R-Q1）；"
                f"逾期 {LATE_DAYS} 天内的补录须经联席办批准。")
    return None
