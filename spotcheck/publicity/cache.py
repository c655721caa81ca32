"""The public pages' cache: whole responses of anonymous GETs, keyed by path and query, for
``PUBLIC_CACHE_SECONDS``; every publication, correction or answered complaint moves the
generation (one database row, read once a request: every web process sees it) so that no
page shows a stale result once the publication has committed.

Pages that also show what the apps below write (draws, plans), which cannot move the
generation without importing upwards, add a fingerprint of those rows to the key
(``cached_public(fingerprint=...)``: one small query): a draw announced, executed, published
or with a substitute, or a plan approved, is shown at once too.

Two ways in:

- ``PublicPageCacheMiddleware`` (early in ``MIDDLEWARE``, before the session, CSRF and
  authentication): a GET that carries no session or messages cookie is anonymous and its page
  cannot differ from any other such visitor's, so a cached page is answered at once, with the
  headers it was first sent with (security policy, frame options), without the rest of the
  stack. A miss goes on through the stack; its response is stored as it comes back, unless it
  sets a cookie (a CSRF token handed out, a session started), is not a 200, or says
  ``no-store``/``private``.
- ``cached_public`` on the view, for the rest of the anonymous requests (a visitor who still
  carries a session cookie): the page's body only. Signed-in users always get a fresh page
  (theirs carries the menu and their name).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from spotcheck.core.db_routing import portal_reads

MESSAGES_COOKIE = "messages"  # django.contrib.messages' cookie storage


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


class _Marked:
    """What a cached view carries for the middleware: its fingerprint (or None)."""

    def __init__(self, fingerprint: Fingerprint | None) -> None:
        self.fingerprint = fingerprint


def _store(request: HttpRequest) -> BaseCache:
    """Searches (a query string with ``q``) apart from the pages: a stream of searches asked
    once each must not push the home and draw pages out of the cache."""
    return caches["public_search" if request.GET.get("q") else "public_pages"]


def _key(prefix: str, request: HttpRequest, fingerprint: Fingerprint | None, args: Any, kwargs: Any) -> str:
    extra = repr(fingerprint(request, *args, **kwargs)) if fingerprint else ""
    digest = hashlib.sha256(f"{request.scheme}\x00{request.get_host()}\x00{request.get_full_path()}"
                            f"\x00{extra}".encode()).hexdigest()
    return f"publicity:{prefix}:{_generation()}:{digest}"


def cached_public(view: Callable[..., HttpResponse] | None = None, *,
                  fingerprint: Fingerprint | None = None) -> Any:
    """Serve anonymous GETs of ``view`` from the cache (signed-in users always get a fresh page:
    theirs carries the menu and their name). ``fingerprint(request, *args, **kwargs)``: a value
    that changes when the rows of a lower app that the page shows change."""
    if view is None:
        return lambda v: _cached(v, fingerprint)
    return _cached(view, fingerprint)


def cached_like(view: Callable[..., HttpResponse], like: Callable[..., HttpResponse]) -> None:
    """``view`` answers anonymous visitors with the page of ``like`` (the front door at ``/``):
    the middleware may serve its anonymous GETs from the cache with ``like``'s fingerprint."""
    view.public_cache = like.public_cache  # type: ignore[attr-defined]


def _cached(view: Callable[..., HttpResponse],
            fingerprint: Fingerprint | None) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PUBLIC_CACHE_SECONDS
        if (request.method != "GET" or getattr(request, "_public_cache_early", False)
                or request.user.is_authenticated or seconds <= 0):
            return view(request, *args, **kwargs)  # the middleware stores it, or no cache
        key = _key("page", request, fingerprint, args, kwargs)
        store = _store(request)
        hit = store.get(key)
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
            store.set(key, (response.content, response["Content-Type"]), seconds)
        return response

    wrapper.public_cache = _Marked(fingerprint)  # type: ignore[attr-defined]
    return wrapper


def _anonymous_get(request: HttpRequest) -> bool:
    """A GET that nothing personal can change: no session (so not signed in), no pending
    messages, not an htmx fragment request."""
    return (request.method == "GET" and settings.SESSION_COOKIE_NAME not in request.COOKIES
            and MESSAGES_COOKIE not in request.COOKIES and "HTTP_HX_REQUEST" not in request.META)


def _storable(request: HttpRequest, response: HttpResponse) -> bool:
    user = getattr(request, "user", None)
    cache_control = response.get("Cache-Control", "")
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not (user is not None and user.is_authenticated)
            and "no-store" not in cache_control and "private" not in cache_control)


class PublicPageCacheMiddleware:
    """Answers anonymous GETs of the cached public pages from the cache before the session,
    CSRF and authentication middleware run (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.PUBLIC_CACHE_SECONDS
        if seconds <= 0 or not _anonymous_get(request):
            return self.get_response(request)
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        marked = getattr(match.func, "public_cache", None)
        if marked is None:
            return self.get_response(request)
        with portal_reads():  # the key is read where the page's rows are read (a replica)
            key = _key("early", request, marked.fingerprint, match.args, match.kwargs)
        store = _store(request)
        hit = store.get(key)
        if hit is not None:
            content, headers = hit
            response = HttpResponse(content)
            for name, value in headers:
                response[name] = value
            response["X-Public-Cache"] = "hit"
            return response
        request._public_cache_early = True  # type: ignore[attr-defined]
        response = self.get_response(request)
        if _storable(request, response):
            store.set(key, (response.content, list(response.items())), seconds)
        return response
