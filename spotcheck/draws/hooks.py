"""What the apps above draws register with it: what happens after a draw is executed, and
the plan a draw executes (the plan gate, at the end of this module).

The layers run one way: inspections > planning > draws (docs/architecture.md). The draws app
must not know who builds on an executed draw, yet an executed draw starts its plan (planning)
and becomes inspection tasks (inspections). So each upper app registers, in its
``AppConfig.ready``, a callback here, and ``draw_execute`` calls them once its result commits
(``transaction.on_commit``): a failure after the commit never undoes the draw.

Callbacks run in registration order, which is the order of ``INSTALLED_APPS`` (planning before
inspections): draw executed -> plan started -> tasks created. Each takes the draw's id, runs
its own service (which writes its own audit event) and is its own ``on_commit`` hook, so one
that fails leaves the others alone. This module imports nothing of the apps above it. A
callback is registered by its dotted path, imported when a draw first executes: a process
that executes no draw (a command, a worker) does not load the services above draws.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from django.db import transaction
from django.utils.module_loading import import_string

AfterDrawExecuted = Callable[[int], object]

_after_executed: dict[str, str] = {}  # name -> the callback's dotted path


def register_after_draw_executed(name: str, path: str) -> None:
    """Run the callback at ``path`` with the draw's id after every draw executes (its result
    committed). ``name`` makes registration idempotent: ``ready()`` may run more than once in
    tests."""
    _after_executed[name] = path


def after_draw_executed_callbacks() -> tuple[tuple[str, AfterDrawExecuted], ...]:
    """The registered callbacks in order, imported."""
    return tuple((name, import_string(path)) for name, path in _after_executed.items())


def on_draw_executed(draw_id: int) -> None:
    """Schedule the registered callbacks for when the current transaction commits."""
    for _name, callback in after_draw_executed_callbacks():
        transaction.on_commit(partial(callback, draw_id))


# --- the plan a draw executes ----------------------------------------------------------------
#
# Every draw that leads to inspections belongs to an approved plan (R-P3) and is checked again
# against it at each step (R-Q1, R-L1, R-A3). The plans live in planning, above draws; planning
# registers here, in its ``AppConfig.ready``, the few things draws asks of a plan. The rules and
# their refusals are planning's (``spotcheck.planning.draw_gate``); draws calls them inside its
# own transactions, so a step and its check see the same rows.


@dataclass(frozen=True)
class PlanGate:
    reload: Callable[[Any], Any]  # the plan afresh, with its department and division
    lock: Callable[[Any], Any]  # the plan's row alone, locked (select_for_update)
    of_draw: Callable[[Any], Any]  # the plan a draw executes, or None
    problem: Callable[[Any, Any], str | None]  # why a draw may not proceed on it (None: it may)
    name: Callable[[Any], str]  # "计划 code（title）"
    draw_spec: Callable[[Any], dict[str, Any]]  # the plan's draw specification
    attach: Callable[[Any, Any], None]  # the plan names the draw as its own
    strata_sizes: Callable[[Any, Sequence[str]], dict[str, int]]  # n_s by stratum name
    offered: Callable[[Any], Any]  # the plans a user may draw (a queryset)
    queryset: Callable[[], Any]  # every plan, to find one by its code (API)


_plan_gate: str | None = None  # its dotted path


def register_plan_gate(path: str) -> None:
    """The dotted path of the plan gate (imported when a draw asks)."""
    global _plan_gate
    _plan_gate = path


def plan_gate() -> PlanGate:
    if _plan_gate is None:  # planning not installed: no plan, so no draw (R-P3)
        raise LookupError("没有登记抽查计划：抽取须依据经审核批准的抽查计划（R-P3）。")
    return cast(PlanGate, import_string(_plan_gate))
