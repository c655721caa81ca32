"""R-P3 review workflow over the service layer: queues, history, a state machine that tries
every action by every actor, and two reviewers racing on PostgreSQL."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection, connections
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from spotcheck.accounts.roles import Role
from spotcheck.core.errors import Conflict, ServiceError
from spotcheck.planning import selectors, services
from spotcheck.planning.domain.review import ACTORS, REVIEW, TRANSITIONS, Action, Actor, Status
from spotcheck.planning.models import Plan, PlanTransition
from spotcheck.planning.tests import factories as f
from spotcheck.planning.tests.factories import this_year

YEAR = this_year()


@pytest.mark.django_db
@pytest.mark.usefixtures("march")
class TestQueuesAndHistory:
    def test_each_reviewer_sees_their_queue_of_their_division(
            self, planner: Any, office: Any, justice: Any, make_user: Any) -> None:
        """R-P3: the office reviews submitted plans; the justice bureau what the office passed."""
        draft = f.plan(owner=planner)
        submitted = f.plan(owner=planner, status=Status.SUBMITTED)
        passed = f.plan(owner=planner, status=Status.OFFICE_APPROVED, office=office)
        county_planner = make_user(Role.PLANNER, "361102-ENV")
        county = f.plan(owner=county_planner, status=Status.SUBMITTED)
        assert list(selectors.review_queue(office)) == [submitted]
        assert list(selectors.review_queue(justice)) == [passed]
        assert list(selectors.review_queue(make_user(Role.OFFICE, "361102-SAMR"))) == [county]
        assert list(selectors.review_queue(planner)) == []
        assert draft not in selectors.review_queue(office)

    def test_the_queue_carries_the_checks_computed_at_submission(self, planner: Any, office: Any) -> None:
        f.entities(100)
        plan = f.plan(owner=planner, status=Status.SUBMITTED)
        queued = selectors.review_queue(office).get()
        assert queued.figures["population"] == 100 and queued.figures["drawn"] == 5
        assert plan.transitions.get().checks == queued.figures["findings"]

    def test_who_reads_which_plans(self, planner: Any, office: Any, justice: Any, make_user: Any) -> None:
        draft = f.plan(owner=planner)
        approved = f.plan(owner=planner, status=Status.APPROVED, office=office, justice=justice)
        samr = f.plan(owner=make_user(Role.PLANNER, "361100-SAMR"))
        joint = f.plan(owner=office, target_class="A", items=[f.joint_item("361100-ENV")])
        env_inspector = make_user(Role.INSPECTOR)
        assert set(selectors.plan_list_for(planner)) == {draft, approved, joint}
        assert set(selectors.plan_list_for(office)) == {draft, approved, samr, joint}
        assert set(selectors.plan_list_for(justice)) == {draft, approved, samr, joint}
        assert list(selectors.plan_list_for(env_inspector)) == [approved]
        assert list(selectors.plan_list_for(make_user(Role.ENTERPRISE))) == []
        assert planner.has_perm("planning.view_plan", joint)
        assert not planner.has_perm("planning.change_plan", joint)
        assert not make_user(Role.PLANNER, "361100-SAMR").has_perm("planning.view_plan", draft)
        assert env_inspector.has_perm("planning.view_plan", approved)
        assert not env_inspector.has_perm("planning.view_plan", draft)

    def test_public_plans_are_the_approved_ones(self, planner: Any, office: Any, justice: Any) -> None:
        f.plan(owner=planner, status=Status.OFFICE_APPROVED, office=office)
        approved = f.plan(owner=planner, status=Status.APPROVED, office=office, justice=justice)
        executing = f.plan(owner=planner, status=Status.EXECUTING, office=office, justice=justice)
        assert list(selectors.public_plans("361100", YEAR)) == [approved, executing]
        assert list(selectors.public_plans("361100", YEAR + 1)) == []


# --- the state machine ---------------------------------------------------------------------

ROLES_FOR = {Actor.OWNER: "planner", Actor.OFFICE: "office", Actor.JUSTICE: "justice"}


@pytest.mark.django_db
@pytest.mark.usefixtures("march")
def test_no_path_reaches_approval_without_both_reviews_and_history_is_kept(make_user: Any) -> None:
    """R-P3 as a state machine over the services: any actor tries any action in any order,
    with or without a reason, sometimes from a stale copy. Invariants: the status is what the
    history says; the history only grows (a returned plan keeps its past); every approval
    follows an office approval by the office and is made by the justice bureau; a refused
    act changes nothing."""
    people = {
        "planner": make_user(Role.PLANNER), "office": make_user(Role.OFFICE),
        "justice": make_user(Role.JUSTICE), "other_planner": make_user(Role.PLANNER, "361100-SAMR"),
        "county_office": make_user(Role.OFFICE, "361102-SAMR"), "inspector": make_user(Role.INSPECTOR),
        "platform": None,
    }
    item = f.item()

    class ReviewMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.plan = services.plan_create(acting_user=people["planner"],
                                             **f.plan_values(items=[item]))
            self.history: list[int] = []
            self.stale: Plan | None = None

        def _fresh(self) -> Plan:
            return Plan.objects.select_related("department").get(pk=self.plan.pk)

        @rule(action=st.sampled_from(list(Action)), who=st.sampled_from(sorted(people)),
              reason=st.sampled_from(["", "比例偏低，请调整"]), use_stale=st.booleans())
        def act(self, action: Action, who: str, reason: str, use_stale: bool) -> None:
            before = self._fresh()
            status, version = Status(before.status), before.version
            target = self.stale if (use_stale and self.stale is not None) else before
            self.stale = self._fresh()
            try:
                after = services.plan_transition(acting_user=people[who], plan=target, action=action,
                                                 reason=reason)
            except ServiceError:
                now = self._fresh()
                assert (now.status, now.version) == (status, version)
                return
            assert after.version == version + 1, "a stale copy must never move the plan"
            assert TRANSITIONS[(status, action)] == Status(after.status)
            expected_role = ROLES_FOR[ACTORS[action]]
            assert who == "platform" or who == expected_role, f"{who} did {action}"

        @rule(choice=st.integers(0, 3))
        def proper_step(self, choice: int) -> None:
            """The right person takes an action the current status offers (so that deep
            states — approved, executing, closed — and returns from each review are reached)."""
            status = Status(self._fresh().status)
            offered = REVIEW.actions_from(status)
            if not offered:
                return
            action = offered[choice % len(offered)]
            who = "platform" if action == Action.START else ROLES_FOR[ACTORS[action]]
            self.act(action, who, "请补充抽查依据", False)
            event(f"{status.value} --{action.value}-->")

        @rule()
        def draw_executed(self) -> None:
            """The draws app executes the approved plan's draw (so that the plan may start)."""
            plan = self._fresh()
            if plan.status == Status.APPROVED and plan.draw_id is None:
                f.link_executed_draw(plan)

        def _rows(self) -> list[PlanTransition]:
            return list(PlanTransition.objects.filter(plan_id=self.plan.pk).order_by("version"))

        @invariant()
        def status_follows_the_history(self) -> None:
            rows = self._rows()
            plan = self._fresh()
            assert plan.status == (rows[-1].to_status if rows else Status.DRAFT)
            previous = Status.DRAFT.value
            for row in rows:
                assert row.from_status == previous
                previous = row.to_status

        @invariant()
        def history_only_grows(self) -> None:
            ids = [r.pk for r in self._rows()]
            assert ids[: len(self.history)] == self.history
            self.history = ids

        @invariant()
        def approval_needs_both_reviews(self) -> None:
            rows = self._rows()
            for i, row in enumerate(rows):
                if row.to_status == Status.APPROVED:
                    assert row.action == Action.JUSTICE_APPROVE
                    assert row.actor is None or row.actor.role == Role.JUSTICE
                    prior = rows[i - 1]
                    assert (prior.from_status, prior.to_status) == (Status.SUBMITTED, Status.OFFICE_APPROVED)
                    assert prior.actor is None or prior.actor.role == Role.OFFICE

    run_state_machine_as_test(ReviewMachine, settings=settings(
        max_examples=25, stateful_step_count=14, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))


