"""population.csv written by PostgreSQL is byte for byte the file built from the rows
(DRAW.md: lines ``uscc,STRATUM`` in USCC byte order), for every strata dimension."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from spotcheck.draws import selectors, services
from spotcheck.draws.domain.spec import parse_spec
from spotcheck.draws.models import Draw
from spotcheck.draws.tests.factories import World, b_spec, make_entities
from spotcheck.registry.models import MarketEntity
from verifier import verify_draw as vd

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL writes the lines")

STRATA = [[], ["class", "division"], ["risk"], ["industry", "kind"],
          ["class", "division", "risk", "industry", "kind"]]


@pytest.fixture
def library(db: Any) -> None:
    make_entities(7, division="361102", risk="high", industry="F", kind="company")
    make_entities(5, division="361103", risk="low", industry="C", kind="individual")
    make_entities(4, division="361102", risk="general", industry="I", kind="branch")
    make_entities(3, division="361102", status="deregistered")


def _draw(world: World, strata: list[str], **spec: Any) -> Draw:
    return world.prepare(spec=b_spec(strata=strata, **spec))


def _from_rows(draw: Draw) -> bytes:
    return "".join(f"{u},{s}\n" for u, s in selectors.population_rows(draw)).encode("ascii")


@on_postgresql
@pytest.mark.parametrize("strata", STRATA)
def test_the_database_writes_the_lines_built_from_the_rows(world: World, library: Any, strata: list[str]
                                                           ) -> None:
    draw = _draw(world, strata)
    expected = _from_rows(draw)
    assert expected.count(b"\n") == 16
    for rows, batch in ((1_000_000, 50_000), (16, 3), (5, 5), (5, 2), (1, 1)):
        # one statement, one exactly full, several, a line each; blocks of a few lines
        blocks = list(selectors.population_blocks(draw, rows=rows, batch=batch))
        assert b"".join(blocks) == expected
        assert all(b.endswith(b"\n") and b.count(b"\n") <= batch for b in blocks)


@on_postgresql
def test_the_exclusions_and_filters_are_the_same_both_ways(world: World, library: Any) -> None:
    excluded = sorted(MarketEntity.objects.filter(risk_level="high").values_list("uscc", flat=True))[3]
    draw = world.prepare(spec=b_spec(classes=["B"], strata=["risk"], risk_levels=["high", "low"]),
                         excluded_usccs=[excluded])
    expected = _from_rows(draw)
    assert expected.count(b"\n") == 11 and excluded.encode() not in expected
    assert b"".join(selectors.population_blocks(draw, rows=4, batch=3)) == expected


@pytest.mark.parametrize("strata", [["class", "division"], ["industry", "kind"]])
def test_the_file_strata_and_progress_on_either_database(world: World, library: Any, tmp_path: Path,
                                                         monkeypatch: Any, strata: list[str]) -> None:
    monkeypatch.setattr(services, "POPULATION_STATEMENT_ROWS", 6)
    monkeypatch.setattr(services, "PROGRESS_EVERY", 6)
    draw = _draw(world, strata)
    seen: list[tuple[str, int, int]] = []
    path = tmp_path / "population.csv"
    strata_sizes = services._write_population(draw, parse_spec(draw.spec), path,
                                              lambda *a: seen.append(a))
    data = path.read_bytes()
    assert data == _from_rows(draw)
    assert strata_sizes == Counter(line.split(",")[1] for line in data.decode().splitlines())
    assert strata_sizes == vd.scan_population(path, "sha256").strata
    assert seen[0] == ("population", 0, 16) and seen[-1] == ("population", 16, 16)
    assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen) and len(seen) >= 4


@on_postgresql
def test_a_population_read_by_one_statement_is_not_counted_apart(world: World, library: Any,
                                                                 tmp_path: Path) -> None:
    draw = _draw(world, ["class", "division"])
    seen: list[tuple[str, int, int]] = []
    with CaptureQueriesContext(connection) as ctx:
        services._write_population(draw, parse_spec(draw.spec), tmp_path / "population.csv",
                                   lambda *a: seen.append(a))
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    assert seen == [("population", 0, 16), ("population", 16, 16)]
    assert (tmp_path / "population.csv").read_bytes() == _from_rows(draw)
