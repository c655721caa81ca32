"""Two daily runs started together (the worker and ``manage.py reminders_send``), each on its
own database connection: one notification per person and stage, one digest and one e-mail
per person. PostgreSQL only: SQLite serialises writers, so there is no race to test."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.db import connection

from spotcheck.accounts.roles import Role
from spotcheck.draws.tests.test_race import together
from spotcheck.reminders import services
from spotcheck.reminders.models import Digest, Notification

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a race needs concurrent writers"),
    pytest.mark.django_db(transaction=True),
]


def test_two_runs_of_one_day_send_one_digest_per_person(make_user: Any, on_day: Any, settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    people = [make_user(Role.DEPT_ADMIN, code, email=f"{code}@example.test")
              for code in ("361100-ENV", "361100-SAMR")]
    make_user(Role.OFFICE, email="office@example.test")
    assert connection.vendor == "postgresql"
    day = date(2027, 4, 1)
    on_day(day)
    mail.outbox = []
    outcomes = together([lambda: services.reminders_send(day), lambda: services.reminders_send(day)])
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    assert sum(o.digests for o in outcomes) == 3 == Digest.objects.filter(day=day).count()
    assert len(mail.outbox) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        ["361100-ENV@example.test", "361100-SAMR@example.test", "office@example.test"])
    # each admin: item list, roster and plan overdue, once
    for p in people:
        assert Notification.objects.filter(user=p).count() == 3
