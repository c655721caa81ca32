"""Two offices confirming the same proposal at the same moment move the entity once; two
approvals of one B→A application decide it once (R-D1, R-D3). PostgreSQL only: SQLite
serialises writers, so there is no race to test."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection

from spotcheck.accounts.roles import Role
from spotcheck.credit import services
from spotcheck.credit.models import ReclassProposal
from spotcheck.credit.tests.factories import confirmed_task, entity, violation
from spotcheck.draws.tests.test_race import together
from spotcheck.registry.models import ClassChange, MarketEntity

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a race needs concurrent writers"),
    pytest.mark.django_db(transaction=True),
]
YEAR = 2027


def test_two_offices_confirming_one_proposal_move_the_entity_once(make_user: Any, on_day: Any) -> None:
    assert connection.vendor == "postgresql"
    on_day(dt.date(YEAR + 1, 1, 15))
    first, second = make_user(Role.OFFICE), make_user(Role.OFFICE)
    a = entity("A")
    violation(confirmed_task(a, YEAR), "serious", by=first)
    run = services.reclass_run_execute(services.reclass_run_create(acting_user=first, year=YEAR).pk)
    pk = ReclassProposal.objects.get(entity=a).pk
    outcomes = together([
        lambda: services.reclass_decide(acting_user=first, run=run, proposal_ids=[pk], decision="confirm",
                                        reason="核实"),
        lambda: services.reclass_decide(acting_user=second, run=run, proposal_ids=[pk], decision="adjust",
                                        to_class="B", reason="情节较轻"),
    ])
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert sorted(o["decided"] for o in outcomes) == [0, 1]
    assert sum(o["applied"] for o in outcomes) == 1
    assert ClassChange.objects.filter(entity=a).count() == 1
    assert MarketEntity.objects.get(pk=a.pk).library_class in ("B", "C")


def test_two_approvals_of_one_application_decide_it_once(make_user: Any, on_day: Any) -> None:
    on_day(dt.date(YEAR + 1, 1, 15))
    first, second, planner = make_user(Role.OFFICE), make_user(Role.OFFICE), make_user(Role.PLANNER)
    b = entity("B")
    confirmed_task(b, YEAR)
    req = services.promotion_create(acting_user=planner, entity=b, reasons="推荐")
    outcomes = together([
        lambda: services.promotion_decide(acting_user=first, promotion=req, approve=True, reason="同意"),
        lambda: services.promotion_decide(acting_user=second, promotion=req, approve=True, reason="同意"),
    ])
    assert sum(1 for o in outcomes if isinstance(o, Exception)) == 1, outcomes
    assert ClassChange.objects.filter(entity=b).count() == 1
