"""Two requests at once on PostgreSQL (SQLite serialises writers): two reports of the same
scope and period asked together make one report and one refusal; two notifications issued
together from one report get consecutive numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from spotcheck.accounts.models import Division
from spotcheck.accounts.roles import Role
from spotcheck.core.errors import Conflict
from spotcheck.draws.tests.test_race import together
from spotcheck.oversight import services
from spotcheck.oversight.models import Notification, Report

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a race needs concurrent writers"),
    pytest.mark.django_db(transaction=True),
]


def test_two_reports_asked_together_make_one(make_user: Any) -> None:
    assert connection.vendor == "postgresql"
    office = make_user(Role.OFFICE)
    city = Division.objects.get(pk="361100")
    year = services.clock.today().year
    outcomes = together([lambda: services.report_create(acting_user=office, division=city, year=year)
                         for _ in range(2)])
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "Report"]
    assert any(isinstance(o, Conflict) for o in outcomes)
    assert Report.objects.count() == 1


def test_two_notifications_issued_together_are_numbered_in_turn(make_user: Any) -> None:
    office = make_user(Role.OFFICE)
    city = Division.objects.get(pk="361100")
    report = services.report_create(acting_user=office, division=city, year=services.clock.today().year)
    Report.objects.filter(pk=report.pk).update(status="done")
    report.refresh_from_db()
    def issue(n: int) -> Callable[[], Any]:
        return lambda: services.notification_issue(acting_user=office, report=report, title=f"通报{n}",
                                                   body="正文")

    outcomes = together([issue(n) for n in range(2)])
    assert all(isinstance(o, Notification) for o in outcomes), outcomes
    numbers = sorted(n.number.rsplit("〕", 1)[1] for n in Notification.objects.all())
    assert numbers == ["1号", "2号"]
