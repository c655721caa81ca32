"""The public pages' cache: whole responses of anonymous GETs, keyed by path and query, for
``PUBLIC_CACHE_SECONDS``; every publication, correction or answered complaint moves the
generation so that no page shows a stale result for longer than it takes to commit."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

GENERATION = "publicity:generation"


def _generation() -> str:
    value = cache.get(GENERATION)
    if value is None:
        value = str(time.time_ns())
        cache.add(GENERATION, value, None)
        value = cache.get(GENERATION, value)
    return str(value)


def invalidate() -> None:
    cache.set(GENERATION, str(time.time_ns()), None)


def cached_public(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve anonymous GETs of ``view`` from the cache (signed-in users always get a fresh page:
    theirs carries the menu and their name)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PUBLIC_CACHE_SECONDS
        if request.method != "GET" or request.user.is_authenticated or seconds <= 0:
            return view(request, *args, **kwargs)
        digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()
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
