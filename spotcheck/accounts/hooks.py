"""What accounts uses of the entity library, registered by registry (docs/architecture.md).

The layers run one way: registry > accounts. Yet an enterprise account is bound to an entity
of the library (found by its USCC), and the reference data that ``migrate`` brings in
line includes the library's key-field vocabulary (R-A1). So registry registers, in its
``AppConfig.ready``:

- an entity finder, by primary key and by USCC, for the enterprise-account pages;
- a reference step, run by ``reference_sync`` inside its transaction, with the models whose
  tables must exist before it runs.

This module imports nothing of the apps above accounts. Registration is by name, so
``ready()`` may run more than once (tests) without doubling anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import Http404


@dataclass(frozen=True)
class EntityFinder:
    by_pk: Callable[[int], Any]  # the entity or None
    by_uscc: Callable[[str], Any]  # the entity or None


@dataclass(frozen=True)
class ReferenceStep:
    run: Callable[[], int]  # rows created
    models: tuple[Any, ...]  # whose tables must exist before it runs


_entity_finder: EntityFinder | None = None
_reference_steps: dict[str, ReferenceStep] = {}


def register_entity_finder(finder: EntityFinder) -> None:
    global _entity_finder
    _entity_finder = finder


def _finder() -> EntityFinder:
    if _entity_finder is None:  # registry not installed: no entity to bind an account to
        raise LookupError("没有登记检查对象名录库的查找函数。")
    return _entity_finder


def entity_by_uscc(uscc: str) -> Any:
    """The entity with this USCC, or None."""
    return _finder().by_uscc(uscc)


def entity_or_404(pk: int) -> Any:
    entity = _finder().by_pk(pk)
    if entity is None:
        raise Http404("没有这个检查对象。")
    return entity


def register_reference_step(name: str, step: ReferenceStep) -> None:
    """Run ``step`` with every reference sync; ``name`` keys its count in the changes."""
    _reference_steps[name] = step


def reference_steps() -> tuple[tuple[str, ReferenceStep], ...]:
    return tuple(_reference_steps.items())
