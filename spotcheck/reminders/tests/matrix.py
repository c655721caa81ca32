"""Every URL of the reminders, and who may open it (see core/tests/matrix.py)."""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import Case, roles

CHASED = roles(Role.OFFICE, Role.JUSTICE, Role.DEPT_ADMIN, Role.PLANNER, Role.INSPECTOR, Role.ENTERPRISE)
STAFF = roles(Role.OFFICE, Role.JUSTICE, Role.DEPT_ADMIN, Role.PLANNER)
REVIEWERS = roles(Role.OFFICE, Role.JUSTICE)


def _nobodys() -> dict[str, Any]:
    """A notification of another person: nobody but its owner may mark it (so 403 for all)."""
    from datetime import date

    from spotcheck.accounts.tests.factories import UserFactory
    from spotcheck.core import clock
    from spotcheck.reminders.models import Notification

    owner: Any = UserFactory(role=Role.PLANNER, username="reminder-owner")
    n = Notification.objects.create(user=owner, key="k", kind="plan", stage="due", title="t",
                                    due=date(2027, 3, 31), day=date(2027, 3, 31), created_at=clock.now())
    return {"pk": n.pk}


CASES = [
    Case("reminders:notifications", CHASED),
    Case("reminders:notifications", CHASED, query="?unread=1"),
    Case("reminders:notification_read", roles(), setup=_nobodys, method="post", ok_status=302),
    Case("reminders:notifications_read_all", CHASED, method="post", ok_status=302),
    Case("reminders:calendar", STAFF),
    Case("reminders:calendar", STAFF, query="?year=abc"),
    Case("reminders:late", REVIEWERS),
]
