"""Reads of plans: scoped lists, the review queues, the calendar of a year, the figures the
editor and the reviewers see (population, strata, quota, class-A share, overlap, rule
findings), coverage, and what the draws, inspections and the public portal read.

The population of a plan is exactly the population its draw will have: it is built by the
draws app's own ``population_queryset`` from the specification ``plan_draw_spec`` gives.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FullResultSet
from django.db import connections
from django.db.models import Count, Field, Max, Prefetch, Q, QuerySet
from django.db.models.constants import LOOKUP_SEP

from spotcheck.accounts.divisions import division_codes, related_divisions
from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.predicates import (
    is_dept_admin,
    is_inspector,
    is_justice,
    is_office,
    is_planner,
    is_reviewer,
)
from spotcheck.catalog.models import InspectionItem
from spotcheck.core import clock
from spotcheck.draws.domain.spec import (
    DRAWABLE_STATUSES,
    EXPERT_SUFFIX,
    DrawSpec,
    parse_spec,
    stratum_name,
)
from spotcheck.draws.models import Draw
from spotcheck.draws.selectors import DIMENSION_COLUMNS, population_filter, population_queryset
from spotcheck.planning import hooks
from spotcheck.planning.domain.calendar import YearCalendar
from spotcheck.planning.domain.checks import (
    CLASS_A_CAP_BP,
    FULL_BP,
    Finding,
    PlanFacts,
    PlannedItem,
    check_plan,
    class_a_headroom,
)
from spotcheck.planning.domain.office import DuplicateHit, ItemNorm, office_findings
from spotcheck.planning.domain.overlap import (
    GROUP_DIMENSIONS,
    expected_overlap,
    selection_rates,
    windows_overlap,
)
from spotcheck.planning.domain.quota import (
    RiskEffect,
    StrataScope,
    effect_by_risk,
    ordered_dimensions,
    stratum_label,
)
from spotcheck.planning.domain.review import Status
from spotcheck.planning.models import (
    APPROVED_OR_LATER,
    DONE,
    PUT_FORWARD,
    Plan,
    PlanItem,
    PlanningYear,
    PlanTransition,
)
from spotcheck.registry.models import MarketEntity
from spotcheck.roster.models import Tag
from verifier.verify_draw import allocate_quota

# --- lists ----------------------------------------------------------------------------


def _plans() -> QuerySet[Plan]:
    return Plan.objects.select_related("department", "division", "created_by")


def _items_prefetch() -> Prefetch:
    """A plan's items with their department and power-list entry, in list order."""
    return Prefetch("plan_items", queryset=PlanItem.objects.select_related(
        "item", "item__department", "item__power_entry").order_by("item__department__seq", "item__code"))


def plan_list_for(user: Any) -> QuerySet[Plan]:
    """Plans the user may read (see ``rules``): the office and justice all of their division;
    planners and administrators their department's, and the class-A joint plans that take
    their items; inspectors their department's approved plans."""
    qs = _plans().order_by("-year", "department__seq", "-id")
    if is_reviewer(user):
        return qs.filter(division_id=user.division_id)
    if is_planner(user) or is_dept_admin(user):
        joint = Q(target_class="A", division_id=user.division_id,
                  plan_items__item__department_id=user.department_id)
        ids = Plan.objects.filter(Q(department_id=user.department_id) | joint).values("pk")
        return qs.filter(pk__in=ids)
    if is_inspector(user):
        return qs.filter(department_id=user.department_id, status__in=APPROVED_OR_LATER)
    return qs.none()


def plan_filter(qs: QuerySet[Plan], *, year: Any = None, status: str = "", department: Any = None,
                target_class: str = "", special: bool | None = None) -> QuerySet[Plan]:
    if year:
        qs = qs.filter(year=year)
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department_id=department)
    if target_class in ("A", "B", "C"):
        qs = qs.filter(target_class=target_class)
    if special is not None:
        qs = qs.filter(special=special)
    return qs


def plan_detail(pk: int) -> Plan:
    return _plans().select_related("draw").prefetch_related(_items_prefetch()).get(pk=pk)


def plan_history(plan: Plan) -> QuerySet[PlanTransition]:
    return PlanTransition.objects.filter(plan=plan).select_related("actor").order_by("version")


def review_queue(user: Any) -> QuerySet[Plan]:
    """R-P3: the office reviews submitted plans of its division; the justice bureau the plans
    the office has passed."""
    if is_office(user):
        status = Status.SUBMITTED
    elif is_justice(user):
        status = Status.OFFICE_APPROVED
    else:
        return Plan.objects.none()
    return (_plans().filter(division_id=user.division_id, status=status)
            .prefetch_related(_items_prefetch()).order_by("updated_at", "id"))


