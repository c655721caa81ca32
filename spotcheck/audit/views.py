from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spotcheck.audit import selectors
from spotcheck.audit.models import Outcome
from spotcheck.core.decorators import require_perm


@require_perm("audit.view_auditevent")
def event_list(request: HttpRequest) -> HttpResponse:
    events = selectors.event_list()
    outcome = request.GET.get("outcome", "")
    if outcome in Outcome.values:
        events = events.filter(outcome=outcome)
    action = request.GET.get("action", "").strip()
    if action:
        events = events.filter(action__startswith=action)
    page = Paginator(events, 50, allow_empty_first_page=True).get_page(request.GET.get("page"))
    return render(request, "audit/event_list.html",
                  {"page": page, "outcome": outcome, "action": action,
                   "outcomes": Outcome.choices})
