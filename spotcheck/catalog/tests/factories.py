from __future__ import annotations

from datetime import date

import factory
from django.utils import timezone

from spotcheck.accounts.roles import Role
from spotcheck.accounts.tests.factories import UserFactory
from spotcheck.catalog.domain.items import snapshot_digest
from spotcheck.catalog.models import FilingKind, InspectionItem, ItemListFiling, PowerEntry, PowerKind
from spotcheck.catalog.services import filing_rows
from spotcheck.roster.tests.factories import department


def this_year() -> int:
    return timezone.localdate().year


class PowerEntryFactory(factory.django.DjangoModelFactory[PowerEntry]):
    class Meta:
        model = PowerEntry

    department = factory.LazyFunction(department)
    code = factory.Sequence(lambda n: f"JC-{n:04d}")
    name = factory.Sequence(lambda n: f"对排污单位的监督检查{n}")
    kind = PowerKind.INSPECTION
    legal_basis = "《中华人民共和国环境保护法》第二十四条"


class InspectionItemFactory(factory.django.DjangoModelFactory[InspectionItem]):
    class Meta:
        model = InspectionItem

    department = factory.LazyFunction(department)
    year = factory.LazyFunction(this_year)
    code = factory.Sequence(lambda n: f"ITEM-{n:03d}")
    name = factory.Sequence(lambda n: f"排污许可执行情况检查{n}")
    power_entry = factory.SubFactory(PowerEntryFactory,
                                     department=factory.SelfAttribute("..department"))
    basis = "《排污许可管理条例》第三十条"
    content = "检查排污单位是否按证排污"
    methods = factory.LazyFunction(lambda: ["实地检查"])
    applicable_classes = factory.LazyFunction(lambda: ["B", "C"])


class ItemListFilingFactory(factory.django.DjangoModelFactory[ItemListFiling]):
    """A filing as the service freezes it, of one item of the department's list."""

    class Meta:
        model = ItemListFiling

    department = factory.LazyFunction(department)
    year = factory.LazyFunction(this_year)
    kind = FilingKind.ANNUAL
    revision = factory.Sequence(lambda n: n + 1)
    filed_at = factory.LazyFunction(timezone.now)
    filed_by = factory.LazyFunction(lambda: UserFactory.create(role=Role.DEPT_ADMIN))
    deadline = factory.LazyAttribute(lambda o: date(o.year, 3, 31))
    snapshot = factory.LazyAttribute(lambda o: filing_rows([InspectionItemFactory.create(
        department=o.department, year=o.year)]))
    item_count = factory.LazyAttribute(lambda o: len(o.snapshot))
    digest = factory.LazyAttribute(lambda o: snapshot_digest(o.snapshot))
