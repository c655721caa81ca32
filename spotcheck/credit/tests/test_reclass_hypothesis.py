"""Generated years of results (R-D1, R-D2, R-C1, R-R4): the run's SQL proposes exactly what
the rule table (``domain.reclass.propose``) says for every entity and derives exactly the
level ``domain.reclass.derived_risk`` says; confirming everything
twice moves each entity once; no entity is ever in two classes; every move has its rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spotcheck.accounts.roles import Role
from spotcheck.credit import services
from spotcheck.credit.domain.reclass import Facts, derived_risk, propose
from spotcheck.credit.models import CreditRecord, ReclassProposal, ReclassRun
from spotcheck.credit.tests.factories import confirmed_task, credit_record, entity, key_field, violation
from spotcheck.inspections.models import InspectionTask, TaskItem, Violation
from spotcheck.registry.models import ClassChange, EntityTag, MarketEntity

pytestmark = pytest.mark.django_db

facts = st.builds(
    Facts,
    library_class=st.sampled_from("ABC"),
    status=st.sampled_from(["existing", "existing", "operating", "revoked", "deregistered", "moved_out"]),
    worst=st.sampled_from(["", "", "minor", "general", "serious"]),
    serious_list=st.booleans(), abnormal=st.booleans(),
    risk_level=st.sampled_from(["low", "general", "higher", "high"]),
    key_field=st.booleans(), clean_inspection=st.booleans())

_years = iter(range(2001, 2026))


def _clear() -> None:
    ReclassProposal.objects.all().delete()
    ReclassRun.objects.all().delete()
    CreditRecord.objects.all().delete()
    ClassChange.objects.all().delete()
    Violation.objects.all().delete()
    TaskItem.objects.all().delete()
    InspectionTask.objects.all().delete()
    EntityTag.objects.all().delete()
    MarketEntity.objects.all().delete()


def _build(f: Facts, year: int, office: Any) -> MarketEntity:
    e = entity(f.library_class, status=f.status)
    MarketEntity.objects.filter(pk=e.pk).update(risk_level=f.risk_level)
    if f.worst:
        violation(confirmed_task(e, year), f.worst, by=office)
    if f.clean_inspection:
        confirmed_task(e, year)
    if f.serious_list:
        credit_record(e, "serious_list", on=dt.date(year, 2, 1))
    if f.abnormal:
        credit_record(e, "abnormal", on=dt.date(year, 2, 1))
    if f.key_field:
        key_field(e)
    return e


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(years=st.lists(st.lists(facts, min_size=1, max_size=8), min_size=1, max_size=2))
def test_generated_years_match_the_rule_table(years: list[list[Facts]], make_user: Any) -> None:
    _clear()
    office = make_user(Role.OFFICE)
    for population in years:
        year = next(_years)
        built = [(f, _build(f, year, office)) for f in population]
        run = services.reclass_run_execute(services.reclass_run_create(acting_user=office, year=year).pk)
        proposals = {p.entity_id: p for p in ReclassProposal.objects.filter(run=run)}
        for f, e in built:
            move = propose(f)
            p = proposals.get(e.pk)
            # every proposal is exactly the table's move, with its rule (R-D1 ... R-R4)
            assert (None if p is None else (p.to_class, p.rule, p.reason)) == (
                None if move is None else (move.to_class, move.rule, move.reason)), f
            if p is not None:
                assert p.rule in {"R-D1", "R-D2", "R-A1", "R-C1", "R-R4"} and p.from_class == f.library_class
            # the level the run derives is the table's, recorded and set on the entity (R-R4)
            level = derived_risk(f)
            e.refresh_from_db()
            assert e.risk_level == (level or f.risk_level), f
            run_levels = CreditRecord.objects.filter(entity=e, origin="run").values_list("level", flat=True)
            assert list(run_levels) == ([level] if level else []), f
        ids = list(proposals)
        pks = [p.pk for p in proposals.values()]
        for _ in range(2 if pks else 0):  # confirming twice changes nothing the second time
            services.reclass_decide(acting_user=office, run=run, proposal_ids=pks, decision="confirm",
                                    reason="核实")
        for f, e in built:
            e.refresh_from_db()
            changes = list(ClassChange.objects.filter(entity=e))
            if e.pk in ids:
                assert len(changes) == 1 and e.library_class == proposals[e.pk].to_class
                assert proposals[e.pk].rule in changes[0].basis
            else:
                assert not changes and e.library_class == f.library_class
            assert e.library_class in "ABC" and len(e.library_class) == 1
        _clear()