# --- two reviewers at once (PostgreSQL) --------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("second", [Action.OFFICE_APPROVE, Action.OFFICE_RETURN])
def test_two_office_reviewers_at_once_exactly_one_wins(make_user: Any, on_day: Any, second: Action) -> None:
    """R-P3 with a race: two office reviewers act on the same submitted plan at the same
    moment, each on their own connection. Exactly one transition succeeds, the other gets
    Conflict, the history has exactly one row for the move — none is lost, none doubled."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    from datetime import date

    on_day(date(YEAR, 3, 1))
    planner = make_user(Role.PLANNER)
    reviewers = [make_user(Role.OFFICE), make_user(Role.OFFICE)]
    plan = f.plan(owner=planner, status=Status.SUBMITTED)
    barrier = threading.Barrier(2)
    outcomes: list[Any] = [None, None]
    actions = [Action.OFFICE_APPROVE, second]

    def review(i: int) -> None:
        try:
            mine = Plan.objects.select_related("department").get(pk=plan.pk)  # both see "submitted"
            barrier.wait(timeout=10)
            outcomes[i] = services.plan_transition(acting_user=reviewers[i], plan=mine,
                                                   action=actions[i], reason="请补充抽查依据")
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=review, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    won = [o for o in outcomes if isinstance(o, Plan)]
    lost = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(won) == 1 and len(lost) == 1, outcomes
    assert "计划已被他人处理" in lost[0].message
    moves = PlanTransition.objects.filter(plan=plan, from_status=Status.SUBMITTED)
    assert moves.count() == 1
    fresh = Plan.objects.get(pk=plan.pk)
    assert fresh.version == 3 and fresh.status == moves.get().to_status == won[0].status