def public_plans(division: Division | str, year: int) -> QuerySet[Plan]:
    """Approved plans (and later) of a division and year: public information (一公开).
    For the public portal; ``plan_items`` are prefetched with each item's department and
    power-list entry."""
    return (_plans().filter(division_id=getattr(division, "pk", division), year=year,
                            status__in=APPROVED_OR_LATER)
            .prefetch_related(_items_prefetch()).order_by("department__seq", "window_start", "id"))


def plans_changed() -> tuple[int, Any]:
    """A value that changes with every plan written (each edit and transition sets
    ``updated_at``): the public plan list's cache key (publicity)."""
    row = Plan.objects.aggregate(n=Count("id"), at=Max("updated_at"))
    return row["n"], row["at"]


def plan_for_draw(draw: Draw | int) -> Plan | None:
    """The plan a draw was prepared from (None: a draw made outside planning). For the
    inspections app, which turns an executed draw into tasks: the plan gives the items, the
    owner, the window and whether the inspection is joint."""
    draw_id = draw.pk if isinstance(draw, Draw) else draw
    return _plans().select_related("draw").prefetch_related(_items_prefetch()).filter(draw_id=draw_id).first()


# --- the calendar --------------------------------------------------------------------------


def calendar_for(division: Division | str, year: int) -> YearCalendar:
    """The year's windows and deadlines in a division: the office's configuration, else the
    parent division's, else the defaults (R-Q1, R-P2)."""
    code: str | None = division.pk if isinstance(division, Division) else division
    configured = {p.division_id: p for p in PlanningYear.objects.filter(year=year)}
    while code is not None and configured:  # nothing configured: no parent to look up
        if code in configured:
            return configured[code].calendar()
        code = Division.objects.filter(pk=code).values_list("parent_id", flat=True).first()
    return YearCalendar.default(year)


# --- the figures of a plan -----------------------------------------------------------------


@dataclass
class PlanDraft:
    """What a plan says, saved or not (the editor previews unsaved drafts)."""

    department: Department
    year: int
    target_class: str
    window_start: date
    window_end: date
    items: Sequence[InspectionItem]
    quota: Mapping[str, Any]
    entered_on: date
    divisions: Sequence[str] = ()
    industries: Sequence[str] = ()
    kinds: Sequence[str] = ()
    tags: Sequence[str] = ()
    risk_levels: Sequence[str] = ()
    strata: Sequence[str] = ()
    is_joint: bool = False
    special: bool = False
    frequency_per_year: int = 1
    team_size: int = 2
    team_tags: Sequence[str] = ()
    experts: int = 0
    pk: int | None = None
    code: str = ""

    @property
    def division_id(self) -> str:
        return self.department.division_id


def draft_of(plan: Plan, *, with_items: bool = True) -> PlanDraft:
    """The plan as a draft; ``with_items=False`` when only its population matters."""
    items = [pi.item for pi in plan.plan_items.select_related("item", "item__power_entry",
                                                              "item__department")] if with_items else []
    return PlanDraft(
        department=plan.department, year=plan.year, target_class=plan.target_class,
        window_start=plan.window_start, window_end=plan.window_end, items=items,
        quota=plan.quota, entered_on=plan.entered_on, divisions=plan.divisions,
        industries=plan.industries, kinds=plan.kinds, tags=plan.tags,
        risk_levels=plan.risk_levels, strata=plan.strata, is_joint=plan.is_joint,
        special=plan.special, frequency_per_year=plan.frequency_per_year,
        team_size=plan.team_size, team_tags=plan.team_tags, experts=plan.experts,
        pk=plan.pk, code=plan.code)


def scope_divisions(draft: PlanDraft) -> list[str]:
    """The divisions the plan's population can come from (its filter or its division, with
    the counties below a city)."""
    return sorted(division_codes(list(draft.divisions) or [draft.division_id]))


def strata_scope(draft: PlanDraft) -> StrataScope:
    return StrataScope(target_class=draft.target_class, divisions=scope_divisions(draft),
                       risk_levels=tuple(draft.risk_levels), industries=tuple(draft.industries),
                       kinds=tuple(draft.kinds))


def _population_spec(draft: PlanDraft) -> DrawSpec:
    return parse_spec({"classes": [draft.target_class], "divisions": list(draft.divisions),
                       "industries": list(draft.industries), "kinds": list(draft.kinds),
                       "tags": list(draft.tags), "risk_levels": list(draft.risk_levels),
                       "strata": list(draft.strata), "quota": {"kind": "total", "total": 1}})


def population_of(draft: PlanDraft) -> QuerySet[MarketEntity]:
    """The entities the plan's draw would take its sample from, today."""
    return population_queryset(Draw(division_id=draft.division_id), _population_spec(draft))


