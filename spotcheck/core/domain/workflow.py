"""Workflows as transition tables (STYLE 5): one vocabulary for every app's states.

An app writes its table ``(state, action) -> next state`` and the Chinese message for an
action its table does not allow, as a :class:`TransitionTable`; :func:`next_state` is the
only way a service learns the next state, and :class:`TransitionRefused` the only refusal.
Services apply a transition with :func:`guarded_update`, a conditional
``UPDATE ... SET status = new WHERE status = expected``: when two users, two workers or a
worker and the command line act at once, one update applies and the other learns that it
did not (zero rows), so a transition never runs twice.

Pure: standard library only (import-linter contract); ``guarded_update`` takes the rows to
update (a queryset) without importing Django.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, Protocol, TypeVar, cast

S = TypeVar("S", bound=StrEnum)
A = TypeVar("A", bound=StrEnum)


class TransitionRefused(ValueError):
    """The action is not allowed in the current state; ``message`` is Chinese, for the user."""

    def __init__(self, message: str, *, state: Any = None, action: Any = None) -> None:
        super().__init__(message)
        self.message, self.state, self.action = message, state, action


@dataclass(frozen=True)
class TransitionTable(Generic[S, A]):
    """A workflow: the allowed transitions, and the refusal message for every other pair
    (``refusal(state, action)``; ``state`` is as stored, possibly not a known state)."""

    transitions: Mapping[tuple[S, A], S]
    refusal: Callable[[Any, A], str]

    def actions_from(self, state: str) -> list[A]:
        return [action for (src, action) in self.transitions if src == state]


def next_state(table: TransitionTable[S, A], state: Any, action: A) -> S:
    """The state after ``action`` in ``state``; :class:`TransitionRefused` when not allowed.
    ``state`` may be the stored string: a ``StrEnum`` member equals and hashes as its value."""
    target = cast(Mapping[tuple[Any, Any], S], table.transitions).get((state, action))
    if target is None:
        raise TransitionRefused(table.refusal(state, action), state=state, action=action)
    return target


class Rows(Protocol):
    """What :func:`guarded_update` needs of a queryset."""

    def filter(self, **kwargs: Any) -> Rows: ...

    def update(self, **kwargs: Any) -> int: ...


def guarded_update(rows: Rows, *, expected: str, new: str, field: str = "status",
                   **values: Any) -> int:
    """``UPDATE rows SET field = new, values... WHERE field = expected``; how many rows it
    applied to (0: the rows moved on, or are gone — someone else got there first)."""
    return int(rows.filter(**{field: expected}).update(**{field: new}, **values))
