"""Reads of draws: scoped lists, the population of a draw as SCD-1 lines, its roster and
conflicts, the selection and the teams, an inspector's assignments.

``population_rows`` streams ``(uscc, stratum)`` in USCC byte order straight from the
database (a server-side cursor), fetching only the columns the strata need: a provincial
population of millions never becomes model objects. On PostgreSQL ``population_blocks`` has
the database render population.csv's lines itself, the same bytes in the same order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Collate, Concat, Left

from spotcheck.accounts.divisions import division_codes
from spotcheck.accounts.models import Department
from spotcheck.accounts.predicates import is_audit_admin, is_government_staff
from spotcheck.core.domain.uscc import uscc_is_valid
from spotcheck.draws.domain.lifecycle import DONE, PUBLIC
from spotcheck.draws.domain.spec import (
    DIMENSION_INDEX,
    EXPERT_SUFFIX,
    STRATUM_PREFIX,
    DrawSpec,
    parse_spec,
    stratum_namer,
)
from spotcheck.draws.models import Assignment, Draw, DrawExclusion, Selection, SelectionState
from spotcheck.registry.models import EntityTag, MarketEntity
from spotcheck.roster.selectors import conflict_lines, roster_lines
from verifier import verify_draw as vd

# The entity table's column behind each strata dimension, in ``DIMENSIONS``' order (which is
# ``stratum_namer``'s).
DIMENSION_COLUMNS = {"class": "library_class", "division": "division_id", "risk": "risk_level",
                     "industry": "industry", "kind": "kind"}


# --- lists --------------------------------------------------------------------------------


def draw_list_for(user: Any) -> QuerySet[Draw]:
    """Draws the user may read: the division's for government staff; all for the auditor."""
    qs = Draw.objects.select_related("department", "division").order_by("-id")
    if is_audit_admin(user):
        return qs
    if is_government_staff(user):
        return qs.filter(division_id=user.division_id)
    return qs.none()


def public_draws() -> QuerySet[Draw]:
    """Draws the public portal shows: announced or later, and cancelled ones that had been
    announced (with the reason)."""
    return (Draw.objects.select_related("department", "division")
            .filter(Q(status__in=[s.value for s in PUBLIC]) | Q(status="cancelled", announcement__gt=""))
            .order_by("-id"))


def draw_detail(pk: int) -> Draw:
    return Draw.objects.select_related("department", "division", "created_by", "announced_by",
                                       "executed_by", "published_by").get(pk=pk)


# --- the population -----------------------------------------------------------------------


def population_filter(draw: Draw, spec: DrawSpec | None = None) -> Q:
    """``population_queryset``'s condition on one entity row, for use inside another query
    (the plan overlap applies several to the groups of one population in a single statement)."""
    spec = spec or parse_spec(draw.spec)
    q = Q(library_class__in=spec.classes, status__in=spec.statuses,
          division_id__in=division_codes(spec.divisions or [draw.division_id]))
    if spec.industries:
        q &= Q(industry__in=spec.industries)
    if spec.kinds:
        q &= Q(kind__in=spec.kinds)
    if spec.risk_levels:
        q &= Q(risk_level__in=spec.risk_levels)
    if spec.tags:
        q &= Q(Exists(EntityTag.objects.filter(entity_id=OuterRef("pk"), tag__name__in=spec.tags)))
    if draw.pk and draw.excluded_count:
        q &= ~Q(Exists(DrawExclusion.objects.filter(draw_id=draw.pk, uscc=OuterRef("uscc"))))
    return q


def population_queryset(draw: Draw, spec: DrawSpec | None = None) -> QuerySet[MarketEntity]:
    """The entities the draw's specification admits; deregistered, revoked and moved-out
    entities never, nor the draw's exclusions."""
    spec = spec or parse_spec(draw.spec)
    qs = MarketEntity.objects.filter(
        library_class__in=spec.classes, status__in=spec.statuses,
        division_id__in=division_codes(spec.divisions or [draw.division_id]))
    if spec.industries:
        qs = qs.filter(industry__in=spec.industries)
    if spec.kinds:
        qs = qs.filter(kind__in=spec.kinds)
    if spec.risk_levels:
        qs = qs.filter(risk_level__in=spec.risk_levels)
    if spec.tags:
        qs = qs.filter(Exists(EntityTag.objects.filter(entity_id=OuterRef("pk"), tag__name__in=spec.tags)))
    if draw.pk and draw.excluded_count:
        qs = qs.filter(~Exists(DrawExclusion.objects.filter(draw_id=draw.pk, uscc=OuterRef("uscc"))))
    return qs


