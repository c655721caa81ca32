"""Class workflows (R-A1, R-C1, R-B1): the office decides A and C, departments propose C,
the office accepts or rejects; history and audit kept; the wrong role or division refused."""

from __future__ import annotations

from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.registry import services
from spotcheck.registry.models import ChangeSource, ClassChange, LibraryClass, MarketEntity, ProposalStatus
from spotcheck.registry.tests.factories import EntityFactory, make_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def entity(departments: Any) -> MarketEntity:
    return EntityFactory.create(uscc=make_uscc("361102"), division_id="361102")


def test_the_office_moves_an_entity_to_class_a_with_history_and_audit(make_user: Any, entity: Any) -> None:
    office = make_user(Role.OFFICE)
    change = services.entity_class_decide(acting_user=office, entity=entity, to_class="A",
                                          basis="纳税大户，信用良好")
    entity.refresh_from_db()
    assert entity.library_class == LibraryClass.A
    assert (change.from_class, change.to_class, change.by, change.source) == (
        "B", "A", office, ChangeSource.DECISION)
    assert change.department is not None and change.department.code == "361100-SAMR"
    event = AuditEvent.objects.filter(action="entity.class_decide").latest("seq")
    assert event.object_id == entity.uscc
    assert event.summary["before"] == {"class": "B"} and event.summary["after"]["class"] == "A"


def test_class_c_needs_a_field_and_every_move_a_basis(make_user: Any, entity: Any) -> None:
    office = make_user(Role.OFFICE)
    with pytest.raises(ServiceError, match="重点监管领域"):
        services.entity_class_decide(acting_user=office, entity=entity, to_class="C", basis="x")
    with pytest.raises(ServiceError, match="依据"):
        services.entity_class_decide(acting_user=office, entity=entity, to_class="A", basis="  ")
    with pytest.raises(ServiceError, match="已在 B 类"):
        services.entity_class_decide(acting_user=office, entity=entity, to_class="B", basis="x")
    assert not ClassChange.objects.exists()


@pytest.mark.parametrize("role", [Role.DEPT_ADMIN, Role.PLANNER, Role.JUSTICE, Role.INSPECTOR,
                                  Role.ENTERPRISE, Role.SYSTEM_ADMIN])
def test_only_the_office_decides_classes(make_user: Any, entity: Any, role: Role) -> None:
    with pytest.raises(Refused):
        services.entity_class_decide(acting_user=make_user(role), entity=entity, to_class="A", basis="x")
    entity.refresh_from_db()
    assert entity.library_class == LibraryClass.B


def test_a_county_office_cannot_decide_for_another_county(make_user: Any, entity: Any) -> None:
    yushan_office = make_user(Role.OFFICE, "361123-SAMR")
    with pytest.raises(Refused):
        services.entity_class_decide(acting_user=yushan_office, entity=entity, to_class="A", basis="x")
    xinzhou_office = make_user(Role.OFFICE, "361102-SAMR")
    services.entity_class_decide(acting_user=xinzhou_office, entity=entity, to_class="A", basis="x")


def test_a_stale_decision_loses_to_the_first(make_user: Any, entity: Any) -> None:
    office = make_user(Role.OFFICE)
    stale = MarketEntity.objects.get(pk=entity.pk)
    services.entity_class_decide(acting_user=office, entity=entity, to_class="A", basis="first")
    with pytest.raises(Conflict):
        services.entity_class_decide(acting_user=office, entity=stale, to_class="C", basis="second",
                                     c_field="safety")


def test_a_department_proposes_c_and_the_office_accepts(make_user: Any, entity: Any) -> None:
    planner = make_user(Role.PLANNER)
    proposal = services.class_proposal_create(acting_user=planner, entity=entity, c_field="safety",
                                              basis="危险化学品经营，须每年检查")
    assert proposal.department.code == "361100-ENV" and proposal.status == ProposalStatus.PENDING
    with pytest.raises(Conflict, match="待决定"):
        services.class_proposal_create(acting_user=planner, entity=entity, c_field="quality", basis="again")
    office = make_user(Role.OFFICE)
    services.class_proposal_decide(acting_user=office, proposal=proposal, accept=True, reason="核实属实")
    entity.refresh_from_db()
    proposal.refresh_from_db()
    assert entity.library_class == LibraryClass.C
    assert proposal.status == ProposalStatus.ACCEPTED and proposal.decided_by == office
    change = ClassChange.objects.get(entity=entity)
    assert (change.source, change.c_field, change.proposal) == (ChangeSource.PROPOSAL, "safety", proposal)
    assert "危险化学品" in change.basis
    with pytest.raises(Conflict, match="已有决定"):
        services.class_proposal_decide(acting_user=office, proposal=proposal, accept=False, reason="x")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"entity.class_propose", "entity.proposal_decide"} <= actions