def strata_sizes(qs: QuerySet[MarketEntity], dims: Sequence[str]) -> dict[str, int]:
    """n_s of every stratum present, by name (DRAW.md section 4), in byte order."""
    dims = ordered_dimensions(dims)
    if not dims:
        n = qs.count()
        return {"all": n} if n else {}
    sizes: Counter[str] = Counter()
    columns = [DIMENSION_COLUMNS[d] for d in dims]
    for row in qs.order_by().values(*columns).annotate(n=Count("pk")):
        sizes[stratum_name(dims, {d: str(row[DIMENSION_COLUMNS[d]]) for d in dims})] += row["n"]
    return dict(sorted(sizes.items(), key=lambda kv: kv[0].encode()))


def quota_of(rule: Mapping[str, Any], sizes: Mapping[str, int]) -> dict[str, int]:
    """q_s by the verifier's own arithmetic; {} when the rule is not usable."""
    try:
        return allocate_quota(rule, sizes)
    except (KeyError, TypeError, ValueError):
        return {}


def class_a_population(division_id: str) -> int:
    return MarketEntity.objects.filter(library_class="A", status__in=DRAWABLE_STATUSES,
                                       division_id__in=division_codes([division_id])).count()


def other_class_a_drawn(division_id: str, year: int, exclude_pk: int | None) -> int:
    """R-A2: what the year's other class-A plans of the division draw (their last figures):
    the plans put forward (submitted and later), not drafts, which bind nobody."""
    qs = Plan.objects.filter(division_id=division_id, year=year, target_class="A", status__in=PUT_FORWARD)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return sum(qs.values_list("drawn_estimate", flat=True))


@dataclass(frozen=True)
class StratumRow:
    name: str
    label: str
    size: int
    value: int | None  # basis points (rates) or count (counts); None for a total
    quota: int


@dataclass(frozen=True)
class ClassAShare:
    population: int
    cap: int
    other_drawn: int
    this_plan: int

    @property
    def headroom(self) -> int:
        return class_a_headroom(self.population, self.other_drawn)

    @property
    def used_after(self) -> int:
        return self.other_drawn + self.this_plan


@dataclass(frozen=True)
class OverlapRow:
    plan_id: int
    code: str
    title: str
    department: str
    status_label: str
    window: str
    shared: int
    expected: int


@dataclass
class Figures:
    population: int
    rows: list[StratumRow]
    drawn: int
    class_a: ClassAShare | None
    overlaps: list[OverlapRow]
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def by_risk(self) -> list[RiskEffect]:
        """The effect per credit-risk level (R-R4), from the same strata and quota as the draw's."""
        return effect_by_risk((r.name, r.size, r.value, r.quota) for r in self.rows)

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def ratio_bp(self) -> int:
        return self.drawn * FULL_BP // self.population if self.population else 0

    def stored(self) -> dict[str, Any]:
        """What the plan keeps: for the queues, the class-A share and other plans' overlap."""
        return {
            "population": self.population, "drawn": self.drawn,
            "strata": {r.name: r.size for r in self.rows},
            "quota": {r.name: r.quota for r in self.rows},
            "overlaps": [o.__dict__ for o in self.overlaps],
            "findings": [{"rule": f.rule, "message": f.message, "severity": f.severity}
                         for f in self.findings],
            "class_a": None if self.class_a is None else {
                "population": self.class_a.population, "cap": self.class_a.cap,
                "other_drawn": self.class_a.other_drawn, "headroom": self.class_a.headroom},
        }


def division_names() -> dict[str, str]:
    return dict(Division.objects.values_list("code", "name"))


def planned_item(draft: PlanDraft, item: InspectionItem) -> PlannedItem:
    """R-L1: an item is on the owner's list when it is an active item of the plan's year of
    the owning department — for a class-A joint plan, of the class-A joint list of the
    division's departments — and it rests on an active power-list entry."""
    if draft.target_class == "A":
        on_list = item.in_joint_list and item.department.division_id == draft.division_id
    else:
        on_list = item.department_id == draft.department.pk
    on_list = on_list and item.year == draft.year and item.is_active
    return PlannedItem(item.code, item.name, on_owner_list=on_list,
                       has_power_basis=bool(item.power_entry_id and item.power_entry.is_active))


def _stored_rates(plan: Plan) -> tuple[tuple[str, ...], dict[str, Any]] | None:
    figures = plan.figures or {}
    if "strata" not in figures or "quota" not in figures:
        return None
    return ordered_dimensions(plan.strata), selection_rates(figures["quota"], figures["strata"])


Candidate = tuple[Plan, tuple[str, ...], Mapping[str, Fraction], Q]
Table = list[tuple[dict[str, str], Mapping[str, Any]]]


