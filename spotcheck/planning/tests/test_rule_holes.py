"""Rules a plan keeps beyond its own figures: the class-A headroom counts the other plans that
were put forward, not drafts (R-A2); class A is always joint (R-A3); coverage means done
(R-P1); the end of March (R-P2)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core.errors import ServiceError
from spotcheck.inspections.models import InspectionTask
from spotcheck.inspections.tests import factories as insp
from spotcheck.planning import selectors, services
from spotcheck.planning.domain.review import Status
from spotcheck.planning.models import Plan, PlanTransition
from spotcheck.planning.tests import factories as f
from spotcheck.planning.tests.factories import entities, item, joint_item, plan_values, this_year
from spotcheck.roster.models import Tag

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("march")]
YEAR = this_year()
EIGHT_PERCENT = {"kind": "rates", "rates_bp": {}, "default_bp": 800, "rounding": "floor"}


def _joint_items() -> list[Any]:
    return [joint_item("361100-ENV"), joint_item("361100-SAMR")]


def _errors(plan: Plan) -> dict[str, str]:
    figures = selectors.plan_figures(selectors.draft_of(plan))
    return {x.rule: x.message for x in figures.errors}


class TestClassAHeadroom:
    def test_r_a2_drafts_of_others_do_not_use_the_headroom_submitted_plans_do(self, office: Any) -> None:
        entities(100, library_class="A")  # cap 10
        first = services.plan_create(acting_user=office, **plan_values(
            target_class="A", items=_joint_items(), quota=EIGHT_PERCENT))
        services.plan_create(acting_user=office, **plan_values(  # a second draft, never sent
            target_class="A", items=_joint_items(), quota=EIGHT_PERCENT, title="另一个草稿"))
        second = services.plan_create(acting_user=office, **plan_values(
            target_class="A", items=_joint_items(), quota=EIGHT_PERCENT, title="第二个计划"))
        share = selectors.plan_figures(selectors.draft_of(second)).class_a
        assert share is not None and share.other_drawn == 0 and "R-A2" not in _errors(second)
        services.plan_submit(acting_user=office, plan=first)
        share = selectors.plan_figures(selectors.draft_of(second)).class_a
        assert share is not None and share.other_drawn == 8
        assert "本年其他计划已抽 8 户" in _errors(second)["R-A2"]
        assert selectors.coverage(office.division, YEAR).class_a_planned == 8


class TestClassAIsJoint:
    def test_r_a3_a_class_a_plan_of_one_departments_items_is_refused_with_the_reason(
            self, office: Any) -> None:
        entities(100, library_class="A")
        plan = services.plan_create(acting_user=office, **plan_values(
            target_class="A", items=[joint_item("361100-ENV"), joint_item("361100-ENV")]))
        assert "至少两个成员部门" in _errors(plan)["R-A3"]
        with pytest.raises(ServiceError, match=r"\[R-A3\].*至少两个成员部门"):
            services.plan_submit(acting_user=office, plan=plan)
        event = AuditEvent.objects.filter(action="plan.submit").order_by("-seq").first()
        assert event is not None and event.outcome == Outcome.FAILURE

    def test_r_a3_the_team_seats_every_department_and_its_tags_belong_to_them(self, office: Any) -> None:
        entities(100, library_class="A")
        items = [joint_item("361100-ENV"), joint_item("361100-SAMR"), joint_item("361100-HEALTH")]
        small = services.plan_create(acting_user=office, **plan_values(
            target_class="A", items=items, team_size=2))
        assert "3 个部门" in _errors(small)["R-A3"]
        Tag.objects.create(department=f.department("361100-EDU"), code="school", label="校园安全")
        foreign = services.plan_create(acting_user=office, **plan_values(
            target_class="A", items=items[:2], team_size=2, team_tags=["school"]))
        assert "school" in _errors(foreign)["R-A3"]
        sound = services.plan_create(acting_user=office, **plan_values(
            target_class="A", items=items, team_size=3))
        assert "R-A3" not in _errors(sound)


class TestCoverageMeansDone:
    def test_r_p1_an_item_is_done_when_its_plan_is_completed_not_when_approved(
            self, client: Any, planner: Any, office: Any, justice: Any) -> None:
        entities(20)
        it = item()
        plan = f.plan(owner=planner, office=office, justice=justice, status=Status.APPROVED, items=[it])
        row = selectors.coverage(office.division, YEAR).departments
        env = next(d for d in row if d.department.code == "361100-ENV")
        assert (env.approved, env.done) == (1, 0)
        plan = services.plan_transition(acting_user=None, plan=f.link_executed_draw(plan), action="start")
        services.plan_complete(acting_user=planner, plan=plan)
        env = next(d for d in selectors.coverage(office.division, YEAR).departments
                   if d.department.code == "361100-ENV")
        assert (env.approved, env.done, env.done_percent) == (1, 1, 100)
        client.force_login(office)
        api = client.get(reverse("api:planning-coverage"), {"year": YEAR}).json()
        env_api = [(d["approved"], d["done"]) for d in api["departments"] if d["department"] == "361100-ENV"]
        assert env_api == [(1, 1)]
        page = client.get(reverse("planning:coverage"), {"year": YEAR}).content.decode()
        assert "检查已完成" in page

    def test_r_p1_a_plan_with_open_inspections_is_not_completed(self, planner: Any, office: Any,
                                                                justice: Any) -> None:
        entities(20)
        plan = f.plan(owner=planner, office=office, justice=justice, status=Status.EXECUTING, items=[item()])
        entity = insp.entity()
        InspectionTask.objects.create(department=plan.department, division_id=plan.division_id, year=YEAR,
                                      entity=entity, uscc=entity.uscc, draw=plan.draw,
                                      plan_ref=plan.code, window_start=plan.window_start,
                                      window_end=plan.window_end)
        with pytest.raises(ServiceError, match="1 项检查任务尚未完成"):
            services.plan_complete(acting_user=planner, plan=plan)
        assert Plan.objects.get(pk=plan.pk).status == Status.EXECUTING


class TestEndOfMarch:
    def test_r_p2_a_late_annual_plan_is_marked_late_and_needs_the_offices_recorded_acceptance(
            self, planner: Any, office: Any, justice: Any, on_day: Any) -> None:
        on_day(date(YEAR, 4, 10))
        entities(20)
        plan = services.plan_create(acting_user=planner, **plan_values(items=[item()]))
        plan = services.plan_submit(acting_user=planner, plan=plan)
        assert plan.is_late and plan in selectors.review_queue(office)
        with pytest.raises(ServiceError, match="逾期录入") as info:
            services.plan_office_approve(acting_user=office, plan=plan)
        assert "reason" in info.value.fields
        assert Plan.objects.get(pk=plan.pk).status == Status.SUBMITTED
        plan = services.plan_office_approve(acting_user=office, plan=plan, reason="因机构调整延误，同意受理")
        assert plan.late_accepted_by == office and plan.late_accepted_at is not None
        move = PlanTransition.objects.filter(plan=plan, action="office_approve").get()
        assert move.reason == "因机构调整延误，同意受理"
        event = AuditEvent.objects.filter(action="plan.office_approve", outcome=Outcome.SUCCESS).get()
        assert event.summary["late_accepted"] is True
        assert services.plan_justice_approve(acting_user=justice, plan=plan).status == Status.APPROVED

    def test_r_p2_a_plan_in_time_needs_no_acceptance(self, planner: Any, office: Any) -> None:
        entities(20)
        plan = services.plan_submit(acting_user=planner, plan=services.plan_create(
            acting_user=planner, **plan_values(items=[item()])))
        assert not plan.is_late
        assert services.plan_office_approve(acting_user=office, plan=plan).status == Status.OFFICE_APPROVED

    def test_r_p2_a_plan_whose_window_has_passed_is_refused(self, planner: Any, on_day: Any) -> None:
        entities(20)
        plan = services.plan_create(acting_user=planner, **plan_values(
            items=[item()], window_start=date(YEAR, 6, 1), window_end=date(YEAR, 6, 30)))
        on_day(date(YEAR, 7, 2))
        assert "已过" in _errors(plan)["R-P2"]
        with pytest.raises(ServiceError, match=r"\[R-P2\].*已过"):
            services.plan_submit(acting_user=planner, plan=plan)
        assert Plan.objects.get(pk=plan.pk).status == Status.DRAFT
