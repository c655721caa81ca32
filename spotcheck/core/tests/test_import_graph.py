"""No circle between the product's files: a module never reaches back to one that imports
it (a worker task lives beside the services it calls; what two modules both need lives below
them). The layers between apps are ``lint-imports``'s."""

from __future__ import annotations

from spotcheck.core.tests.import_graph import _circles, figures


def test_the_product_modules_import_each_other_in_one_direction() -> None:
    found = figures()
    assert found.modules > 300 and found.imports > found.modules
    assert found.circles == []


def test_a_circle_of_two_or_three_modules_is_found() -> None:
    edges = {"a": ["b"], "b": ["a", "c"], "c": ["d"], "d": ["e"], "e": ["c"], "f": ["a"]}
    assert _circles(edges) == [["a", "b"], ["c", "d", "e"]]