def overlap_candidates(draft: PlanDraft) -> list[Candidate]:
    """R-B3: other departments' plans of the same class and year whose windows meet this one,
    each with its strata dimensions, its selection rates and its population as a filter."""
    others = (Plan.objects.select_related("department")
              .filter(year=draft.year, target_class=draft.target_class,
                      division_id__in=related_divisions(draft.division_id),
                      window_start__lte=draft.window_end, window_end__gte=draft.window_start)
              .exclude(department_id=draft.department.pk).order_by("department__seq", "id"))
    if draft.pk is not None:
        others = others.exclude(pk=draft.pk)
    candidates: list[Candidate] = []
    for other in others:
        if not windows_overlap(draft.window_start, draft.window_end, other.window_start, other.window_end):
            continue
        other_draft = draft_of(other, with_items=False)
        stored = _stored_rates(other)
        if stored is None:
            sizes = strata_sizes(population_of(other_draft), other.strata)
            stored = ordered_dimensions(other.strata), selection_rates(quota_of(other.quota, sizes), sizes)
        candidates.append((other, *stored, population_filter(Draw(division_id=other_draft.division_id),
                                                               _population_spec(other_draft))))
    return candidates


def population_table(population: QuerySet[MarketEntity], own_dims: Sequence[str],
                     candidates: Sequence[Candidate]) -> Table:
    """One statement over the plan's population: per group of the dimensions this plan or any
    other stratifies by (the rates depend on nothing else, and a million entities make few
    groups that way), the entities (``n``) and those each other population shares (``o0``,
    ``o1``…). The plan's own strata sizes come from it too (``table_sizes``).

    The population is first grouped by the columns the other populations' filters and the
    dimensions read (a few thousand groups at most), then each filter decides which groups it
    counts: its IN-lists run on the groups, not on every entity, whatever the number of other
    plans. When a filter reads more than the entity's own columns (an EXISTS over its tags or
    a draw's exclusions) every filter is applied to every entity instead, in one pass
    (``_entity_table``): an EXISTS carried as a column of the groups is still evaluated for
    each entity, above PostgreSQL's parallel scan; at 100,000 entities with two filters on
    tags the grouped statement gained a tenth without JIT compilation, and lost a third with
    it (its cost estimate brings JIT on).
    """
    dims = [d for d in GROUP_DIMENSIONS if d in own_dims or any(d in c[1] for c in candidates)]
    filters = [c[3] for c in candidates]
    try:  # without other plans, nothing is applied to the groups: one level does
        table = _grouped_table(population, dims, filters) if filters else None
    except EmptyResultSet:  # a population nothing can be in: the ORM says so without a statement
        table = None
    return _entity_table(population, dims, filters) if table is None else table


def _columns_read(q: Q) -> set[str] | None:
    """The entity columns a filter reads when it compares the entity's own columns with
    values only; None when it reads anything else (an EXISTS, another table, a column)."""
    columns: set[str] = set()
    for child in q.children:
        if isinstance(child, Q):
            inner = _columns_read(child)
            if inner is None:
                return None
            columns |= inner
            continue
        if not isinstance(child, tuple) or hasattr(child[1], "resolve_expression"):
            return None
        name, *lookups = child[0].split(LOOKUP_SEP)
        try:
            entity_field = MarketEntity._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        if (not isinstance(entity_field, Field) or not entity_field.concrete or len(lookups) > 1
                or (entity_field.is_relation and name != entity_field.attname)
                or (lookups and entity_field.get_lookup(lookups[0]) is None)):
            return None
        columns.add(entity_field.attname)
    return columns


def _grouped_table(population: QuerySet[MarketEntity], dims: Sequence[str], filters: Sequence[Q]
                   ) -> Table | None:
    """``population_table`` in two levels: the population grouped by the columns the filters
    and the dimensions read, then those groups summed per group of ``dims``, each filter
    deciding which groups it counts. The inner groups are named as the entity table, so each
    filter compiles as it would against the entities and reads the group's columns. None
    when a filter reads more than the entity's columns (``_columns_read``)."""
    read = [_columns_read(q) for q in filters]
    columns = {DIMENSION_COLUMNS[d] for d in dims}.union(*(r for r in read if r is not None))
    if any(r is None for r in read) or not columns:
        return None
    connection = connections[population.db]
    quote = connection.ops.quote_name
    table = quote(MarketEntity._meta.db_table)

    def column(name: str) -> str:
        return f"{table}.{quote(name)}"

    sums, params = [f"SUM({column('n')})"], []
    for q in filters:
        where = MarketEntity.objects.filter(q).query
        try:
            sql, where_params = where.get_compiler(population.db).compile(where.where)
        except EmptyResultSet:
            sums.append("0")
        except FullResultSet:
            sums.append(f"SUM({column('n')})")
        else:
            sums.append(f"SUM({column('n')}) FILTER (WHERE {sql})")
            params += where_params
    inner = population.order_by().values(*sorted(columns)).annotate(n=Count("*"))
    inner_sql, inner_params = inner.query.get_compiler(population.db).as_sql()
    keys = [column(DIMENSION_COLUMNS[d]) for d in dims]
    statement = f"SELECT {', '.join([*keys, *sums])} FROM ({inner_sql}) {table}"  # noqa: S608 - compiled SQL
    if keys:
        statement += f" GROUP BY {', '.join(keys)}"
    with connection.cursor() as cursor:
        cursor.execute(statement, [*params, *inner_params])
        rows = cursor.fetchall()
    names = ["n", *(f"o{k}" for k in range(len(filters)))]
    # SUM gives NULL over no group and, on PostgreSQL, a numeric: the table holds ints.
    return [({d: str(v) for d, v in zip(dims, row, strict=False)},
             {name: int(v or 0) for name, v in zip(names, row[len(dims):], strict=True)}) for row in rows]


