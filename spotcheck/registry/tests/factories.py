from __future__ import annotations

import itertools

import factory

from spotcheck.core.crypto import field_cipher
from spotcheck.core.domain.uscc import USCC_CHARS, uscc_with_check
from spotcheck.registry.models import MarketEntity

_counter = itertools.count(1)


def make_uscc(division: str = "361102", n: int | None = None, kind: str = "1") -> str:
    n = next(_counter) if n is None else n
    body = ""
    for _ in range(9):
        n, r = divmod(n, 31)
        body = USCC_CHARS[r] + body
    return uscc_with_check("9" + kind + division + body)


class EntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarketEntity

    class Params:
        id_number = "11010519491231002X"
        phone = "13800000000"

    uscc = factory.LazyAttribute(lambda o: make_uscc(o.division_id))
    name = factory.Sequence(lambda n: f"上饶市信州区测试{n}商贸有限公司")
    kind = "company"
    legal_rep_name = "张三"
    division_id = "361102"
    industry = "F"
    legal_rep_secret = factory.LazyAttribute(lambda o: field_cipher().encrypt(f"{o.id_number}\x1f{o.phone}"))
