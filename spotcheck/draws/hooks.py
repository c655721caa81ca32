"""What happens after a draw is executed, registered by the apps above draws.

The layers run one way: inspections > planning > draws (docs/architecture.md). The draws app
must not know who builds on an executed draw, yet an executed draw starts its plan (planning)
and becomes inspection tasks (inspections). So each upper app registers, in its
``AppConfig.ready``, a callback here, and ``draw_execute`` calls them once its result commits
(``transaction.on_commit``): a failure after the commit never undoes the draw.

Callbacks run in registration order, which is the order of ``INSTALLED_APPS`` (planning before
inspections): draw executed -> plan started -> tasks created. Each takes the draw's id, runs
its own service (which writes its own audit event) and is its own ``on_commit`` hook, so one
that fails leaves the others alone. This module imports nothing of the apps above it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.db import transaction

AfterDrawExecuted = Callable[[int], object]

_after_executed: dict[str, AfterDrawExecuted] = {}


def register_after_draw_executed(name: str, callback: AfterDrawExecuted) -> None:
    """Run ``callback(draw_id)`` after every draw executes (its result committed). ``name``
    makes registration idempotent: ``ready()`` may run more than once in tests."""
    _after_executed[name] = callback


def after_draw_executed_callbacks() -> tuple[tuple[str, AfterDrawExecuted], ...]:
    return tuple(_after_executed.items())


def on_draw_executed(draw_id: int) -> None:
    """Schedule the registered callbacks for when the current transaction commits."""
    for _name, callback in _after_executed.items():
        transaction.on_commit(partial(callback, draw_id))
