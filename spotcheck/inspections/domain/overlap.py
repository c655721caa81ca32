"""Overlap detection: one visit per entity per window (进一次门、填一张表、查多项事).

After the draws of a window, an entity that two or more departments would visit — drawn by
several departments (R-B3), drawn by one and due for a class-C inspection by another, or due
for class C by several (R-C3) — becomes one joint inspection: one visit, one team (the
departments' drawn inspectors together), one form with all the departments' items. Class-A
inspections are joint by rule (R-A3) and arrive here already as one selection of the office.

The lead department is the one with the most items; ties go to the smaller department code.
A different lead can be agreed later by the departments (the service records that); this
module only proposes the default.

Invariants: every input visit ends in exactly one output visit; an entity appears in at most
one output visit; visits_saved = visits_before - visits_after >= 0.

Pure: standard library only (import-linter contract). Input is columnar — a selection is
one department's entities for one set of items — because that is what a draw produces, and
it lets the count run at C speed over millions of entries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field


class Source:
    DRAW = "draw"
    CLASS_C = "class_c"


@dataclass(frozen=True)
class Selection:
    """One department's due visits in a window: the entities of one draw or class-C plan."""

    department: str
    plan: str
    items: tuple[str, ...]
    entities: Sequence[str]
    source: str = Source.DRAW
    # Team per entity, from the draw's assignment (may be empty: assigned later).
    teams: Mapping[str, Sequence[str]] = field(default_factory=dict)


@dataclass
class Visit:
    """One visit to one entity: joint when more than one department takes part."""

    entity: str
    lead: str
    items: dict[str, list[str]]  # department -> its items, in the order first seen
    plans: list[str]
    sources: set[str]
    team: list[str]

    @property
    def departments(self) -> list[str]:
        return sorted(self.items)

    @property
    def is_joint(self) -> bool:
        return len(self.items) > 1


@dataclass
class MergeResult:
    """The merged window, kept as sets: ``Visit`` objects are built as they are read (to be
    written), so that finding a province's overlaps costs little more than reading its ids."""

    selections: list[Selection]
    visits_before: int  # one per selection entry: what entities would get without merging
    visits_after: int  # one per distinct entity
    shared: set[str]  # entities named by more than one selection
    members: list[set[str]]  # per selection, its entities that are in ``shared``

    @property
    def visits_saved(self) -> int:
        return self.visits_before - self.visits_after

    def visits(self) -> Iterator[Visit]:
        """Every visit: single ones in selection order, then the merged ones."""
        for sel in self.selections:
            for entity in sel.entities:
                if entity not in self.shared:
                    yield Visit(entity, sel.department,
                                {sel.department: list(dict.fromkeys(sel.items))},
                                [sel.plan], {sel.source}, list(sel.teams.get(entity, ())))
        yield from self.merged()

    def merged(self) -> Iterator[Visit]:
        """Entities named by more than one selection: joint when departments differ."""
        groups: dict[str, list[int]] = defaultdict(list)
        for index, members in enumerate(self.members):
            for entity in members:
                groups[entity].append(index)
        selections = self.selections
        for entity, indexes in groups.items():
            items: dict[str, list[str]] = {}
            plans: list[str] = []
            sources: set[str] = set()
            team: list[str] = []
            for index in indexes:
                sel = selections[index]
                mine = items.get(sel.department)
                if mine is None:
                    items[sel.department] = list(dict.fromkeys(sel.items))
                else:
                    mine.extend(item for item in sel.items if item not in mine)
                if sel.plan not in plans:
                    plans.append(sel.plan)
                sources.add(sel.source)
                if sel.teams:
                    team.extend(i for i in sel.teams.get(entity, ()) if i not in team)
            yield Visit(entity, lead_of(items), items, plans, sources, team)

    def joint(self) -> Iterator[Visit]:
        return (visit for visit in self.merged() if visit.is_joint)


def lead_of(items: Mapping[str, Sequence[str]]) -> str:
    """The department with the most items; ties to the smaller code."""
    return min(items, key=lambda dept: (-len(items[dept]), dept))


def merge(selections: Iterable[Selection]) -> MergeResult:
    """One visit per entity. Detection uses only set operations (C speed): an entity is
    shared when an earlier selection already named it. A selection names an entity once."""
    selections = list(selections)
    seen: set[str] = set()
    shared: set[str] = set()
    total = 0
    for sel in selections:
        total += len(sel.entities)
        shared |= seen.intersection(sel.entities)
        seen.update(sel.entities)
    members = [shared.intersection(sel.entities) for sel in selections]
    return MergeResult(selections, total, len(seen), shared, members)


def burden(selections: Iterable[Selection]) -> dict[str, int]:
    """Visits each entity would receive without merging (the burden shown per entity)."""
    counts: dict[str, int] = defaultdict(int)
    for sel in selections:
        for entity in sel.entities:
            counts[entity] += 1
    return dict(counts)
