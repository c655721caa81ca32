"""Public pages are served from the cache to anonymous visitors, keyed by path and query, and
a publication invalidates them at once; signed-in users always get a fresh page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.publicity import services
from spotcheck.publicity.tests.factories import ENV, completed_task

pytestmark = pytest.mark.django_db


def _clear() -> None:
    for store in caches.all():
        store.clear()


def test_anonymous_pages_come_from_the_cache_until_a_publication(
        client: Any, settings: Any, on_day: Any, make_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.PUBLIC_CACHE_SECONDS = 300
    _clear()
    task = completed_task(on_day)
    url = reverse("publicity:results")
    assert "X-Public-Cache" not in client.get(url, {"q": task.uscc})
    cached = client.get(url, {"q": task.uscc})
    assert cached["X-Public-Cache"] == "hit" and "查询结果：0 条" in cached.content.decode()
    assert "X-Public-Cache" not in client.get(url, {"q": "另一个查询"})  # keyed by the query
    with django_capture_on_commit_callbacks(execute=True):
        services.results_publish(acting_user=make_user(Role.PLANNER, ENV), tasks=[task])
    fresh = client.get(url, {"q": task.uscc})
    assert "X-Public-Cache" not in fresh and "查询结果：1 条" in fresh.content.decode()
    client.force_login(make_user(Role.PLANNER, ENV))
    assert "X-Public-Cache" not in client.get(url, {"q": task.uscc})
    assert "X-Public-Cache" not in client.get(url, {"q": task.uscc})


def test_the_complaint_form_is_never_cached(client: Any, settings: Any) -> None:
    settings.PUBLIC_CACHE_SECONDS = 300
    _clear()
    client.get(reverse("publicity:complaint_create"))
    assert "X-Public-Cache" not in client.get(reverse("publicity:complaint_create"))


def test_the_draw_page_and_the_home_page_are_cached_and_fresh_once_a_draw_moves_on(
        client: Any, settings: Any, world: Any) -> None:
    """A draw's page and the portal's home come from the cache (the page every visitor of a
    draw asks for), and a draw published since is shown at once: the key holds the draw's
    fingerprint (draws sit below publicity and move no generation)."""
    from spotcheck.draws import services as draws
    from spotcheck.draws.tests.factories import make_entities

    settings.PUBLIC_CACHE_SECONDS = 300
    _clear()
    make_entities(6)
    draw = world.executed()
    url = reverse("publicity:draw", args=[draw.code])
    assert "结果待公示" in client.get(url).content.decode()
    again = client.get(url)
    assert again["X-Public-Cache"] == "hit" and "结果待公示" in again.content.decode()
    client.get(reverse("publicity:index"))
    assert client.get(reverse("publicity:index"))["X-Public-Cache"] == "hit"
    draws.draw_publish(acting_user=world.planner, draw=draw)
    fresh = client.get(url)
    assert "X-Public-Cache" not in fresh and "public-selection" in fresh.content.decode()
    assert client.get(url)["X-Public-Cache"] == "hit"
    assert "X-Public-Cache" not in client.get(reverse("publicity:index"))


def test_an_anonymous_visitor_without_a_session_is_answered_before_the_session_and_sign_in(
        client: Any, settings: Any, on_day: Any, make_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    """The early cache answers a visitor who carries no session cookie before the session,
    CSRF and authentication middleware (no user is ever looked up), with the security
    headers the page was first sent with; a publication still shows at once."""
    settings.PUBLIC_CACHE_SECONDS = 300
    _clear()
    task = completed_task(on_day)
    url = reverse("publicity:results")
    first = client.get(url, {"q": task.uscc})
    assert "X-Public-Cache" not in first and hasattr(first.wsgi_request, "user")
    hit = client.get(url, {"q": task.uscc})
    assert hit["X-Public-Cache"] == "hit" and not hasattr(hit.wsgi_request, "user")
    assert hit.content == first.content
    for header in ("Content-Security-Policy", "X-Frame-Options", "Content-Type"):
        assert hit[header] == first[header], header
    with django_capture_on_commit_callbacks(execute=True):
        services.results_publish(acting_user=make_user(Role.PLANNER, ENV), tasks=[task])
    fresh = client.get(url, {"q": task.uscc})
    assert "X-Public-Cache" not in fresh and "查询结果：1 条" in fresh.content.decode()


def test_the_front_door_is_cached_for_visitors_and_never_for_a_signed_in_user(
        client: Any, settings: Any, make_user: Any) -> None:
    """``/`` is the portal for a visitor (cached early) and the work bench for a signed-in
    user, who carries a session cookie and is never answered from the visitors' cache."""
    settings.PUBLIC_CACHE_SECONDS = 300
    _clear()
    portal = client.get("/")
    assert client.get("/")["X-Public-Cache"] == "hit"
    user = make_user(Role.PLANNER, ENV)
    client.force_login(user)
    bench = client.get("/")
    assert "X-Public-Cache" not in bench and bench.content != portal.content
    assert str(user) in bench.content.decode()
    assert "no-store" in bench["Cache-Control"]


def test_a_page_that_hands_out_a_cookie_or_a_pending_message_is_not_served_early(
        client: Any, settings: Any) -> None:
    """A response that sets a cookie (a CSRF token, a session) is never stored; a visitor with
    a pending message (its cookie) goes through the whole stack, so that the message is shown
    to that visitor only."""
    settings.PUBLIC_CACHE_SECONDS = 300
    _clear()
    url = reverse("publicity:draws")
    client.get(url)
    client.cookies["messages"] = "x"
    assert hasattr(client.get(url).wsgi_request, "user")  # through the whole stack
    del client.cookies["messages"]
    early = client.get(url)
    assert early["X-Public-Cache"] == "hit" and not hasattr(early.wsgi_request, "user")
    assert hasattr(client.get(url, HTTP_HX_REQUEST="true").wsgi_request, "user")
    form = reverse("publicity:complaint_create")
    client.get(form)
    assert "X-Public-Cache" not in client.get(form)


def test_searches_are_kept_apart_from_the_pages(client: Any, settings: Any) -> None:
    """A stream of searches, each asked once, fills a cache of its own: the home and draw
    pages are not pushed out of theirs."""
    settings.PUBLIC_CACHE_SECONDS = 300
    _clear()
    pages, results = reverse("publicity:draws"), reverse("publicity:results")
    client.get(pages)
    client.get(results, {"q": "上饶"})
    caches["public_search"].clear()
    assert client.get(pages)["X-Public-Cache"] == "hit"
    assert "X-Public-Cache" not in client.get(results, {"q": "上饶"})
    assert client.get(results, {"q": "上饶"})["X-Public-Cache"] == "hit"
    caches["public_pages"].clear()
    assert client.get(results, {"q": "上饶"})["X-Public-Cache"] == "hit"
