from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from spotcheck.core.domain.uscc import uscc_is_valid
from spotcheck.demo.registry import entity_rows
from spotcheck.registry.models import ClassChange, MarketEntity

pytestmark = pytest.mark.django_db


def test_demo_files_have_the_import_header() -> None:
    from spotcheck.demo.registry import HEADERS
    from spotcheck.registry.imports import COLUMNS

    assert [c.header for c in COLUMNS] == HEADERS


def test_demo_rows_are_valid_plausible_and_repeatable() -> None:
    rows = list(entity_rows(2000, seed=3))
    assert rows == list(entity_rows(2000, seed=3))
    assert rows[:100] == list(entity_rows(100, seed=3))  # a longer run extends a shorter one
    assert all(uscc_is_valid(r[0]) for r in rows)
    assert len({r[0] for r in rows}) == 2000
    individual = [r for r in rows if r[2] == "个体工商户"]
    assert individual and all(r[0].startswith("92") for r in individual)
    industries = [r[7][0] for r in rows]
    assert industries.count("F") > industries.count("C") > industries.count("J")


def test_generate_demo_is_idempotent_and_sets_plausible_classes(departments: Any, settings: Any,
                                                                tmp_path: Any) -> None:
    settings.DEMO_MODE = True
    settings.VAR_DIR = tmp_path
    out = io.StringIO()
    call_command("generate_demo", "--entities", "600", "--seed", "2", stdout=out, stderr=io.StringIO())
    call_command("generate_demo", "--entities", "600", "--seed", "2", stdout=out, stderr=io.StringIO())
    assert MarketEntity.objects.count() == 600
    shares = dict(MarketEntity.objects.values_list("library_class").annotate(n=Count("id")))
    assert 0 < shares["A"] < 60 and 0 < shares["C"] < 80 and shares["B"] > 450
    assert ClassChange.objects.count() == shares["A"] + shares["C"]


def test_generate_demo_only_in_demo_mode(settings: Any) -> None:
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="演示模式"):
        call_command("generate_demo", "--entities", "1")
