"""The bell in the page header: how many reminders the signed-in person has not read."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def reminders(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm("reminders.view_notifications"):
        return {}
    from spotcheck.reminders.selectors import unread_count

    return {"reminders_unread": unread_count(user), "reminders_bell": True}
