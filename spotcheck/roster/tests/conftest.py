from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def on_day(monkeypatch: Any) -> Callable[[date], None]:
    """Move the platform clock to noon of a given day (Asia/Shanghai)."""
    from spotcheck.core import clock

    def move(day: date) -> None:
        moment = datetime(day.year, day.month, day.day, 12, 0, tzinfo=SHANGHAI)
        monkeypatch.setattr(clock, "now", lambda: moment)

    return move
