"""The plan review workflow (R-P3) as a pure transition table.

draft → submitted → (office review) → office_approved → (justice review) → approved
→ executing → completed → closed; either reviewer may return the plan, with reasons, to
draft, from where it is resubmitted. No path reaches ``approved`` without both reviews:
``approved`` is only entered from ``office_approved`` by the justice bureau, and
``office_approved`` only from ``submitted`` by the office.

The service applies a transition with a guarded update (``core.domain.workflow``) so that two
reviewers acting at once cannot both succeed; every transition is recorded.

Pure: standard library only (and the pure ``core.domain``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from spotcheck.core.domain.workflow import TransitionRefused, TransitionTable


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    OFFICE_APPROVED = "office_approved"
    APPROVED = "approved"
    EXECUTING = "executing"
    COMPLETED = "completed"
    CLOSED = "closed"


class Action(StrEnum):
    SUBMIT = "submit"
    OFFICE_APPROVE = "office_approve"
    OFFICE_RETURN = "office_return"
    JUSTICE_APPROVE = "justice_approve"
    JUSTICE_RETURN = "justice_return"
    START = "start"
    COMPLETE = "complete"
    CLOSE = "close"


# Who may take an action: the plan's owner, the office, or the justice bureau.
class Actor(StrEnum):
    OWNER = "owner"
    OFFICE = "office"
    JUSTICE = "justice"


TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.DRAFT, Action.SUBMIT): Status.SUBMITTED,
    (Status.SUBMITTED, Action.OFFICE_APPROVE): Status.OFFICE_APPROVED,
    (Status.SUBMITTED, Action.OFFICE_RETURN): Status.DRAFT,
    (Status.OFFICE_APPROVED, Action.JUSTICE_APPROVE): Status.APPROVED,
    (Status.OFFICE_APPROVED, Action.JUSTICE_RETURN): Status.DRAFT,
    (Status.APPROVED, Action.START): Status.EXECUTING,
    (Status.EXECUTING, Action.COMPLETE): Status.COMPLETED,
    (Status.COMPLETED, Action.CLOSE): Status.CLOSED,
}

ACTORS: dict[Action, Actor] = {
    Action.SUBMIT: Actor.OWNER,
    Action.OFFICE_APPROVE: Actor.OFFICE,
    Action.OFFICE_RETURN: Actor.OFFICE,
    Action.JUSTICE_APPROVE: Actor.JUSTICE,
    Action.JUSTICE_RETURN: Actor.JUSTICE,
    Action.START: Actor.OWNER,
    Action.COMPLETE: Actor.OWNER,
    Action.CLOSE: Actor.OFFICE,
}

RETURNS = frozenset({Action.OFFICE_RETURN, Action.JUSTICE_RETURN})
EDITABLE = frozenset({Status.DRAFT})

LABELS = {
    Status.DRAFT: "草稿", Status.SUBMITTED: "待联席办审核", Status.OFFICE_APPROVED: "待司法局审核",
    Status.APPROVED: "已批准", Status.EXECUTING: "执行中", Status.COMPLETED: "已完成",
    Status.CLOSED: "已关闭",
}
ACTION_LABELS = {
    Action.SUBMIT: "提交审核", Action.OFFICE_APPROVE: "联席办审核通过", Action.OFFICE_RETURN: "联席办退回",
    Action.JUSTICE_APPROVE: "司法局审核通过", Action.JUSTICE_RETURN: "司法局退回",
    Action.START: "开始执行", Action.COMPLETE: "完成", Action.CLOSE: "关闭",
}


def _refusal(status: Any, action: Action) -> str:
    return f"计划处于“{LABELS[status]}”状态，不能执行“{ACTION_LABELS[action]}”。"


REVIEW = TransitionTable(TRANSITIONS, _refusal)


def require_reason(action: Action, reason: str) -> None:
    """A plan is returned with its reasons (R-P3)."""
    if action in RETURNS and not reason.strip():
        raise TransitionRefused("退回计划必须填写理由。", action=action)
