from __future__ import annotations

from datetime import date

import factory
from django.utils import timezone

from spotcheck.accounts.models import Department
from spotcheck.roster.models import Conflict, Inspector, InspectorKind, Tag, TagKind

# Valid USCCs (GB 32100 check characters) for conflicts and samples.
USCC_A = "91361100MA35A1B2CY"
USCC_B = "91361102MA35D3E4FX"
USCC_BAD_CHECK = "91361100MA35A1B2C0"


def department(code: str = "361100-ENV") -> Department:
    return Department.objects.get(code=code)


class TagFactory(factory.django.DjangoModelFactory[Tag]):
    class Meta:
        model = Tag
        django_get_or_create = ("department", "code")

    department = factory.LazyFunction(department)
    code = factory.Sequence(lambda n: f"TAG-{n}")
    label = factory.Sequence(lambda n: f"专长{n}")
    kind = TagKind.EXPERTISE


class InspectorFactory(factory.django.DjangoModelFactory[Inspector]):
    class Meta:
        model = Inspector
        skip_postgeneration_save = True

    certificate_no = factory.Sequence(lambda n: f"ZF{n:06d}")
    name = factory.Sequence(lambda n: f"检查员{n}")
    department = factory.LazyFunction(department)
    kind = InspectorKind.CIVIL_SERVANT
    valid_until = date(2099, 12, 31)

    @factory.post_generation
    def tags(obj: Inspector, create: bool, extracted: list[Tag] | None, **kwargs: object) -> None:
        if create and extracted:
            obj.tags.set(extracted)


class ConflictFactory(factory.django.DjangoModelFactory[Conflict]):
    class Meta:
        model = Conflict

    inspector = factory.SubFactory(InspectorFactory)
    uscc = USCC_A
    reason = "亲属在该企业任职"
    declared_at = factory.LazyFunction(timezone.now)
