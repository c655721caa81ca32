"""The yearly reclassification, its decisions and B→A requests, through the services
(R-D1, R-D2, R-D3, R-A1, R-C1, R-R4)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.credit import services
from spotcheck.credit.models import CreditRecord, PromotionStatus, ProposalState, ReclassProposal, RunStatus
from spotcheck.credit.tests.factories import confirmed_task, credit_record, entity, key_field, violation
from spotcheck.registry.models import ChangeSource, ClassChange, MarketEntity

YEAR = 2027
pytestmark = pytest.mark.django_db


@pytest.fixture
def office(make_user: Any, on_day: Any) -> Any:
    on_day(dt.date(YEAR + 1, 1, 15))
    return make_user(Role.OFFICE)


def _run(office: Any, year: int = YEAR) -> Any:
    run = services.reclass_run_create(acting_user=office, year=year)
    return services.reclass_run_execute(run.pk)


def _proposal(e: MarketEntity) -> ReclassProposal:
    return ReclassProposal.objects.get(entity=e)


def test_a_major_violation_proposes_c_citing_r_d2_and_the_violation(office: Any) -> None:
    a = entity("A")
    v = violation(confirmed_task(a, YEAR), "serious", by=office)
    run = _run(office)
    assert run.status == RunStatus.DONE and run.proposed == 1
    p = _proposal(a)
    assert (p.from_class, p.to_class, p.rule, p.reason) == ("A", "C", "R-D2", "serious_violation")
    assert (p.violation_id, p.task_id) == (v.pk, v.task_id)


def test_a_minor_violation_proposes_b_the_worst_violation_counts(office: Any) -> None:
    a, a2 = entity("A"), entity("A")
    task = confirmed_task(a, YEAR)
    violation(task, "minor", by=office)
    worst = violation(task, "general", by=office)
    violation(confirmed_task(a2, YEAR), "minor", by=office)
    _run(office)
    assert (_proposal(a).to_class, _proposal(a).rule, _proposal(a).violation_id) == ("B", "R-D2", worst.pk)
    assert _proposal(a2).reason == "minor_violation"


def test_results_not_confirmed_or_of_another_year_do_not_count(office: Any) -> None:
    a, a2 = entity("A"), entity("A")
    violation(confirmed_task(a, YEAR, confirmed=False), "serious", by=office)
    violation(confirmed_task(a2, YEAR - 1), "serious", by=office)
    assert _run(office).proposed == 0


def test_credit_facts_and_entity_changes_propose_their_moves(office: Any) -> None:
    listed, abnormal, high, gone, key = entity("B"), entity("A"), entity("B"), entity("C"), entity("B")
    ended = entity("A")
    credit_record(listed, "serious_list", on=dt.date(YEAR, 3, 1))
    credit_record(abnormal, "abnormal", on=dt.date(YEAR, 5, 1))
    credit_record(ended, "abnormal", on=dt.date(YEAR, 5, 1), ends_on=dt.date(YEAR, 8, 1))  # removed
    MarketEntity.objects.filter(pk=high.pk).update(risk_level="high")
    MarketEntity.objects.filter(pk=gone.pk).update(status="deregistered")
    key_field(key)
    _run(office)
    assert (_proposal(listed).to_class, _proposal(listed).rule, _proposal(listed).credit_record_id) == (
        "C", "R-C1", CreditRecord.objects.get(entity=listed, kind="serious_list").pk)
    assert (_proposal(abnormal).to_class, _proposal(abnormal).rule) == ("B", "R-A1")
    assert (_proposal(high).to_class, _proposal(high).rule) == ("C", "R-R4")
    assert (_proposal(gone).to_class, _proposal(gone).rule) == ("B", "R-D1")
    assert (_proposal(key).to_class, _proposal(key).rule) == ("A", "R-A1")
    assert not ReclassProposal.objects.filter(entity=ended).exists()


def test_the_run_derives_risk_levels_dated_with_their_source_r_r4(office: Any) -> None:
    bad, clean, later = entity("B"), entity("B"), entity("B")
    violation(confirmed_task(bad, YEAR), "general", by=office)
    confirmed_task(clean, YEAR)
    violation(confirmed_task(later, YEAR), "serious", by=office)
    credit_record(later, "risk", level="low", on=dt.date(YEAR + 1, 1, 10))   # imported after the year
    services.risk_level_refresh([later.pk])
    run = _run(office)
    assert run.risk_derived == 2
    bad.refresh_from_db()
    clean.refresh_from_db()
    later.refresh_from_db()
    assert (bad.risk_level, clean.risk_level, later.risk_level) == ("higher", "low", "low")
    record = CreditRecord.objects.get(entity=bad)
    assert (record.origin, record.dated_on, record.uscc) == ("run", dt.date(YEAR, 12, 31), bad.uscc)
    assert "年度分类调整" in record.source


def test_the_run_covers_only_the_offices_divisions(make_user: Any, on_day: Any) -> None:
    on_day(dt.date(YEAR + 1, 1, 15))
    assert _has_dept("361123-SAMR")
    county_office = make_user(Role.OFFICE, "361123-SAMR")
    here, there = entity("A", division="361123"), entity("A", division="361102")
    for e in (here, there):
        violation(confirmed_task(e, YEAR), "minor", by=county_office)
    _run(county_office)
    assert ReclassProposal.objects.filter(entity=here).exists()
    assert not ReclassProposal.objects.filter(entity=there).exists()


def _has_dept(code: str) -> bool:
    from spotcheck.accounts.models import Department

    return Department.objects.filter(code=code).exists()


def test_once_a_year_and_only_the_office_r_d1(office: Any, make_user: Any) -> None:
    _run(office)
    with pytest.raises(Conflict):
        services.reclass_run_create(acting_user=office, year=YEAR)
    with pytest.raises(Refused):
        services.reclass_run_create(acting_user=make_user(Role.PLANNER), year=YEAR - 1)
    with pytest.raises(ServiceError, match="依据年度"):
        services.reclass_run_create(acting_user=office, year=YEAR + 5)


def test_confirming_moves_once_writes_the_registry_history(office: Any) -> None:
    a = entity("A")
    violation(confirmed_task(a, YEAR), "serious", by=office)
    run = _run(office)
    p = _proposal(a)
    first = services.reclass_decide(acting_user=office, run=run, proposal_ids=[p.pk], decision="confirm",
                                    reason="核实无误")
    assert first == {"decided": 1, "skipped": 0, "applied": 1, "stale": 0}
    again = services.reclass_decide(acting_user=office, run=run, proposal_ids=[p.pk], decision="confirm",
                                    reason="再次确认")
    assert again == {"decided": 0, "skipped": 1, "applied": 0, "stale": 0}
    a.refresh_from_db()
    assert a.library_class == "C"
    change = ClassChange.objects.get(entity=a)
    assert (change.from_class, change.to_class, change.source, change.c_field) == (
        "A", "C", ChangeSource.RECLASSIFICATION, "poor_credit")
    assert "R-D2" in change.basis and f"违法行为 #{p.violation_id}" in change.basis
    assert ReclassProposal.objects.get(pk=p.pk).change_id == change.pk


def test_adjust_and_reject_in_bulk_with_a_reason(office: Any) -> None:
    a1, a2, a3 = entity("A"), entity("A"), entity("A")
    for e in (a1, a2, a3):
        violation(confirmed_task(e, YEAR), "serious", by=office)
    run = _run(office)
    with pytest.raises(ServiceError, match="理由"):
        services.reclass_decide(acting_user=office, run=run, proposal_ids=[_proposal(a1).pk],
                                decision="reject", reason=" ")
    with pytest.raises(ServiceError, match="目标类别"):
        services.reclass_decide(acting_user=office, run=run, proposal_ids=[_proposal(a1).pk],
                                decision="adjust", reason="情节较轻")
    services.reclass_decide(acting_user=office, run=run, proposal_ids=[_proposal(a1).pk, _proposal(a2).pk],
                            decision="adjust", to_class="B", reason="情节较轻，已整改")
    services.reclass_decide(acting_user=office, run=run, proposal_ids=[_proposal(a3).pk],
                            decision="reject", reason="处罚已撤销")
    classes = dict(MarketEntity.objects.filter(pk__in=[a1.pk, a2.pk, a3.pk])
                   .values_list("pk", "library_class"))
    assert classes == {a1.pk: "B", a2.pk: "B", a3.pk: "A"}
    assert _proposal(a1).state == ProposalState.ADJUSTED and _proposal(a3).state == ProposalState.REJECTED


def test_a_move_effective_later_waits_for_its_date(office: Any, on_day: Any) -> None:
    a = entity("A")
    violation(confirmed_task(a, YEAR), "minor", by=office)
    run = _run(office)
    later = dt.date(YEAR + 1, 3, 1)
    summary = services.reclass_decide(acting_user=office, run=run, proposal_ids=[_proposal(a).pk],
                                      decision="confirm", reason="核实", effective_on=later)
    assert summary["applied"] == 0
    assert services.reclass_apply_due() == {"applied": 0, "stale": 0}
    a.refresh_from_db()
    assert a.library_class == "A"
    on_day(later)
    assert services.reclass_apply_due() == {"applied": 1, "stale": 0}
    assert services.reclass_apply_due() == {"applied": 0, "stale": 0}
    a.refresh_from_db()
    assert a.library_class == "B"
    with pytest.raises(ServiceError, match="追溯"):
        services.reclass_decide(acting_user=office, run=run, proposal_ids=[1], decision="confirm",
                                reason="x", effective_on=dt.date(YEAR, 1, 1))


def test_an_entity_moved_since_the_run_is_not_moved_again(office: Any) -> None:
    from spotcheck.registry.services import entity_class_decide

    a = entity("A")
    violation(confirmed_task(a, YEAR), "minor", by=office)
    run = _run(office)
    entity_class_decide(acting_user=office, entity=MarketEntity.objects.get(pk=a.pk), to_class="C",
                        basis="安全生产", c_field="safety")
    summary = services.reclass_decide(acting_user=office, run=run, proposal_ids=[_proposal(a).pk],
                                      decision="confirm", reason="核实")
    assert summary["stale"] == 1
    a.refresh_from_db()
    assert a.library_class == "C" and _proposal(a).state == ProposalState.STALE


def test_only_the_office_of_the_division_decides(office: Any, make_user: Any) -> None:
    a = entity("A")
    violation(confirmed_task(a, YEAR), "minor", by=office)
    run = _run(office)
    for role in (Role.PLANNER, Role.JUSTICE, Role.DEPT_ADMIN):
        with pytest.raises(Refused):
            services.reclass_decide(acting_user=make_user(role), run=run, proposal_ids=[_proposal(a).pk],
                                    decision="confirm", reason="x")


# --- B → A (R-D3) ---------------------------------------------------------------------------


def test_a_clean_b_enterprise_applies_and_the_office_approves(office: Any, make_user: Any) -> None:
    from spotcheck.accounts.tests.factories import ENTERPRISE_USCC

    b = entity("B", uscc=ENTERPRISE_USCC)
    confirmed_task(b, YEAR)
    enterprise = make_user(Role.ENTERPRISE)
    pdf = b"%PDF-1.4 test"
    req = services.promotion_create(acting_user=enterprise, entity=b, reasons="连续三年无违法",
                                    files=[("纳税证明.pdf", len(pdf), pdf)])
    assert req.kind == "application" and req.files.count() == 1
    with pytest.raises(Conflict):
        services.promotion_create(acting_user=enterprise, entity=b, reasons="再次申请")
    with pytest.raises(Refused):
        services.promotion_decide(acting_user=make_user(Role.PLANNER), promotion=req, approve=True,
                                  reason="x")
    decided = services.promotion_decide(acting_user=office, promotion=req, approve=True, reason="核实无违法")
    assert decided.status == PromotionStatus.APPROVED
    b.refresh_from_db()
    assert b.library_class == "A"
    assert ClassChange.objects.get(entity=b).source == ChangeSource.PROMOTION
    with pytest.raises(Conflict):
        services.promotion_decide(acting_user=office, promotion=req, approve=False, reason="再决定")


def test_b_to_a_needs_a_clean_inspection_and_good_files(office: Any, make_user: Any) -> None:
    planner = make_user(Role.PLANNER)
    never, found = entity("B"), entity("B")
    violation(confirmed_task(found, YEAR), "minor", by=office)
    with pytest.raises(ServiceError, match="尚无已确认"):
        services.promotion_create(acting_user=planner, entity=never, reasons="推荐")
    with pytest.raises(ServiceError, match="发现违法行为"):
        services.promotion_create(acting_user=planner, entity=found, reasons="推荐")
    clean = entity("B")
    confirmed_task(clean, YEAR)
    with pytest.raises(ServiceError, match="不是"):
        services.promotion_create(acting_user=planner, entity=clean, reasons="推荐",
                                  files=[("a.exe", 4, b"MZ\x00\x00")])
    with pytest.raises(ServiceError, match="超过上限"):
        services.promotion_create(acting_user=planner, entity=clean, reasons="推荐",
                                  files=[("big.pdf", 10**9, b"%PDF")])
    with pytest.raises(ServiceError, match="理由"):
        services.promotion_create(acting_user=planner, entity=clean, reasons="")
    req = services.promotion_create(acting_user=planner, entity=clean, reasons="重点税源企业")
    assert req.kind == "recommendation" and req.department == planner.department
    services.promotion_decide(acting_user=office, promotion=req, approve=False, reason="信用记录待核")
    clean.refresh_from_db()
    assert clean.library_class == "B"
    with pytest.raises(Refused):
        services.promotion_create(acting_user=make_user(Role.ENTERPRISE), entity=entity("B"),
                                  reasons="非本企业")


def test_the_credit_file_imports_with_date_and_source_and_sets_the_latest_level(office: Any, tmp_path: Any
                                                                                ) -> None:
    import csv

    from spotcheck.core.imports.jobs import import_job_create, import_run
    from spotcheck.credit.imports import COLUMNS, CREDIT_IMPORT

    b = entity("B")
    path = tmp_path / "credit.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([c.header for c in COLUMNS])
        w.writerow(["R1", b.uscc, "信用风险等级", "较高", "2027-03-01", "", "省信用平台", ""])
        w.writerow(["R2", b.uscc, "信用风险等级", "低", "2027-09-01", "", "省信用平台", ""])
        w.writerow(["R3", b.uscc, "严重违法失信名单", "", "2027-10-01", "", "国家企业信用信息公示系统", ""])
        w.writerow(["R4", b.uscc, "信用风险等级", "", "2027-10-01", "", "省信用平台", ""])
        w.writerow(["R5", "91361100MA0000000X", "经营异常名录", "", "2027-10-01", "", "平台", ""])
    job = import_run(import_job_create(spec=CREDIT_IMPORT, acting_user=office, path=path).pk)
    assert (job.inserted, job.rejected) == (3, 2), job.message
    b.refresh_from_db()
    assert b.risk_level == "low"  # the latest level record, by date
    records = set(CreditRecord.objects.filter(entity=b).values_list("record_no", flat=True))
    assert records == {"R1", "R2", "R3"}


def _class_moves(entities: list[MarketEntity]) -> list[Any]:
    from spotcheck.audit.models import AuditEvent

    return list(AuditEvent.objects.filter(action="entity.class_move",
                                          object_id__in=[e.uscc for e in entities]))


def test_confirming_many_is_one_set_based_move_a_history_row_and_an_event_each(office: Any) -> None:
    """R-D1: the bulk confirmation moves the proposals together (the statements do not grow
    with their number), and writes what a single move writes for each entity."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def year_of(year: int, n: int) -> tuple[Any, list[MarketEntity], int]:
        entities = [entity("A") for _ in range(n)]
        for e in entities:
            violation(confirmed_task(e, year), "minor", by=office)
        run = _run(office, year)
        pks = list(ReclassProposal.objects.filter(run=run).values_list("pk", flat=True))
        assert len(pks) == n
        with CaptureQueriesContext(connection) as queries:
            summary = services.reclass_decide(acting_user=office, run=run, proposal_ids=pks,
                                              decision="confirm", reason="核实无误")
        assert summary == {"decided": n, "skipped": 0, "applied": n, "stale": 0}
        return run, entities, len(queries)

    _, few, few_queries = year_of(YEAR - 1, 2)
    run, many, many_queries = year_of(YEAR, 25)
    assert many_queries == few_queries
    for group in (few, many):
        changes = ClassChange.objects.filter(entity__in=group)
        assert changes.count() == len(group)
        assert {(c.from_class, c.to_class, c.source, c.by_id) for c in changes} == {
            ("A", "B", ChangeSource.RECLASSIFICATION, office.pk)}
        assert all("R-D2" in c.basis and "核实无误" in c.basis for c in changes)
        events = _class_moves(group)
        assert sorted(e.object_id for e in events) == sorted(e.uscc for e in group)
        assert {e.summary["source"] for e in events} == {ChangeSource.RECLASSIFICATION}
    classes = MarketEntity.objects.filter(pk__in=[e.pk for e in many]).values_list("library_class", flat=True)
    assert set(classes) == {"B"}
    proposals = ReclassProposal.objects.filter(run=run)
    for p in proposals:
        assert p.change is not None and p.change.entity_id == p.entity_id
    # confirming twice changes nothing: no history row, no event, no state
    again = services.reclass_decide(acting_user=office, run=run, proposal_ids=[p.pk for p in proposals],
                                    decision="confirm", reason="再次确认")
    assert again == {"decided": 0, "skipped": 25, "applied": 0, "stale": 0}
    assert services.reclass_apply_due() == {"applied": 0, "stale": 0}
    assert ClassChange.objects.filter(entity__in=many).count() == 25 and len(_class_moves(many)) == 25


