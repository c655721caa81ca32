"""Pages of the reminders: my notifications (mark read), the year's deadlines, who is late."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from spotcheck.core import clock
from spotcheck.core.decorators import require_perm
from spotcheck.core.paging import keyset_page
from spotcheck.reminders import selectors, services
from spotcheck.reminders.models import Notification


def _notification(request: HttpRequest, pk: int) -> Notification:
    return get_object_or_404(Notification, pk=pk)


@require_perm("reminders.view_notifications")
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    qs = selectors.notifications_for(request.user, unread_only=unread_only)
    page = keyset_page(request, qs, ["-id"], size=50)
    return render(request, "reminders/notification_list.html",
                  {"page": page, "unread_only": unread_only,
                   "unread": selectors.unread_count(request.user), "lead_days": services.lead_days()})


@require_POST
@require_perm("reminders.read_notification", fn=_notification)
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    n = services.notification_read(acting_user=request.user, notification=_notification(request, pk))
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(n.url, allowed_hosts={request.get_host()})
    if target == "go" and n.url and safe:
        return redirect(n.url)
    return redirect("reminders:notifications")


@require_POST
@require_perm("reminders.view_notifications")
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_read_all(acting_user=request.user)
    return redirect("reminders:notifications")


@require_perm("reminders.view_calendar")
def calendar(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    years = clock.years_around(today)
    try:
        year = int(request.GET.get("year", clock.planning_year(today)))
    except ValueError:
        year = clock.planning_year(today)
    if year not in years:
        year = clock.planning_year(today)
    items = selectors.calendar_for_user(request.user, year, today)
    return render(request, "reminders/calendar.html",
                  {"items": items, "year": year, "years": years, "today": today})


@require_perm("reminders.view_late")
def late(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    return render(request, "reminders/late.html", {"late": selectors.late_for(request.user, today),
                                                   "today": today})
