from __future__ import annotations

import factory
from django.utils import timezone

from spotcheck.catalog.models import InspectionItem, PowerEntry, PowerKind
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
