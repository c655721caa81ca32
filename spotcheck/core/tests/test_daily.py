"""The daily run's time (core.daily.next_run): Asia/Shanghai, today's if still ahead."""

from __future__ import annotations

from datetime import UTC, datetime, time

from spotcheck.core.daily import next_run


def test_the_next_run_is_today_when_ahead_else_tomorrow_in_shanghai_time() -> None:
    at = time(7, 0)
    # 06:59 in Shanghai (22:59 UTC the day before): today's 07:00
    assert next_run(datetime(2027, 3, 31, 22, 59, tzinfo=UTC), at) == datetime(2027, 3, 31, 23, 0, tzinfo=UTC)
    # exactly 07:00 and later: tomorrow's
    assert next_run(datetime(2027, 3, 31, 23, 0, tzinfo=UTC), at) == datetime(2027, 4, 1, 23, 0, tzinfo=UTC)
    assert next_run(datetime(2027, 4, 1, 15, 0, tzinfo=UTC), at) == datetime(2027, 4, 1, 23, 0, tzinfo=UTC)
    # 00:05 in Shanghai for a 00:10 run: five minutes later, the same Shanghai day
    five_past = datetime(2027, 12, 31, 16, 5, tzinfo=UTC)
    assert next_run(five_past, time(0, 10)) == datetime(2027, 12, 31, 16, 10, tzinfo=UTC)