def _byte_order(field: str) -> Any:
    """ORDER BY the column's bytes: PostgreSQL collations do not sort by bytes, SQLite does."""
    if connection.vendor == "postgresql":
        return Collate(field, "C")
    return field


def population_rows(draw: Draw, spec: DrawSpec | None = None, *, chunk_size: int = 20_000
                    ) -> Iterator[tuple[str, str]]:
    """``(uscc, stratum)`` of the population in USCC byte order, streamed."""
    spec = spec or parse_spec(draw.spec)
    name = stratum_namer(spec.strata)
    columns = [DIMENSION_COLUMNS[d] for d in spec.strata]
    qs = population_queryset(draw, spec).order_by(_byte_order("uscc")).values_list("uscc", *columns)
    if not spec.strata:
        for row in qs.iterator(chunk_size=chunk_size):
            yield row[0], "all"
        return
    if spec.strata == ("class", "division"):  # the common case, without the generic call
        for u, c, d in qs.iterator(chunk_size=chunk_size):
            yield u, f"{c}.{d}"
        return
    positions = [DIMENSION_INDEX[d] for d in spec.strata]
    industry = DIMENSION_INDEX["industry"]
    for row in qs.iterator(chunk_size=chunk_size):
        values = [""] * len(DIMENSION_INDEX)
        for pos, value in zip(positions, row[1:], strict=True):
            values[pos] = value[:1] if pos == industry else value  # industry: its section letter
        yield row[0], name(*values)


def _population_line(spec: DrawSpec) -> Concat:
    """``uscc,STRATUM`` as SQL: ``population_rows``' stratum name (``stratum_namer``), built
    by the database."""
    parts: list[Any] = []
    for d in spec.strata:
        if parts:
            parts.append(Value("."))
        if STRATUM_PREFIX[d]:
            parts.append(Value(STRATUM_PREFIX[d]))
        column = DIMENSION_COLUMNS[d]
        parts.append(Left(column, 1) if d == "industry" else F(column))  # industry: its section letter
    return Concat(F("uscc"), Value(","), *(parts or [Value("all")]), output_field=TextField())


def population_blocks(draw: Draw, spec: DrawSpec | None = None, *, rows: int = 1_000_000,
                      batch: int = 50_000, counted: Callable[[int], Any] | None = None
                      ) -> Iterator[bytes]:
    """PostgreSQL only: population.csv as blocks of whole lines that the database writes
    itself, byte for byte ``population_rows`` joined as ``uscc,stratum\\n`` (the same filter,
    the same USCC byte order): no Python call per line, a provincial population included.

    One statement reads at most ``rows`` lines, the next one those after the last USCC read
    (USCCs are unique); the connection is free between blocks (the statement's result is
    already read), so the caller may write its progress. ``counted`` is told the number of
    lines of each statement as soon as it has run, before its first block.
    """
    spec = spec or parse_spec(draw.spec)
    base = (population_queryset(draw, spec).alias(_key=_byte_order("uscc")).order_by("_key")
            .annotate(_line=_population_line(spec)).values_list("_line"))
    last: str | None = None
    while True:
        qs = base.filter(_key__gt=last) if last is not None else base
        sql, params = qs[:rows].query.sql_with_params()
        n = 0
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            if counted is not None:
                counted(cursor.rowcount)
            while lines := [line for line, in cursor.fetchmany(batch)]:
                n += len(lines)
                last = lines[-1].split(",", 1)[0]
                yield ("\n".join(lines) + "\n").encode("ascii")
        if n < rows:
            return


