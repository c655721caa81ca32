"""The transition table of a draw (DRAW.md section 7: the order of events enforced)."""

from __future__ import annotations

import pytest

from spotcheck.core.domain.workflow import TransitionRefused, next_state
from spotcheck.draws.domain.lifecycle import LIFECYCLE, TRANSITIONS, Action, Status


def test_the_normal_path_goes_from_prepared_to_published() -> None:
    status = Status.PREPARED
    for action in (Action.ANNOUNCE, Action.FROZEN, Action.REVEALED, Action.EXECUTE, Action.EXECUTED,
                   Action.PUBLISH):
        status = next_state(LIFECYCLE, status, action)
    assert status == Status.PUBLISHED


@pytest.mark.parametrize("status", [Status.EXECUTING, Status.EXECUTED, Status.PUBLISHED])
def test_a_draw_is_never_executed_twice(status: Status) -> None:
    with pytest.raises(TransitionRefused, match="不能重复执行"):
        next_state(LIFECYCLE, status, Action.EXECUTE)


def test_execution_needs_the_reveals_first() -> None:
    with pytest.raises(TransitionRefused, match="尚未公告"):
        next_state(LIFECYCLE, Status.PREPARED, Action.EXECUTE)
    with pytest.raises(TransitionRefused, match="尚未全部揭示"):
        next_state(LIFECYCLE, Status.ANNOUNCED, Action.EXECUTE)


def test_an_announcement_is_never_made_again() -> None:
    with pytest.raises(TransitionRefused, match="公告不可更改"):
        next_state(LIFECYCLE, Status.ANNOUNCED, Action.ANNOUNCE)


def test_failed_work_returns_to_the_state_before_it() -> None:
    assert next_state(LIFECYCLE, Status.ANNOUNCING, Action.FREEZE_FAILED) == Status.PREPARED
    assert next_state(LIFECYCLE, Status.EXECUTING, Action.EXECUTE_FAILED) == Status.REVEALED


def test_only_prepared_and_announced_draws_can_be_cancelled() -> None:
    cancellable = {s for s in Status if Action.CANCEL in LIFECYCLE.actions_from(s)}
    assert cancellable == {Status.PREPARED, Status.ANNOUNCED}


def test_every_refusal_explains_itself_in_chinese() -> None:
    for status in Status:
        for action in Action:
            if (status, action) in TRANSITIONS:
                continue
            with pytest.raises(TransitionRefused) as info:
                next_state(LIFECYCLE, status, action)
            message = info.value.message
            assert message.endswith("。") and any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_nothing_leaves_a_final_state() -> None:
    assert LIFECYCLE.actions_from(Status.PUBLISHED) == []
    assert LIFECYCLE.actions_from(Status.CANCELLED) == []