def _entity_table(population: QuerySet[MarketEntity], dims: Sequence[str], filters: Sequence[Q]) -> Table:
    """``population_table`` with each filter applied to every entity of the population, as
    filtered counts, in one pass."""
    counts = {"n": Count("pk"), **{f"o{k}": Count("pk", filter=q) for k, q in enumerate(filters)}}
    if not dims:
        return [({}, population.order_by().aggregate(**counts))]
    return [({d: str(row[DIMENSION_COLUMNS[d]]) for d in dims}, row)
            for row in population.order_by().values(*[DIMENSION_COLUMNS[d] for d in dims]).annotate(**counts)]


def table_sizes(table: Table, dims: Sequence[str]) -> dict[str, int]:
    """``strata_sizes`` read from a ``population_table`` grouped by at least ``dims``."""
    dims = ordered_dimensions(dims)
    sizes: Counter[str] = Counter()
    for values, row in table:
        if row["n"]:
            sizes[stratum_name(dims, values) if dims else "all"] += row["n"]
    return dict(sorted(sizes.items(), key=lambda kv: kv[0].encode()))


def overlap_rows(candidates: Sequence[Candidate], table: Table, own_dims: Sequence[str],
                 own_rates: Mapping[str, Fraction]) -> list[OverlapRow]:
    """The entities each other plan's population shares with this one and the number both
    draws are expected to hit, from the ``population_table``."""
    rows: list[OverlapRow] = []
    for k, (other, other_dims, other_rates, _) in enumerate(candidates):
        key = f"o{k}"
        groups = ((values, row[key]) for values, row in table if row[key])
        overlap = expected_overlap(groups, own_dims, own_rates, other_dims, other_rates)
        if overlap.shared:
            rows.append(OverlapRow(other.pk, other.code, other.title, other.department.name,
                                   other.get_status_display(),
                                   f"{other.window_start:%m-%d}至{other.window_end:%m-%d}",
                                   overlap.shared, overlap.expected_rounded))
    return rows


def _item_norms(draft: PlanDraft) -> list[ItemNorm]:
    ids = [i.pk for i in draft.items]
    others = PlanItem.objects.filter(item_id__in=ids, plan__year=draft.year)
    if draft.pk is not None:
        others = others.exclude(plan_id=draft.pk)
    counts = Counter(others.values_list("item_id", flat=True))
    return [ItemNorm(i.code, i.name, i.default_ratio_bp, i.frequency_per_year, counts[i.pk] + 1)
            for i in draft.items]


def _foreign_tags(draft: PlanDraft) -> tuple[str, ...]:
    """R-A3: team tags that belong to no department whose items the plan takes."""
    if not draft.team_tags:
        return ()
    owners = dict(Tag.objects.filter(department__division_id=draft.division_id, code__in=draft.team_tags)
                  .values_list("code", "department_id"))
    departments = {i.department_id for i in draft.items}
    return tuple(t for t in draft.team_tags if owners.get(t) not in departments)


def plan_facts(draft: PlanDraft, *, population: int, drawn: int) -> PlanFacts:
    class_a = draft.target_class == "A"
    departments = {i.department_id: i.department for i in draft.items}
    return PlanFacts(
        item_departments=tuple(d.name for d in sorted(departments.values(), key=lambda d: d.seq)),
        team_size=draft.team_size, foreign_tags=_foreign_tags(draft) if class_a else (),
        today=clock.today(),
        year=draft.year, target_class=draft.target_class,
        owner_is_office=draft.department.hosts_office, is_joint=draft.is_joint,
        window_start=draft.window_start, window_end=draft.window_end,
        items=[planned_item(draft, i) for i in draft.items], population=population, drawn=drawn,
        entered_on=draft.entered_on, special=draft.special,
        other_class_a_drawn=other_class_a_drawn(draft.division_id, draft.year, draft.pk) if class_a else 0,
        class_a_population=class_a_population(draft.division_id) if class_a else 0)


