"""Permissions of the reminders: everyone with a working role, and the enterprise, reads
their own reminders;
the year's deadlines are read by the staff; who is late by the office and the justice
bureau (R-S3)."""

from __future__ import annotations

from typing import Any

import rules

from spotcheck.accounts.predicates import (
    is_dept_admin,
    is_enterprise,
    is_inspector,
    is_planner,
    is_reviewer,
)


@rules.predicate
def is_own_notification(user: Any, obj: Any) -> bool:
    return obj is None or getattr(obj, "user_id", None) == user.pk


# the enterprise is told when the answer to its objection is late
has_deadlines = is_reviewer | is_dept_admin | is_planner | is_inspector | is_enterprise

rules.add_perm("reminders.view_notifications", has_deadlines)
rules.add_perm("reminders.read_notification", has_deadlines & is_own_notification)
rules.add_perm("reminders.view_calendar", is_reviewer | is_dept_admin | is_planner)
rules.add_perm("reminders.view_late", is_reviewer)
