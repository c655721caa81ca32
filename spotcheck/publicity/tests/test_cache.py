"""Public pages are served from the cache to anonymous visitors, keyed by path and query, and
a publication invalidates them at once; signed-in users always get a fresh page."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.urls import reverse

from spotcheck.accounts.roles import Role
from spotcheck.publicity import services
from spotcheck.publicity.tests.factories import ENV, completed_task

pytestmark = pytest.mark.django_db


def test_anonymous_pages_come_from_the_cache_until_a_publication(
        client: Any, settings: Any, on_day: Any, make_user: Any,
        django_capture_on_commit_callbacks: Any) -> None:
    settings.PUBLIC_CACHE_SECONDS = 300
    cache.clear()
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
    cache.clear()
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
    cache.clear()
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
