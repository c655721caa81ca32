"""The one clock: every service asks here, so tests can move time (Asia/Shanghai)."""

from datetime import date, datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def today() -> date:
    return timezone.localdate(now())
