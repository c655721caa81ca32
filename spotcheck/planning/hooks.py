"""What the apps above planning register with it: the figures of the year's inspection tasks
(inspections) and the kept figures of a division's year (oversight).

The layers run one way: oversight > inspections > planning (docs/architecture.md). Planning
shows how many tasks of a plan's draw are still open (R-P1), the visits saved by joint
inspections, and the class-C coverage counted over the whole library (R-C2), without
importing the apps that know them. Each registers here in its ``AppConfig.ready``, by dotted
path: the registered object is imported when planning first asks for it, so a process that
shows no plan (a command, a worker) does not load the services above planning. This module
imports nothing of the apps above it, and nothing heavy of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, cast

from django.utils.module_loading import import_string

if TYPE_CHECKING:
    from spotcheck.accounts.models import Division


@dataclass(frozen=True)
class TaskFigures:
    """What the inspections app tells planning about its tasks."""

    window_savings: Callable[[Division | str, int], Mapping[str, Any]]
    open_tasks_of_draw: Callable[[int], int]


class KeptFigures(Protocol):
    """A division's year figures counted over the whole entity library and the year's tasks,
    as kept by the app above planning that keeps them (the oversight dashboard's)."""

    class_c_total: int
    class_c_planned: int
    class_a_population: int
    savings: Mapping[str, Any]
    computed_at: datetime


KeptFiguresReader = Callable[["Division", int], KeptFigures]

_task_figures: str | None = None  # the dotted path of the registered TaskFigures
_kept_figures: str | None = None  # the dotted path of the registered KeptFiguresReader


def register_task_figures(path: str) -> None:
    """The dotted path of a ``TaskFigures``."""
    global _task_figures
    _task_figures = path


def register_kept_figures(path: str) -> None:
    """The dotted path of ``read(division, year)``: the kept figures, counted again when a
    plan they depend on changed since."""
    global _kept_figures
    _kept_figures = path


def task_figures() -> TaskFigures | None:
    """The registered task figures; None when no app gives them."""
    return cast(TaskFigures, import_string(_task_figures)) if _task_figures else None


def kept_figures() -> KeptFiguresReader | None:
    """The registered reader of kept figures; None when no app keeps them."""
    return cast(KeptFiguresReader, import_string(_kept_figures)) if _kept_figures else None
