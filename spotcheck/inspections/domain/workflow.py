"""States of a task and of a visit, as a transition table (STYLE 5).

A task is due (待检查) from the draw on; the first result recorded starts it (检查中); the
visit is completed (已完成) once every item has a result. A task whose entity was replaced
by a substitute in the draw, before anything was recorded, is cancelled (已取消). Services
apply a step with ``core.domain.workflow.guarded_update``.

Pure: standard library only, and the pure ``core.domain`` (import-linter contract).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from spotcheck.core.domain.workflow import TransitionTable


class State(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Step(StrEnum):
    RECORD = "record"
    COMPLETE = "complete"
    CANCEL = "cancel"
    REOPEN = "reopen"  # the lead department returned the results for correction
    # R-R3: another department's confirmed result of the same matter is adopted; the task is
    # closed without a visit, only while nothing of its own was recorded.
    RECOGNISE = "recognise"


LABELS = {State.PENDING: "待检查", State.IN_PROGRESS: "检查中", State.COMPLETED: "已完成",
          State.CANCELLED: "已取消"}

TABLE: dict[tuple[State, Step], State] = {
    (State.PENDING, Step.RECORD): State.IN_PROGRESS,
    (State.IN_PROGRESS, Step.RECORD): State.IN_PROGRESS,
    (State.PENDING, Step.COMPLETE): State.COMPLETED,
    (State.IN_PROGRESS, Step.COMPLETE): State.COMPLETED,
    (State.PENDING, Step.CANCEL): State.CANCELLED,
    (State.COMPLETED, Step.REOPEN): State.IN_PROGRESS,
    (State.PENDING, Step.RECOGNISE): State.COMPLETED,
}

OPEN = frozenset({State.PENDING, State.IN_PROGRESS})


def _refusal(state: Any, step: Step) -> str:
    label = LABELS.get(State(state), state) if state in State._value2member_map_ else state
    what = {Step.RECORD: "录入结果", Step.COMPLETE: "完成检查", Step.CANCEL: "取消",
            Step.REOPEN: "退回修改", Step.RECOGNISE: "办理结果互认"}[step]
    return f"当前状态为“{label}”，不能{what}。"


WORKFLOW = TransitionTable(TABLE, _refusal)


# --- the review of results (R-R2): entry -> the lead department's check -> ready to publish


class Review(StrEnum):
    NONE = "none"  # not completed yet
    PENDING = "pending"  # completed, awaiting the lead department's check
    RETURNED = "returned"  # returned with a reason; the team corrects and completes again
    CONFIRMED = "confirmed"  # confirmed: ready for publication


class ReviewStep(StrEnum):
    SUBMIT = "submit"  # the visit is completed
    RETURN = "return"
    CONFIRM = "confirm"


REVIEW_LABELS = {Review.NONE: "未提交", Review.PENDING: "待牵头部门审核",
                 Review.RETURNED: "已退回修改", Review.CONFIRMED: "已确认，待公示"}

REVIEW_TABLE: dict[tuple[Review, ReviewStep], Review] = {
    (Review.NONE, ReviewStep.SUBMIT): Review.PENDING,
    (Review.RETURNED, ReviewStep.SUBMIT): Review.PENDING,
    (Review.PENDING, ReviewStep.RETURN): Review.RETURNED,
    (Review.PENDING, ReviewStep.CONFIRM): Review.CONFIRMED,
}


def _review_refusal(state: Any, step: ReviewStep) -> str:
    label = REVIEW_LABELS.get(Review(state), state) if state in Review._value2member_map_ else state
    what = {ReviewStep.SUBMIT: "提交审核", ReviewStep.RETURN: "退回", ReviewStep.CONFIRM: "确认"}[step]
    return f"检查结果当前为“{label}”，不能{what}。"


REVIEW = TransitionTable(REVIEW_TABLE, _review_refusal)
