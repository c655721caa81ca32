from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from spotcheck.core import recorder
from spotcheck.core.home import sections_for


def home(request: HttpRequest) -> HttpResponse:
    """The work bench of a signed-in user. ``/`` (``publicity.views.front_door``) shows
    everyone else the public portal, which explains the regime and the ways in (R-S5)."""
    return render(request, "core/home.html", {"sections": sections_for(request.user)})


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Every refusal is recorded (R-S2) and explained in Chinese."""
    recorder.refusal(request=request, reason="page")
    return render(request, "core/403.html", status=403)


def own_department(request: HttpRequest) -> Any:
    """The signed-in user's department, for a page that works on it; a user of no department
    is refused (403). The API's counterpart is ``core.api.own_department``."""
    department = getattr(request.user, "department", None)
    if department is None:
        raise PermissionDenied
    return department