def entities_by_uscc(usccs: Sequence[str]) -> dict[str, tuple[int, str, str]]:
    """{uscc: (entity id, name, status)} for the entities of the library among ``usccs`` (tens
    of thousands after a provincial draw): one array parameter per 20,000 codes on PostgreSQL
    instead of a long IN list, chunks of 1,000 elsewhere."""
    out: dict[str, tuple[int, str, str]] = {}
    if connection.vendor == "postgresql":
        sql = (f"SELECT uscc, id, name, status FROM {MarketEntity._meta.db_table} "  # noqa: S608 - fixed names
               "WHERE uscc = ANY(%s)")
        with connection.cursor() as cursor:
            for i in range(0, len(usccs), 20_000):
                cursor.execute(sql, [list(usccs[i:i + 20_000])])
                out.update((u, (pk, name, status)) for u, pk, name, status in cursor.fetchall())
        return out
    for i in range(0, len(usccs), 1000):
        chunk = MarketEntity.objects.filter(uscc__in=usccs[i:i + 1000])
        out.update((u, (pk, name, status))
                   for u, pk, name, status in chunk.values_list("uscc", "pk", "name", "status"))
    return out


def population_estimate(draw: Draw) -> int:
    return population_queryset(draw).count()


# --- roster and conflicts -------------------------------------------------------------


def team_departments(spec: DrawSpec, division_id: str) -> dict[str, Department]:
    if spec.team is None:
        return {}
    return {d.code: d for d in Department.objects.filter(code__in=spec.team.department_codes)}


def team_roster(spec: DrawSpec, on_date: date, departments: dict[str, Department]
                ) -> list[vd.Inspector]:
    """roster.csv of the team's departments on ``on_date``: enforcement inspectors under
    their department's code, and, if a slot asks for one, experts under ``<code>.expert``
    (R-I2: experts come on top of the two enforcement inspectors). Joint draws take the
    office's joint pool only (R-I3)."""
    assert spec.team is not None
    ids = [d.pk for d in departments.values()]
    pool = spec.team.joint_pool
    enforcement = roster_lines(ids, on_date, joint_pool_only=pool)
    lines = [vd.Inspector(r.inspector_id, r.dept, r.tags) for r in enforcement]
    if spec.team.with_experts:
        known = {r.inspector_id for r in enforcement}
        for r in roster_lines(ids, on_date, include_experts=True, joint_pool_only=pool):
            if r.inspector_id not in known:
                lines.append(vd.Inspector(r.inspector_id, r.dept + EXPERT_SUFFIX, r.tags))
    return sorted(lines, key=lambda i: i.id.encode())


def team_conflicts(draw: Draw, spec: DrawSpec, on_date: date, departments: dict[str, Department]
                   ) -> list[tuple[str, str]]:
    """conflicts.csv: declarations in force of the roster's inspectors about entities of the
    population (checked in the database, a thousand codes at a time)."""
    assert spec.team is not None
    pairs = conflict_lines([d.pk for d in departments.values()], on_date,
                           include_experts=spec.team.with_experts,
                           joint_pool_only=spec.team.joint_pool)
    usccs = sorted({u for u, _ in pairs if uscc_is_valid(u)})
    present: set[str] = set()
    population = population_queryset(draw, spec)
    for i in range(0, len(usccs), 1000):
        present.update(population.filter(uscc__in=usccs[i:i + 1000]).values_list("uscc", flat=True))
    return sorted(p for p in pairs if p[0] in present)


# --- results ------------------------------------------------------------------------------


def selection_of(draw: Draw, *, active_only: bool = False) -> QuerySet[Selection]:
    qs = (Selection.objects.filter(draw=draw).select_related("replaces")
          .prefetch_related("assignments__inspector").order_by("position"))
    if active_only:
        qs = qs.exclude(state=SelectionState.REPLACED)
    return qs


def teams_of(draw: Draw) -> dict[str, list[Assignment]]:
    """The team of every entity to inspect, by USCC, in slot order."""
    teams: dict[str, list[Assignment]] = defaultdict(list)
    for a in (Assignment.objects.filter(selection__draw=draw)
              .exclude(selection__state=SelectionState.REPLACED)
              .select_related("selection", "inspector").order_by("selection__position", "slot")):
        teams[a.selection.uscc].append(a)
    return dict(teams)


def assignments_for(user: Any) -> QuerySet[Assignment]:
    """An inspector's own assignments in executed draws (the home page)."""
    return (Assignment.objects
            .filter(inspector__user_id=user.pk, selection__draw__status__in=[s.value for s in DONE])
            .exclude(selection__state=SelectionState.REPLACED)
            .select_related("selection", "selection__draw")
            .order_by("selection__draw__window_start", "-selection__draw_id", "selection__position"))
