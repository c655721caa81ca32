"""An approved plan becomes an SCD-1 draw through the draws app's own services; the draw's
execution starts the plan; the inspections app finds the plan of a draw."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from spotcheck.accounts.roles import Role
from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.draws.models import DrawStatus
from spotcheck.draws.tests.factories import World, make_inspectors
from spotcheck.inspections.models import InspectionTask
from spotcheck.planning import selectors, services
from spotcheck.planning.domain.review import Action, Status
from spotcheck.planning.models import Plan
from spotcheck.planning.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march")]


@pytest.fixture(autouse=True)
def _draws_dir(settings: Any, tmp_path: Path) -> None:
    settings.SPOTCHECK_DRAWS_DIR = str(tmp_path / "draws")


@pytest.fixture
def world(make_user: Any) -> World:
    return World(make_user)


def approved_plan(world: World, **values: Any) -> Plan:
    return f.plan(owner=world.planner, status=Status.APPROVED, office=world.office, justice=world.justice,
                  **values)


def test_an_approved_plan_prepares_its_draw_and_the_execution_starts_the_plan(
        world: World, django_capture_on_commit_callbacks: Any) -> None:
    f.entities(30, risk="general")
    f.entities(10, risk="high")
    make_inspectors(3, tags=("WATER",))
    make_inspectors(3)
    plan = approved_plan(world, strata=["risk"], team_tags=["WATER"], team_size=2, items=[f.item()],
                         quota={"kind": "rates", "rates_bp": {"risk.high": 3000}, "default_bp": 1000,
                                "rounding": "ceil"})
    draw = services.plan_draw_prepare(acting_user=world.planner, plan=plan)
    assert draw.source_ref == plan.code and draw.year == plan.year and draw.department == plan.department
    assert draw.spec["quota"] == {**plan.quota}
    assert draw.spec["team"]["slots"] == [{"dept": "361100-ENV", "tag": "WATER"},
                                          {"dept": "361100-ENV", "tag": "*"}]
    assert draw.spec["window"] == {"start": plan.window_start.isoformat(), "end": plan.window_end.isoformat()}
    assert selectors.plan_for_draw(draw) == Plan.objects.get(pk=plan.pk)
    with pytest.raises(ServiceError, match="抽取执行后才开始执行"):
        services.plan_transition(acting_user=world.planner, plan=Plan.objects.get(pk=plan.pk),
                                 action=Action.START)
    world.announce(draw)
    world.reveal(draw)
    with django_capture_on_commit_callbacks(execute=True):
        draw = world.execute(draw)
    assert draw.status == DrawStatus.EXECUTED
    assert draw.result.selected_count == 3 + 3  # ceil(30 × 10 %) + ceil(10 × 30 %)
    plan = Plan.objects.get(pk=plan.pk)
    assert plan.status == Status.EXECUTING
    start = plan.transitions.order_by("version").last()
    assert start is not None and (start.action, start.actor, start.actor_name) == ("start", None, "平台")
    assert draw.code in start.reason
    # Then, on the same commit, the draw became the plan's tasks; each step is audited.
    assert InspectionTask.objects.filter(draw=draw).count() == 6
    assert list(AuditEvent.objects.filter(action__in=["draw.execute", "plan.start",
                                                      "inspections.tasks_from_draw"],
                                          outcome=Outcome.SUCCESS)
                .order_by("seq").values_list("action", flat=True)) == [
        "draw.execute", "plan.start", "inspections.tasks_from_draw"]
    with pytest.raises(ServiceError, match="处于“执行中”状态"):
        services.plan_draw_prepare(acting_user=world.planner, plan=plan)


def test_the_same_plan_gets_one_draw_at_a_time_and_a_new_one_after_cancelling(world: World) -> None:
    plan = approved_plan(world)
    first = services.plan_draw_prepare(acting_user=world.planner, plan=plan)
    with pytest.raises(Conflict, match=f"已有抽取 {first.code}"):
        services.plan_draw_prepare(acting_user=world.planner, plan=Plan.objects.get(pk=plan.pk))
    from spotcheck.draws import services as draws

    draws.draw_cancel(acting_user=world.planner, draw=first, reason="范围有误，重新准备")
    second = services.plan_draw_prepare(acting_user=world.planner, plan=Plan.objects.get(pk=plan.pk))
    assert second.pk != first.pk and selectors.plan_for_draw(second).pk == plan.pk  # type: ignore[union-attr]
    assert selectors.plan_for_draw(first) is None


def test_only_approved_plans_of_the_own_department_make_draws(world: World, make_user: Any) -> None:
    submitted = f.plan(owner=world.planner, status=Status.SUBMITTED)
    with pytest.raises(ServiceError, match=r"审核批准.*才能组织抽取（R-P3）"):
        services.plan_draw_prepare(acting_user=world.planner, plan=submitted)
    plan = approved_plan(world)
    with pytest.raises(Refused, match="没有为该计划组织抽取的权限"):
        services.plan_draw_prepare(acting_user=make_user(Role.PLANNER, "361100-SAMR"), plan=plan)
    with pytest.raises(Refused):
        services.plan_draw_prepare(acting_user=world.office, plan=plan)  # B: the department's own draw


def test_a_class_a_plan_is_the_office_joint_draw_from_the_joint_pool(world: World) -> None:
    """R-A2, R-A3, R-I3: the office's draw, one slot for each department whose items the
    plan takes, inspectors from the joint pool."""
    items = [f.joint_item("361100-ENV"), f.joint_item("361100-HEALTH")]
    plan = f.plan(owner=world.office, target_class="A", status=Status.APPROVED, office=world.office,
                  justice=world.justice, items=items, team_size=3, experts=1)
    draw = services.plan_draw_prepare(acting_user=world.office, plan=plan)
    assert draw.is_class_a and draw.department.hosts_office
    assert draw.spec["team"]["joint_pool"] is True
    assert [s["dept"] for s in draw.spec["team"]["slots"]] == [
        "361100-ENV", "361100-HEALTH", "361100-ENV", "361100-SAMR.expert"]
    assert draw.spec["quota"]["rounding"] == "floor"


def test_the_draw_page_action_sends_the_owner_to_the_draw(client: Any, world: World) -> None:
    from django.urls import reverse

    plan = approved_plan(world)
    client.force_login(world.planner)
    assert "按本计划准备抽取" in client.get(reverse("planning:plan_detail", args=[plan.pk])).content.decode()
    response = client.post(reverse("planning:plan_draw", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.draw is not None and response["Location"] == reverse("draws:detail", args=[plan.draw.pk])
    again = client.post(reverse("planning:plan_draw", args=[plan.pk]), follow=True)
    assert "已有抽取" in again.content.decode()