def test_a_bulk_confirmation_moves_the_others_and_leaves_a_moved_entity_stale(office: Any) -> None:
    from spotcheck.registry.services import entity_class_decide

    group = [entity("A") for _ in range(4)]
    for e in group:
        violation(confirmed_task(e, YEAR), "serious", by=office)
    run = _run(office)
    moved = group[1]
    entity_class_decide(acting_user=office, entity=MarketEntity.objects.get(pk=moved.pk), to_class="B",
                        basis="另行决定")
    summary = services.reclass_decide(acting_user=office, run=run,
                                      proposal_ids=[_proposal(e).pk for e in group], decision="confirm",
                                      reason="核实")
    assert summary == {"decided": 4, "skipped": 0, "applied": 3, "stale": 1}
    assert _proposal(moved).state == ProposalState.STALE and _proposal(moved).change_id is None
    classes = MarketEntity.objects.filter(pk__in=[e.pk for e in group]).values_list("pk", "library_class")
    assert dict(classes) == {e.pk: ("B" if e is moved else "C") for e in group}
    assert ClassChange.objects.filter(entity=moved, source=ChangeSource.RECLASSIFICATION).count() == 0
    moves = ClassChange.objects.filter(source=ChangeSource.RECLASSIFICATION)
    assert {c.c_field for c in moves} == {"poor_credit"}
