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


LABELS = {State.PENDING: "待检查", State.IN_PROGRESS: "检查中", State.COMPLETED: "已完成",
          State.CANCELLED: "已取消"}

TABLE: dict[tuple[State, Step], State] = {
    (State.PENDING, Step.RECORD): State.IN_PROGRESS,
    (State.IN_PROGRESS, Step.RECORD): State.IN_PROGRESS,
    (State.PENDING, Step.COMPLETE): State.COMPLETED,
    (State.IN_PROGRESS, Step.COMPLETE): State.COMPLETED,
    (State.PENDING, Step.CANCEL): State.CANCELLED,
}

OPEN = frozenset({State.PENDING, State.IN_PROGRESS})


def _refusal(state: Any, step: Step) -> str:
    label = LABELS.get(State(state), state) if state in State._value2member_map_ else state
    what = {Step.RECORD: "录入结果", Step.COMPLETE: "完成检查", Step.CANCEL: "取消"}[step]
    return f"当前状态为“{label}”，不能{what}。"


WORKFLOW = TransitionTable(TABLE, _refusal)
