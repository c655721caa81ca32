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
