"""The public pages' cache: whole responses of anonymous GETs, keyed by path and query, for
``PUBLIC_CACHE_SECONDS``; every publication, correction or answered complaint moves the
generation (one database row, read once a request: every web process sees it) so that no
page shows a stale result once the publication has committed.

Pages that also show what the apps below write (draws, plans), which cannot move the
generation without importing upwards, add a fingerprint of those rows to the key
(``cached_public(fingerprint=...)``: one small query): a draw announced, executed, published
or with a substitute, or a plan approved, is shown at once too."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse


def _generation() -> int:
    from spotcheck.publicity.models import PublicGeneration

    value = PublicGeneration.objects.filter(pk=1).values_list("value", flat=True).first()
    return int(value or 0)


def invalidate() -> None:
    from django.db.models import F

    from spotcheck.publicity.models import PublicGeneration

    if not PublicGeneration.objects.filter(pk=1).update(value=F("value") + 1):
        PublicGeneration.objects.get_or_create(pk=1, defaults={"value": time.time_ns() // 1000})


Fingerprint = Callable[..., Any]


def cached_public(view: Callable[..., HttpResponse] | None = None, *,
                  fingerprint: Fingerprint | None = None) -> Any:
    """Serve anonymous GETs of ``view`` from the cache (signed-in users always get a fresh page:
    theirs carries the menu and their name). ``fingerprint(request, *args, **kwargs)``: a value
    that changes when the rows of a lower app that the page shows change."""
    if view is None:
        return lambda v: _cached(v, fingerprint)
    return _cached(view, fingerprint)


def _cached(view: Callable[..., HttpResponse],
            fingerprint: Fingerprint | None) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PUBLIC_CACHE_SECONDS
        if request.method != "GET" or request.user.is_authenticated or seconds <= 0:
            return view(request, *args, **kwargs)
        extra = repr(fingerprint(request, *args, **kwargs)) if fingerprint else ""
        digest = hashlib.sha256(f"{request.get_full_path()}\x00{extra}".encode()).hexdigest()
        key = f"publicity:page:{_generation()}:{digest}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
            response["X-Public-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if (response.status_code == 200 and not response.streaming and not response.cookies
                and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")):
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            cache.set(key, (response.content, response["Content-Type"]), seconds)
        return response

    return wrapper
