"""Reads of the reminders: a person's notifications and unread count, the year's calendar
and who is late, scoped to what the user may see."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import QuerySet

from spotcheck.accounts.models import Department
from spotcheck.accounts.predicates import is_reviewer
from spotcheck.reminders.deadlines import Deadline, open_deadlines, year_calendar
from spotcheck.reminders.models import Notification


def notifications_for(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    qs = Notification.objects.filter(user_id=user.pk).order_by("-day", "due", "-id")
    return qs.filter(read_at__isnull=True) if unread_only else qs


def unread_count(user: Any) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def calendar_for_user(user: Any, year: int, today: date) -> list[Deadline]:
    if is_reviewer(user):
        return year_calendar(year, today, division_ids={user.division_id})
    return year_calendar(year, today, department_ids={user.department_id})


@dataclass
class LateDepartment:
    department: Department
    items: list[Deadline]


def late_for(user: Any, today: date) -> list[LateDepartment]:
    """Who is late in the user's division: overdue deadlines grouped by department."""
    late: dict[int, list[Deadline]] = defaultdict(list)
    for d in open_deadlines(today):
        if d.division_id == user.division_id and d.department_id is not None and d.overdue_on(today):
            late[d.department_id].append(d)
    departments = Department.objects.in_bulk(list(late))
    return [LateDepartment(departments[pk], sorted(items, key=lambda d: d.due))
            for pk, items in sorted(late.items(), key=lambda kv: (departments[kv[0]].seq, kv[0]))]
