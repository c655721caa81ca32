from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spotcheck.audit.services import audit_refusal
from spotcheck.core.home import sections_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"sections": sections_for(request.user)})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Every refusal is recorded (R-S2) and explained in Chinese."""
    audit_refusal(request=request, reason="page")
    return render(request, "core/403.html", status=403)
