"""Dates as people write them in the files they import (any import's date column).

Pure: no Django, no app code.
"""

from __future__ import annotations

import datetime as dt
import re

_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


_EXCEL_EPOCH = dt.date(1899, 12, 30)


def parse_date(value: str) -> dt.date | None:
    """2015-03-01, 2015/3/1, 2015.3.1, 20150301, 2015年3月1日, or a spreadsheet's day number
    (a date cell without a date format: 42064 is 2015-03-01); None if none of these."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        pass
    if value.isdigit() and len(value) <= 5 and 1 <= int(value) <= 2958465:
        return _EXCEL_EPOCH + dt.timedelta(days=int(value))
    m = _DATE_RE.fullmatch(value)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            return None
    return None