def test_a_rejected_proposal_leaves_the_class_and_needs_a_reason(make_user: Any, entity: Any) -> None:
    proposal = services.class_proposal_create(acting_user=make_user(Role.DEPT_ADMIN), entity=entity,
                                              c_field="quality", basis="抽检不合格")
    office = make_user(Role.OFFICE)
    with pytest.raises(ServiceError, match="理由"):
        services.class_proposal_decide(acting_user=office, proposal=proposal, accept=False, reason="")
    services.class_proposal_decide(acting_user=office, proposal=proposal, accept=False, reason="证据不足")
    entity.refresh_from_db()
    assert entity.library_class == LibraryClass.B
    assert not ClassChange.objects.exists()


@pytest.mark.parametrize("role", [Role.OFFICE, Role.JUSTICE, Role.INSPECTOR, Role.ENTERPRISE])
def test_only_department_admins_and_planners_propose(make_user: Any, entity: Any, role: Role) -> None:
    with pytest.raises(Refused):
        services.class_proposal_create(acting_user=make_user(role), entity=entity, c_field="safety",
                                       basis="x")


def test_a_department_of_another_county_cannot_propose(make_user: Any, entity: Any) -> None:
    with pytest.raises(Refused):
        services.class_proposal_create(acting_user=make_user(Role.PLANNER, "361123-ENV"), entity=entity,
                                       c_field="safety", basis="x")


def test_only_the_office_of_the_division_decides_a_proposal(make_user: Any, entity: Any) -> None:
    proposal = services.class_proposal_create(acting_user=make_user(Role.PLANNER), entity=entity,
                                              c_field="public_interest", basis="学校周边食品")
    for user in (make_user(Role.DEPT_ADMIN), make_user(Role.OFFICE, "361123-SAMR"), make_user(Role.JUSTICE)):
        with pytest.raises(Refused):
            services.class_proposal_decide(acting_user=user, proposal=proposal, accept=True, reason="x")


def test_the_home_page_lists_pending_proposals(client: Any, make_user: Any, entity: Any) -> None:
    services.class_proposal_create(acting_user=make_user(Role.PLANNER), entity=entity, c_field="safety",
                                   basis="危化品")
    client.force_login(make_user(Role.OFFICE))
    page = client.get("/").content.decode()
    assert "待决定的 C 类提议" in page and entity.name in page
    client.force_login(make_user(Role.JUSTICE))
    assert "C 类提议" not in client.get("/").content.decode()


def test_moves_in_a_set_check_each_move_as_a_single_move_does(make_user: Any, entity: Any) -> None:
    """R-D1, R-A1, R-C1: of a set of moves, those the office may not make, those on an entity
    no longer in the class decided on, and those a rule forbids are named and not made; the
    others are made with a history row and an audit event each."""
    office = make_user(Role.OFFICE)
    other_county = EntityFactory.create(uscc=make_uscc("361123"), division_id="361123")
    moved = EntityFactory.create(uscc=make_uscc("361102"), division_id="361102", library_class="C")
    no_field = EntityFactory.create(uscc=make_uscc("361102"), division_id="361102")
    county_office = make_user(Role.OFFICE, division_id="361102")
    locked = {e.pk: e for e in MarketEntity.objects.select_related("division").filter(
        pk__in=[entity.pk, other_county.pk, moved.pk, no_field.pk])}
    moves = [services.ClassMove(entity=locked[e.pk], from_class="B", to_class=to, basis="年度调整")
             for e, to in ((entity, "A"), (other_county, "A"), (moved, "A"), (no_field, "C"))]
    changes, refused = services.entity_class_moves(acting_user=county_office, moves=moves,
                                                   source=ChangeSource.RECLASSIFICATION)
    assert set(changes) == {entity.pk}
    assert "联席办" in refused[other_county.pk] and "已不是决定时的 B 类" in refused[moved.pk]
    assert "重点监管领域" in refused[no_field.pk]
    assert dict(MarketEntity.objects.values_list("pk", "library_class")) == {
        entity.pk: "A", other_county.pk: "B", moved.pk: "C", no_field.pk: "B"}
    change = ClassChange.objects.get()
    assert (change.entity_id, change.source, change.by) == (
        entity.pk, ChangeSource.RECLASSIFICATION, county_office)
    event = AuditEvent.objects.get(action="entity.class_move")
    assert event.object_id == entity.uscc and event.summary["after"]["class"] == "A"
    with pytest.raises(ServiceError):
        services.entity_class_moves(acting_user=office, moves=moves[:1], source=ChangeSource.DECISION)
