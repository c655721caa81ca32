"""R-P3 review workflow as a pure table: every path to approval passes both reviews."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spotcheck.core.domain.workflow import TransitionRefused, next_state
from spotcheck.planning.domain.review import (
    ACTORS,
    REVIEW,
    TRANSITIONS,
    Action,
    Actor,
    Status,
    require_reason,
)


def test_the_happy_path_needs_the_office_then_justice() -> None:
    status = Status.DRAFT
    for action in [Action.SUBMIT, Action.OFFICE_APPROVE, Action.JUSTICE_APPROVE, Action.START,
                   Action.COMPLETE, Action.CLOSE]:
        status = next_state(REVIEW, status, action)
    assert status == Status.CLOSED


def test_justice_cannot_approve_before_the_office() -> None:
    with pytest.raises(TransitionRefused, match="待联席办审核"):
        next_state(REVIEW, Status.SUBMITTED, Action.JUSTICE_APPROVE)


def test_a_return_needs_a_reason_and_goes_back_to_draft() -> None:
    with pytest.raises(TransitionRefused, match="理由"):
        require_reason(Action.OFFICE_RETURN, "  ")
    require_reason(Action.OFFICE_RETURN, "比例过高")
    assert next_state(REVIEW, Status.SUBMITTED, Action.OFFICE_RETURN) == Status.DRAFT
    assert next_state(REVIEW, Status.OFFICE_APPROVED, Action.JUSTICE_RETURN) == Status.DRAFT


def test_reviews_are_done_by_the_reviewers() -> None:
    assert ACTORS[Action.OFFICE_APPROVE] == Actor.OFFICE
    assert ACTORS[Action.JUSTICE_APPROVE] == Actor.JUSTICE
    assert ACTORS[Action.SUBMIT] == Actor.OWNER
    assert set(ACTORS) == {a for (_, a) in TRANSITIONS}


@given(st.lists(st.sampled_from(list(Action)), max_size=30))
def test_no_path_reaches_approved_without_both_reviews(actions: list[Action]) -> None:
    status = Status.DRAFT
    office = justice = False
    for action in actions:
        if action not in REVIEW.actions_from(status):
            continue
        status = next_state(REVIEW, status, action)
        if action == Action.OFFICE_APPROVE:
            office = True
        elif action == Action.JUSTICE_APPROVE:
            justice = True
        elif status == Status.DRAFT:
            office = justice = False  # a returned plan is reviewed again from the start
        if status == Status.APPROVED:
            assert office and justice