def plan_figures(draft: PlanDraft, *, with_overlaps: bool = True) -> Figures:
    """Everything the editor shows and the reviewers check: the population and its strata,
    the quota per stratum (the verifier's arithmetic), the class-A share (R-A2), the overlap
    with other departments' plans (R-B3), and the rule findings (``checks.check_plan`` and
    the office's ratio/frequency/duplication checks)."""
    population = population_of(draft)
    own_dims = ordered_dimensions(draft.strata)
    candidates = overlap_candidates(draft) if with_overlaps else []
    table = population_table(population, own_dims, candidates)  # the one scan of the population
    sizes = table_sizes(table, own_dims)
    quota = quota_of(draft.quota, sizes)
    names = division_names()
    kind = draft.quota.get("kind")
    values = (draft.quota.get("rates_bp", {}) if kind == "rates"
              else draft.quota.get("counts", {}) if kind == "counts" else {})
    rows = [StratumRow(s, stratum_label(s, names), n, values.get(s) if kind != "total" else None,
                       quota.get(s, 0)) for s, n in sizes.items()]
    total = sum(sizes.values())
    drawn = sum(quota.values())
    facts = plan_facts(draft, population=total, drawn=drawn)
    class_a = None
    if draft.target_class == "A":
        class_a = ClassAShare(facts.class_a_population,
                              facts.class_a_population * CLASS_A_CAP_BP // FULL_BP,
                              facts.other_class_a_drawn, drawn)
    overlaps = overlap_rows(candidates, table, own_dims, selection_rates(quota, sizes)) if candidates else []
    findings = list(check_plan(facts, calendar_for(draft.division_id, draft.year)).findings)
    findings += office_findings(
        target_class=draft.target_class, population=total, drawn=drawn,
        frequency=draft.frequency_per_year, items=_item_norms(draft), quota=draft.quota,
        duplicates=[DuplicateHit(o.code, o.title, o.department, o.shared, o.expected) for o in overlaps])
    return Figures(total, rows, drawn, class_a, overlaps, findings)


def stored_figures(plan: Plan, names: Mapping[str, str] | None = None) -> Figures | None:
    """The figures the plan kept at its last save or review step (``Figures.stored``), as the
    editor shows them, without counting the population again: the plan pages show these at
    once and fetch the live figures apart (``plan_figures`` over a million entities and every
    other plan of the window is the slow part of a page). None when the plan kept none."""
    kept = plan.figures or {}
    if "population" not in kept:
        return None
    names = division_names() if names is None else names
    kind = (plan.quota or {}).get("kind")
    values = ((plan.quota or {}).get("rates_bp", {}) if kind == "rates"
              else (plan.quota or {}).get("counts", {}) if kind == "counts" else {})
    quota = kept.get("quota", {})
    rows = [StratumRow(s, stratum_label(s, names), n, values.get(s) if kind != "total" else None,
                       quota.get(s, 0)) for s, n in kept.get("strata", {}).items()]
    a = kept.get("class_a")
    class_a = None if a is None else ClassAShare(a["population"], a["cap"], a["other_drawn"],
                                                 kept.get("drawn", 0))
    overlaps = [OverlapRow(**o) for o in kept.get("overlaps", [])]
    findings = [Finding(f["rule"], f["message"], f.get("severity", "error"))
                for f in kept.get("findings", [])]
    return Figures(kept.get("population", 0), rows, kept.get("drawn", 0), class_a, overlaps, findings)


# --- coverage ------------------------------------------------------------------------------


@dataclass
class DepartmentCoverage:
    department: Department
    items: int
    approved: int  # items in an approved (or later) plan: planned
    uncovered: list[InspectionItem]  # items in no plan of the year (R-P1)
    pending: list[InspectionItem]  # items only in plans not yet approved
    done: int = 0  # items in a plan whose inspections are completed: covered (R-P1)

    @property
    def percent(self) -> int:
        return self.approved * 100 // self.items if self.items else 100

    @property
    def done_percent(self) -> int:
        return self.done * 100 // self.items if self.items else 100


@dataclass
class Coverage:
    year: int
    division: Division
    departments: list[DepartmentCoverage]
    class_c_total: int
    class_c_covered: int
    class_a_population: int
    class_a_cap: int
    class_a_planned: int
    special_plans: list[Plan]
    late_plans: list[Plan]
    savings: Mapping[str, Any] | None
    # When the figures counted over the whole library and the year's tasks (class C, class A,
    # savings) were counted, if they are read as kept; None when counted for this page.
    figures_at: datetime | None = None

    @property
    def uncovered_count(self) -> int:
        return sum(len(d.uncovered) for d in self.departments)

    @property
    def class_c_percent(self) -> int:
        return self.class_c_covered * 100 // self.class_c_total if self.class_c_total else 100

    @property
    def class_a_share_bp(self) -> int:
        return self.class_a_planned * FULL_BP // self.class_a_population if self.class_a_population else 0


