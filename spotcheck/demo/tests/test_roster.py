"""Demo rosters and item lists: sizes, validity, determinism by seed, idempotence."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest

from spotcheck.accounts.models import Department
from spotcheck.catalog import services as catalog_services
from spotcheck.catalog.models import InspectionItem, ItemListFiling, PowerEntry
from spotcheck.core import clock
from spotcheck.demo import roster as demo
from spotcheck.demo.catalog import items_generate
from spotcheck.demo.roster import inspectors_generate
from spotcheck.roster import selectors
from spotcheck.roster.models import Conflict, Inspector, InspectorKind, Tag

pytestmark = pytest.mark.django_db


def test_rosters_are_sized_valid_deterministic_and_idempotent(departments: Any) -> None:
    created = inspectors_generate(seed=7)
    assert 1000 < created < 3000
    per_department = Counter(Inspector.objects.values_list("department__code", flat=True))
    for department in Department.objects.all():
        count = per_department[department.code]
        assert (10 <= count <= 30) if department.division_id == "361100" else (1 <= count <= 4)
    assert Inspector.objects.filter(kind=InspectorKind.EXPERT).exists()
    assert Inspector.objects.filter(in_joint_pool=True).count() > 100
    for inspector in Inspector.objects.select_related("department").prefetch_related("tags")[:300]:
        inspector.full_clean()
        assert all(t.department_id == inspector.department_id for t in inspector.tags.all())
    lines = selectors.roster_lines(None, clock.today(), include_experts=True)
    assert lines and all(line.text().isascii() for line in lines)
    assert inspectors_generate(seed=7) == 0 and Inspector.objects.count() == created


def _people(seed: int) -> list[tuple[str, str, str, list[str]]]:
    department = Department.objects.get(code="361100-SAMR")
    return [(i.certificate_no, i.name, i.kind, codes)
            for i, codes in demo._people(department, seed, date(2027, 1, 1))]


def test_the_same_seed_gives_the_same_people(departments: Any) -> None:
    assert _people(7) == _people(7)
    assert _people(7) != _people(8)


def test_conflicts_name_entities_of_the_library_when_it_has_some(departments: Any,
                                                                 monkeypatch: Any) -> None:
    monkeypatch.setattr(demo, "_entity_usccs", lambda limit=2000: ["91361100MA35A1B2CY"])
    inspectors_generate(seed=3)
    assert Conflict.objects.exists()
    assert set(Conflict.objects.values_list("uscc", flat=True)) == {"91361100MA35A1B2CY"}


def test_item_lists_are_valid_for_every_city_department_and_idempotent(departments: Any,
                                                                       on_day: Any) -> None:
    on_day(date(2027, 6, 1))
    created = items_generate(seed=7)
    year = clock.today().year
    city = Department.objects.filter(division_id="361100")
    for department in city:
        powers = PowerEntry.objects.filter(department=department).count()
        items = InspectionItem.objects.filter(department=department, year=year).count()
        assert 3 <= powers <= 8 and 3 <= items <= 10, department.code
        assert InspectionItem.objects.filter(department=department, year=year + 1).count() == items
    assert created == 2 * InspectionItem.objects.filter(year=year).count()
    assert InspectionItem.objects.filter(in_joint_list=True, year=year).count() >= 10
    for item in InspectionItem.objects.select_related("power_entry", "department"):
        catalog_services._validate_item(item)  # every rule the service applies holds
    filings = ItemListFiling.objects.filter(year=year, kind="annual")
    assert 10 < filings.count() < city.count()  # most, not all: the office sees who is late
    assert filings.filter(is_late=True).exists() and filings.filter(is_late=False).exists()
    assert not filings.filter(filed_by__isnull=False).exists()
    assert Tag.objects.filter(department__code="361100-ENV", code="PERMIT").exists()
    total = ItemListFiling.objects.count()
    assert items_generate(seed=7) == 0 and ItemListFiling.objects.count() == total
