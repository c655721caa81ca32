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


def test_two_bulk_confirmations_and_the_daily_step_together_move_each_entity_once(
        make_user: Any, on_day: Any) -> None:
    """R-D1: overlapping bulk decisions at the same moment, with the daily step of due moves,
    move each entity once, with one history row and one audit event each."""
    from spotcheck.audit.models import AuditEvent
    from spotcheck.credit.models import ProposalState

    on_day(dt.date(YEAR + 1, 1, 15))
    first, second = make_user(Role.OFFICE), make_user(Role.OFFICE)
    group = [entity("A") for _ in range(24)]
    for e in group:
        violation(confirmed_task(e, YEAR), "serious", by=first)
    run = services.reclass_run_execute(services.reclass_run_create(acting_user=first, year=YEAR).pk)
    pks = list(ReclassProposal.objects.filter(run=run).order_by("pk").values_list("pk", flat=True))
    assert len(pks) == 24
    outcomes = together([
        lambda: services.reclass_decide(acting_user=first, run=run, proposal_ids=pks[:16], decision="confirm",
                                        reason="核实"),
        lambda: services.reclass_decide(acting_user=second, run=run, proposal_ids=pks[8:], decision="adjust",
                                        to_class="B", reason="情节较轻"),
        services.reclass_apply_due,
    ])
    assert all(isinstance(o, dict) for o in outcomes), outcomes
    assert sum(o["decided"] for o in outcomes[:2]) == 24
    assert sum(o["applied"] for o in outcomes) == 24 and sum(o["stale"] for o in outcomes) == 0
    assert ClassChange.objects.filter(entity__in=group).count() == 24
    assert AuditEvent.objects.filter(action="entity.class_move",
                                     object_id__in=[e.uscc for e in group]).count() == 24
    for p in ReclassProposal.objects.filter(run=run).select_related("change", "entity"):
        assert p.state in (ProposalState.CONFIRMED, ProposalState.ADJUSTED) and p.applied_at is not None
        assert p.change is not None and p.change.to_class == p.decided_class == p.entity.library_class
    # and once more, all of it: nothing moves
    again = services.reclass_decide(acting_user=first, run=run, proposal_ids=pks, decision="confirm",
                                    reason="核实")
    assert again == {"decided": 0, "skipped": 24, "applied": 0, "stale": 0}
    assert ClassChange.objects.filter(entity__in=group).count() == 24