def open_tasks_of(plan: Plan) -> int:
    """R-P1: the inspection tasks of the plan's draw not yet completed or cancelled (0 when no
    app gives task figures or the plan has no draw)."""
    figures = hooks.task_figures()
    if not plan.draw_id or figures is None:
        return 0
    return int(figures.open_tasks_of_draw(plan.draw_id))


def window_savings(division: Division | str, year: int) -> Mapping[str, Any] | None:
    """'Joint inspections merged' and 'visits saved' from the registered task figures; None
    when no app gives them."""
    figures = hooks.task_figures()
    if figures is None:
        return None
    result = figures.window_savings(division, year)
    return result if isinstance(result, Mapping) else None


def class_c_coverage(division_id: str, year: int) -> tuple[int, int]:
    """R-C2: class-C entities of the division, and those inside the population of an approved
    plan of the year that draws its whole population."""
    scope = MarketEntity.objects.filter(library_class="C", status__in=DRAWABLE_STATUSES,
                                        division_id__in=division_codes([division_id]))
    total = scope.count()
    full = [p for p in Plan.objects.select_related("department").filter(
        division_id__in=related_divisions(division_id), year=year, target_class="C",
        status__in=APPROVED_OR_LATER) if p.population_estimate and p.drawn_estimate >= p.population_estimate]
    if not full or not total:
        return total, 0
    covered = Q()
    for plan in full:
        covered |= Q(pk__in=population_of(draft_of(plan, with_items=False)).values("pk"))
    return total, scope.filter(covered).count()


def item_coverage(division: Division, year: int, *, department: Department | None = None,
                  departments: list[Department] | None = None) -> list[DepartmentCoverage]:
    """R-P1 per department: the year's items, planned (in an approved plan), done; the
    departments with items (or the one asked for). ``departments``: the division's in order,
    when the caller has them already."""
    if departments is None:
        departments = list(Department.objects.filter(division=division).order_by("seq"))
    if department is not None:
        departments = [d for d in departments if d.pk == department.pk]
    # The rows name an item by its code and name (its department is the row's).
    items = list(InspectionItem.objects.filter(department__in=departments, year=year, is_active=True)
                 .only("code", "name", "department").order_by("department__seq", "code"))
    statuses: dict[int, set[str]] = {}
    for item_id, status in PlanItem.objects.filter(item__in=[i.pk for i in items]).values_list(
            "item_id", "plan__status"):
        statuses.setdefault(item_id, set()).add(status)
    by_department: dict[int, list[InspectionItem]] = {}
    for item in items:
        by_department.setdefault(item.department_id, []).append(item)
    rows = []
    for d in departments:
        own = by_department.get(d.pk, [])
        approved = [i for i in own if statuses.get(i.pk, set()) & set(APPROVED_OR_LATER)]
        uncovered = [i for i in own if i.pk not in statuses]
        pending = [i for i in own if i.pk in statuses and i not in approved]
        done = sum(1 for i in own if statuses.get(i.pk, set()) & set(DONE))
        if own or department is not None:
            rows.append(DepartmentCoverage(d, len(own), len(approved), uncovered, pending, done))
    return rows


def coverage(division: Division | str, year: int, *, department: Department | None = None) -> Coverage:
    """R-P1 (every item has a plan: planned, and done), R-C2 (class C covered), R-A2 (class-A
    share), R-P2 (late and special plans) for a division and year, or one department of it."""
    division_obj = division if isinstance(division, Division) else Division.objects.get(pk=division)
    rows = item_coverage(division_obj, year, department=department)
    # The special and the late plans are named with their department, state and dates only.
    plans = plan_filter(Plan.objects.select_related("department").filter(division=division_obj),
                        year=year).only("code", "title", "department__name", "special", "special_reason",
                                        "status", "entered_on", "is_late", "late_accepted_at")
    if department is not None:
        plans = plans.filter(department=department)
    # The class-C and class-A counts scan the entity library (a second or more at a million
    # entities) and the savings the year's tasks: read as kept when an app keeps them.
    read = hooks.kept_figures()
    kept = read(division_obj, year) if read is not None else None
    if kept is not None:
        c_total, c_covered, a_population = kept.class_c_total, kept.class_c_planned, kept.class_a_population
        savings: Mapping[str, Any] | None = kept.savings
    else:
        c_total, c_covered = class_c_coverage(division_obj.pk, year)
        a_population = class_a_population(division_obj.pk)
        savings = window_savings(division_obj, year)
    calendar = calendar_for(division_obj, year)
    late = [p for p in plans.filter(special=False) if calendar.plan_is_late(p.entered_on)]
    return Coverage(
        year=year, division=division_obj, departments=rows, class_c_total=c_total,
        class_c_covered=c_covered, class_a_population=a_population,
        class_a_cap=a_population * CLASS_A_CAP_BP // FULL_BP,
        class_a_planned=sum(Plan.objects.filter(division=division_obj, year=year, target_class="A",
                                                status__in=PUT_FORWARD)
                            .values_list("drawn_estimate", flat=True)),
        special_plans=list(plans.filter(special=True)), late_plans=late,
        savings=savings, figures_at=kept.computed_at if kept is not None else None)


