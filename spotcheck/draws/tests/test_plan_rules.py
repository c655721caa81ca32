"""A draw leads to inspections only as the draw of an approved plan (R-P3), inside its
window (R-Q1), with its items (R-L1); a class-A draw only for the office's joint plan of two
departments or more (R-A3), within 10 % of class A a year counted from preparation on (R-A2).
Held at every step up to the execution, whichever path calls the service."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core import clock
from spotcheck.core.errors import Conflict, ServiceError
from spotcheck.draws import services
from spotcheck.draws.models import Draw
from spotcheck.draws.tests.factories import World, approved_plan, b_spec, make_entities
from spotcheck.planning.models import Plan, PlanItem, PlanStatus

pytestmark = pytest.mark.django_db
A_TOTAL = {"classes": ["A"], "strata": [], "quota": {"kind": "total", "total": 3}}


@pytest.fixture
def population(db: Any) -> None:
    make_entities(20)
    make_entities(40, cls="A")


def _last_refusal() -> AuditEvent:
    event = AuditEvent.objects.filter(action="draw.prepare").order_by("-seq").first()
    assert event is not None and event.outcome == Outcome.FAILURE
    return event


@pytest.mark.parametrize("status", [PlanStatus.DRAFT, PlanStatus.SUBMITTED, PlanStatus.OFFICE_APPROVED])
def test_r_p3_a_draw_of_a_plan_not_yet_approved_is_refused_naming_the_plan(
        world: World, population: Any, status: str) -> None:
    plan = approved_plan(b_spec(), status=status)
    with pytest.raises(ServiceError, match="R-P3") as info:
        services.draw_prepare(acting_user=world.planner, plan=plan)
    assert plan.code in info.value.message and "plan" in info.value.fields
    assert _last_refusal().summary["plan"] == plan.code
    assert not Draw.objects.exists()


def test_r_p3_a_plan_is_drawn_once_and_again_only_after_its_draw_is_cancelled(world: World,
                                                                               population: Any) -> None:
    plan = approved_plan(b_spec())
    first = services.draw_prepare(acting_user=world.planner, plan=plan)
    assert Plan.objects.get(pk=plan.pk).draw_id == first.pk and first.source_ref == plan.code
    with pytest.raises(Conflict, match="一个计划只组织一次抽取") as info:
        services.draw_prepare(acting_user=world.planner, plan=plan)
    assert info.value.code == "draw_exists"
    services.draw_cancel(acting_user=world.planner, draw=first, reason="规则有误")
    second = services.draw_prepare(acting_user=world.planner, plan=plan)
    assert Plan.objects.get(pk=plan.pk).draw_id == second.pk


def test_r_q1_a_plan_whose_window_has_passed_gives_no_draw(world: World, population: Any,
                                                           monkeypatch: Any) -> None:
    plan = approved_plan(b_spec())  # June
    monkeypatch.setattr(clock, "today", lambda: plan.window_end + timedelta(days=1))
    with pytest.raises(ServiceError, match="已过") as info:
        services.draw_prepare(acting_user=world.planner, plan=plan)
    assert "R-Q1" in info.value.message and plan.code in info.value.message
    assert not Draw.objects.exists()


def test_r_l1_a_plan_without_items_gives_no_draw(world: World, population: Any) -> None:
    plan = approved_plan(b_spec())
    PlanItem.objects.filter(plan=plan).delete()
    with pytest.raises(ServiceError, match="R-L1"):
        services.draw_prepare(acting_user=world.planner, plan=plan)


def test_r_a3_a_class_a_draw_needs_a_joint_plan_of_two_departments(world: World, population: Any) -> None:
    plan = approved_plan(A_TOTAL, dept="361100-SAMR")
    PlanItem.objects.filter(plan=plan, item__department__code="361100-ENV").delete()
    with pytest.raises(ServiceError, match="R-A3"):
        services.draw_prepare(acting_user=world.office, plan=plan)
    joint = approved_plan(A_TOTAL, dept="361100-SAMR")
    draw = services.draw_prepare(acting_user=world.office, plan=joint)
    assert {s["dept"] for s in draw.spec["team"]["slots"]} == {"361100-SAMR", "361100-ENV"}
    assert draw.spec["team"]["joint_pool"] is True


def test_r_p3_announce_and_execute_refuse_a_draw_that_no_approved_plan_owns(world: World,
                                                                             population: Any) -> None:
    draw = world.commit_all(world.prepare())
    plan = Plan.objects.get(draw=draw)
    Plan.objects.filter(pk=plan.pk).update(draw=None)  # a draw made outside planning
    with pytest.raises(ServiceError, match="不属于任何经审核批准的抽查计划"):
        services.draw_announce(acting_user=world.planner, draw=draw, background=False)
    assert Draw.objects.get(pk=draw.pk).status == "prepared"
    Plan.objects.filter(pk=plan.pk).update(draw=draw)
    draw = world.reveal(services.draw_announce(acting_user=world.planner, draw=draw, background=False))
    Plan.objects.filter(pk=plan.pk).update(status=PlanStatus.OFFICE_APPROVED)
    with pytest.raises(ServiceError, match="R-P3"):
        world.execute(draw)
    assert Draw.objects.get(pk=draw.pk).status == "revealed"
    assert AuditEvent.objects.filter(action="draw.execute", outcome=Outcome.FAILURE).exists()


def test_r_q1_a_revealed_draw_is_not_executed_after_its_plans_window(world: World, population: Any,
                                                                      monkeypatch: Any) -> None:
    draw = world.reveal(world.announce(world.prepare()))
    assert draw.window_end is not None
    after = draw.window_end + timedelta(days=1)
    monkeypatch.setattr(clock, "today", lambda: after)
    with pytest.raises(ServiceError, match="已过"):
        world.execute(draw)
    assert Draw.objects.get(pk=draw.pk).status == "revealed"


def test_r_a2_prepared_and_announced_class_a_draws_count_against_the_cap(world: World,
                                                                         population: Any) -> None:
    # 40 class-A entities: at most 4 a year. Two plans of 3 each cannot both be drawn.
    first = world.prepare(spec=A_TOTAL, by=world.office, dept="361100-SAMR")
    assert first.planned_count == 3
    second_plan = approved_plan(A_TOTAL, dept="361100-SAMR")
    with pytest.raises(ServiceError, match="R-A2") as info:
        services.draw_prepare(acting_user=world.office, plan=second_plan)
    assert info.value.code == "class_a_cap"
    world.announce(first)
    with pytest.raises(ServiceError, match="本年已抽取及已准备抽取 3 户"):
        services.draw_prepare(acting_user=world.office, plan=second_plan)
    services.draw_cancel(acting_user=world.office, draw=first, reason="改期")
    assert services.draw_prepare(acting_user=world.office, plan=second_plan).planned_count == 3
