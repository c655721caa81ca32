"""The portal's result search (R-R2: searchable by enterprise name or USCC) is found in bounded
steps (the newest results, then the trigram index, then wider windows, then every result):
whichever step answers, the page is exactly the page of the plain query, newest first."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import Q

from spotcheck.publicity import selectors, services
from spotcheck.publicity.models import PublishedResult
from spotcheck.publicity.tests.factories import CLEAN, completed_task

pytestmark = pytest.mark.django_db

QUERIES = ["建材", "上饶建材", "有限公司", "稀有字号", "稀有", "abc", "ABC", "913", "NOPE", "9", "号有",
           "100%", "a_c"]


@pytest.fixture
def results(on_day: Any) -> list[PublishedResult]:
    """24 published results a minute apart (newest last): every second one a building
    materials trader, one rare name among the oldest, two Latin names in either case."""
    task = completed_task(on_day, results=[CLEAN] * 24)
    rows = services.results_publish(acting_user=None, tasks=[task])
    first = rows[0].published_at
    for i, row in enumerate(rows):
        name = ("上饶建材" if i % 2 else "上饶食品") + f"{i}号有限公司"
        name = {1: "稀有字号有限公司", 5: "Abc Trading 有限公司", 20: "上饶ABC商行"}.get(i, name)
        PublishedResult.objects.filter(pk=row.pk).update(
            entity_name=name, published_at=first + timedelta(minutes=i),
            uscc=f"91361100{i:02d}" + row.uscc[10:])
    return list(PublishedResult.objects.order_by("-published_at", "-id"))


@pytest.mark.parametrize("steps", [(1000, 16000, 5000, 200), (4, 8, 3, 2), (4, 8, 6, 1), (2, 3, 1, 0)])
def test_every_step_gives_the_page_of_the_plain_query(results: list[PublishedResult], steps: tuple[int, ...],
                                                       monkeypatch: Any) -> None:
    """Small windows and a small trigram cap send each query through the other steps; the
    pages (first, an offset, after a keyset, a division) stay those of ``public_results``."""
    monkeypatch.setattr(selectors, "WINDOWS", steps[:2])
    monkeypatch.setattr(selectors, "TRIGRAM_CAP", steps[2])
    monkeypatch.setattr(selectors, "TRIGRAM_FEW", steps[3])
    after = results[6].pk
    for q in QUERIES:
        for kw in ({}, {"after": after}, {"division": "361102"}, {"division": "361100"}):
            plain = list(selectors.public_results(q=q, **kw))
            for offset, limit in ((0, 5), (3, 4), (0, 30)):
                got = selectors.search_results(q=q, offset=offset, limit=limit, **kw)
                assert got == plain[offset:offset + limit], (q, kw, offset, limit)
    assert [r.entity_name for r in selectors.search_results(q="abc", limit=5)] == [
        "上饶ABC商行", "Abc Trading 有限公司"]
    assert [r.entity_name for r in selectors.search_results(q="稀有字号")] == ["稀有字号有限公司"]


def test_a_common_name_is_answered_by_the_newest_results_and_a_rare_one_by_the_index(
        results: list[PublishedResult], monkeypatch: Any, django_assert_num_queries: Any) -> None:
    """A name on every second result fills a page from the newest window (one query); a rare
    name of three characters or more is fetched by the trigram index (the window, then the
    matching rows; their ids first when there are many); a rare name of two characters, which
    no trigram serves, by the index of character pairs on PostgreSQL, and elsewhere by the
    wider window and then every result (each window asks whether older results exist)."""
    monkeypatch.setattr(selectors, "WINDOWS", (6, 12))
    with django_assert_num_queries(1):
        assert len(selectors.search_results(q="建材", limit=3)) == 3
    with django_assert_num_queries(2):
        assert len(selectors.search_results(q="稀有字号", limit=3)) == 1
    monkeypatch.setattr(selectors, "TRIGRAM_FEW", 0)  # more than a few: then the ids, then the rows
    with django_assert_num_queries(4):
        assert len(selectors.search_results(q="稀有字号", limit=3)) == 1
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 5):
        assert len(selectors.search_results(q="稀有", limit=3)) == 1
    monkeypatch.setattr(selectors, "TRIGRAM_FEW", 200)
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 5):
        assert len(selectors.search_results(q="稀有", limit=3)) == 1
    with django_assert_num_queries(5):  # one character: no index serves it anywhere
        assert len(selectors.search_results(q="稀", limit=3)) == 1
    with django_assert_num_queries(1):
        assert len(selectors.search_results(q=results[3].uscc, limit=3)) == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the index of character pairs is PostgreSQL's")
def test_the_pairs_of_a_name_are_those_the_index_holds(results: list[PublishedResult]) -> None:
    """``spotcheck_bigrams`` (migration 0003) gives the distinct pairs of neighbouring
    characters; a query of two characters is answered by the index, not by a pass over every
    result: the index can serve it, and the search asks by its expression."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT spotcheck_bigrams(UPPER('稀有字号有限公司ab')) ORDER BY 1")
        assert sorted(cursor.fetchone()[0]) == sorted(
            ["稀有", "有字", "字号", "号有", "有限", "限公", "公司", "司A", "AB"])
        cursor.execute("SELECT spotcheck_bigrams('x'), spotcheck_bigrams('')")
        assert cursor.fetchone() == ([], [])
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'publicity_result_name_bigram'")
        (indexdef,) = cursor.fetchone()
    found = selectors._by_index(PublishedResult.objects.filter(is_current=True), "稀有",
                                Q(entity_name__icontains="稀有"))
    assert found is not None and [r.entity_name for r in found] == ["稀有字号有限公司"]
    # The query asks by the very expression the index holds, so that the planner can use it
    # (which it does at scale: benchmarks/bench_portal.py prints the plan); among 24 rows
    # any other index on current versions is as good.
    expression = "spotcheck_bigrams(upper((entity_name)::text))"
    assert expression in indexdef and "WHERE is_current" in indexdef, indexdef
    plan = found.explain()
    assert f"{expression} @> '{{稀有}}'::text[]" in plan, plan