# --- choices for the editor ----------------------------------------------------------------


def items_to_plan(department: Department, year: int, target_class: str) -> QuerySet[InspectionItem]:
    """Items a plan may take: the department's list of the year, or for a class-A joint plan
    the class-A joint list of the division's departments (R-A3)."""
    qs = InspectionItem.objects.select_related("department", "power_entry").filter(year=year, is_active=True)
    if target_class == "A":
        return qs.filter(department__division_id=department.division_id, in_joint_list=True).order_by(
            "department__seq", "code")
    return qs.filter(department=department).order_by("code")


def joint_plan_items(items: Iterable[InspectionItem], *, departments: int = 3) -> list[InspectionItem]:
    """Class-A joint list items of the first ``departments`` departments that have some (in
    list order): a class-A plan takes items of two departments or more and seats an inspector
    of each of them (R-A3); [] when fewer than two departments have joint items."""
    chosen: dict[int, list[InspectionItem]] = {}
    for item in items:
        if item.in_joint_list and (item.department_id in chosen or len(chosen) < departments):
            chosen.setdefault(item.department_id, []).append(item)
    return [i for group in chosen.values() for i in group] if len(chosen) >= 2 else []


def item_ids_in(ids: Iterable[int]) -> list[InspectionItem]:
    return list(InspectionItem.objects.select_related("department", "power_entry").filter(pk__in=list(ids))
                .order_by("department__seq", "code"))


# --- the plan's draw (SCD-1) -------------------------------------------------------------------


def _team_slots(plan: Plan) -> dict[str, Any]:
    """The draw's team (DRAW.md section 5) from the plan's team requirement (R-I2): one slot
    per qualification tag, "*" slots up to the number of enforcement inspectors, experts on
    top under ``<dept>.expert``. A department's plan draws its own inspectors; a class-A joint
    plan draws from the office's joint pool (R-I3), one slot for each department whose items it
    takes, in turn."""
    owner = plan.department
    if plan.target_class != "A":
        slots = [{"dept": owner.code, "tag": t} for t in plan.team_tags]
        slots += [{"dept": owner.code, "tag": "*"}] * (plan.team_size - len(slots))
        slots += [{"dept": owner.code + EXPERT_SUFFIX, "tag": "*"}] * plan.experts
        return {"slots": slots, "cap_slack": 1, "joint_pool": False}
    departments = list(Department.objects.filter(
        pk__in=plan.plan_items.values("item__department_id")).order_by("seq")) or [owner]
    tag_owner = dict(Tag.objects.filter(department__division_id=plan.division_id, code__in=plan.team_tags,
                                        is_active=True).values_list("code", "department__code"))
    tagged = [{"dept": tag_owner.get(t, owner.code), "tag": t} for t in plan.team_tags]
    seats = [d.code for d in departments if d.code not in {s["dept"] for s in tagged}] + \
        [d.code for d in departments]
    free = [{"dept": seats[i % len(seats)], "tag": "*"} for i in range(plan.team_size - len(tagged))]
    experts = [{"dept": owner.code + EXPERT_SUFFIX, "tag": "*"}] * plan.experts
    # DRAW.md section 5: within a department, slots with a specific tag come before "*".
    return {"slots": tagged + free + experts, "cap_slack": 1, "joint_pool": True}


def plan_draw_spec(plan: Plan) -> dict[str, Any]:
    """The draw specification of a plan (``draws.domain.spec``): its population filters,
    strata and SCD-1 quota, its window, and its team."""
    return {
        "classes": [plan.target_class], "divisions": list(plan.divisions),
        "industries": list(plan.industries), "kinds": list(plan.kinds), "tags": list(plan.tags),
        "risk_levels": list(plan.risk_levels), "strata": list(plan.strata), "quota": plan.quota,
        "team": _team_slots(plan),
        "window": {"start": plan.window_start.isoformat(), "end": plan.window_end.isoformat()},
        "hash": "sha256",
    }
