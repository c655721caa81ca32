"""The life of a draw as a transition table (DRAW.md section 7: the order of events enforced).

    prepared ─announce─▶ announcing ─frozen─▶ announced ─revealed─▶ revealed
        │                    └─freeze_failed─▶ prepared      │
        └──────────── cancel ◀───────────────────────────────┘ (prepared, announced)
    revealed ─execute─▶ executing ─executed─▶ executed ─publish─▶ published
                            └─execute_failed─▶ revealed

``announcing`` and ``executing`` exist because a provincial draw freezes and selects
millions of rows in the worker: the first guarded update claims the work, so two clicks, two
workers or a worker and the command line never run it twice. Services apply a transition with
``core.domain.workflow.guarded_update``; nothing applied means someone else got there first
(STYLE 5).

Pure: no Django, no app code (import-linter contract).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from spotcheck.core.domain.workflow import TransitionTable


class Status(StrEnum):
    PREPARED = "prepared"
    ANNOUNCING = "announcing"
    ANNOUNCED = "announced"
    REVEALED = "revealed"
    EXECUTING = "executing"
    EXECUTED = "executed"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Action(StrEnum):
    ANNOUNCE = "announce"
    FROZEN = "frozen"
    FREEZE_FAILED = "freeze_failed"
    REVEALED = "revealed"
    EXECUTE = "execute"
    EXECUTED = "executed"
    EXECUTE_FAILED = "execute_failed"
    PUBLISH = "publish"
    CANCEL = "cancel"


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.PREPARED, Action.ANNOUNCE): Status.ANNOUNCING,
    (Status.ANNOUNCING, Action.FROZEN): Status.ANNOUNCED,
    (Status.ANNOUNCING, Action.FREEZE_FAILED): Status.PREPARED,
    (Status.ANNOUNCED, Action.REVEALED): Status.REVEALED,
    (Status.REVEALED, Action.EXECUTE): Status.EXECUTING,
    (Status.EXECUTING, Action.EXECUTED): Status.EXECUTED,
    (Status.EXECUTING, Action.EXECUTE_FAILED): Status.REVEALED,
    (Status.EXECUTED, Action.PUBLISH): Status.PUBLISHED,
    # A correction after the announcement is a new draw (DRAW.md section 2): cancel this one.
    (Status.PREPARED, Action.CANCEL): Status.CANCELLED,
    (Status.ANNOUNCED, Action.CANCEL): Status.CANCELLED,
}

LABELS = {
    Status.PREPARED: "已准备",
    Status.ANNOUNCING: "公告生成中",
    Status.ANNOUNCED: "已公告",
    Status.REVEALED: "已揭示",
    Status.EXECUTING: "抽取中",
    Status.EXECUTED: "已抽取",
    Status.PUBLISHED: "已公示",
    Status.CANCELLED: "已撤销",
}

ACTION_LABELS = {
    Action.ANNOUNCE: "公告",
    Action.FROZEN: "完成公告",
    Action.FREEZE_FAILED: "公告失败",
    Action.REVEALED: "完成揭示",
    Action.EXECUTE: "执行抽取",
    Action.EXECUTED: "完成抽取",
    Action.EXECUTE_FAILED: "抽取失败",
    Action.PUBLISH: "公示结果",
    Action.CANCEL: "撤销",
}

# Why an action is refused in a state, when the plain "not allowed" would not help.
_WHY = {
    (Status.PREPARED, Action.EXECUTE): "抽取尚未公告，不能执行",
    (Status.ANNOUNCED, Action.EXECUTE): "承诺值尚未全部揭示（或信标值未经确认），不能执行",
    (Status.EXECUTING, Action.EXECUTE): "该抽取正在执行，不能重复执行",
    (Status.EXECUTED, Action.EXECUTE): "该抽取已执行，不能重复执行",
    (Status.PUBLISHED, Action.EXECUTE): "该抽取已执行并公示，不能重复执行",
    (Status.ANNOUNCED, Action.ANNOUNCE): "该抽取已公告，公告不可更改；如需更正请撤销后新建抽取",
}

# States in which the draw is public (the announcement exists).
PUBLIC = frozenset({Status.ANNOUNCED, Status.REVEALED, Status.EXECUTING, Status.EXECUTED,
                    Status.PUBLISHED})
# States in which a result exists.
DONE = frozenset({Status.EXECUTED, Status.PUBLISHED})
# The order in which a draw normally passes its states (for the page's timeline).
TIMELINE = (Status.PREPARED, Status.ANNOUNCED, Status.REVEALED, Status.EXECUTED, Status.PUBLISHED)


def _refusal(status: Any, action: Action) -> str:
    why = _WHY.get((status, action)) or (
        f"抽取处于“{LABELS[Status(status)]}”状态，不能{ACTION_LABELS[action]}")
    return why + "。"


LIFECYCLE = TransitionTable(TRANSITIONS, _refusal)
