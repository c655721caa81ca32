"""Builders for draw tests: entities with valid USCCs, inspectors, and draws walked through
their lifecycle by the real services (so every test draw is one the verifier accepts)."""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings

from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.roles import Role
from spotcheck.catalog.tests.factories import InspectionItemFactory
from spotcheck.core import clock
from spotcheck.core.domain.uscc import uscc_with_check
from spotcheck.demo.walk import DrawWalk
from spotcheck.draws import services
from spotcheck.draws.domain.spec import EXPERT_SUFFIX
from spotcheck.draws.models import Draw, Party
from spotcheck.planning.models import Plan, PlanItem, PlanStatus
from spotcheck.registry.models import MarketEntity
from spotcheck.roster.models import Inspector, InspectorKind, Tag

_counter = itertools.count(1)
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"

SECRETS = {Party.OFFICE: "office-secret-0001-abcdef", Party.JUSTICE: "justice-secret-0002-ghijk",
           Party.DEPARTMENT: "department-secret-0003-lmnop"}
BEACON = "528"


def new_uscc(division: str = "361102") -> str:
    n = next(_counter)
    org = ""
    for _ in range(9):
        n, r = divmod(n, 31)
        org = ALPHABET[r] + org
    return uscc_with_check(f"91{division}{org}")


def make_entities(n: int, *, cls: str = "B", division: str = "361102", status: str = "existing",
                  risk: str = "general", industry: str = "F", kind: str = "company",
                  prefix: str = "测试") -> list[MarketEntity]:
    div = Division.objects.get(code=division)
    rows = [MarketEntity(uscc=new_uscc(division), name=f"{prefix}{i}有限公司", kind=kind,
                         legal_rep_name="张三", division=div, industry=industry, status=status,
                         risk_level=risk, library_class=cls)
            for i in range(n)]
    return MarketEntity.objects.bulk_create(rows)


def make_inspectors(n: int, *, dept: str = "361100-ENV", tags: tuple[str, ...] = (),
                    kind: str = InspectorKind.CIVIL_SERVANT, joint_pool: bool = False,
                    prefix: str = "ZF") -> list[Inspector]:
    department = Department.objects.get(code=dept)
    tag_objs = [Tag.objects.get_or_create(department=department, code=t, defaults={"label": t})[0]
                for t in tags]
    out = []
    for _ in range(n):
        i = next(_counter)
        inspector = Inspector.objects.create(
            certificate_no=f"{prefix}{i:06d}", name=f"检查员{i}", department=department, kind=kind,
            valid_until=date(2099, 12, 31), organisation="检测院" if kind == InspectorKind.EXPERT else "",
            in_joint_pool=joint_pool)
        if tag_objs:
            inspector.tags.set(tag_objs)
        out.append(inspector)
    return out


def plan_year() -> int:
    """The year test plans are for: next year, whose windows are all ahead (R-Q1)."""
    return clock.today().year + 1


def approved_plan(spec: dict[str, Any], *, dept: str = "361100-ENV", year: int | None = None,
                  status: str = PlanStatus.APPROVED, title: str = "") -> Plan:
    """A plan as the review leaves it (approved by the office and the justice bureau, R-P3),
    whose draw specification (``plan_draw_spec``) is ``spec`` as far as a plan can say it:
    class, filters, strata, quota, window (default: June; class C: the whole year) and team
    (enforcement seats, their tags, experts). A class-A plan is the office's joint plan with
    items of two departments (R-A3); others take one item of the department's list (R-L1)."""
    year = year or plan_year()
    target = spec["classes"][0]
    owner = Department.objects.get(code=dept)
    window = spec.get("window") or ({"start": f"{year}-01-01", "end": f"{year}-12-31"} if target == "C"
                                    else {"start": f"{year}-06-01", "end": f"{year}-06-30"})
    slots = (spec.get("team") or {}).get("slots") or [{"dept": dept, "tag": "*"}] * 2
    seats = [s for s in slots if not s["dept"].endswith(EXPERT_SUFFIX)]
    n = next(_counter)
    plan = Plan.objects.create(
        code=f"{dept}-{year}-T{n:04d}", title=title or f"测试计划{n}", department=owner,
        division_id=owner.division_id, year=year, target_class=target, is_joint=target == "A",
        window_start=date.fromisoformat(window["start"]), window_end=date.fromisoformat(window["end"]),
        divisions=spec.get("divisions", []), industries=spec.get("industries", []),
        kinds=spec.get("kinds", []), tags=spec.get("tags", []), risk_levels=spec.get("risk_levels", []),
        strata=spec.get("strata", []), quota=spec["quota"], team_size=max(2, len(seats)),
        team_tags=[s["tag"] for s in seats if s["tag"] != "*"], experts=len(slots) - len(seats),
        status=status, entered_on=clock.today())
    depts = (["361100-SAMR", "361100-ENV"] if target == "A" else [dept])
    for code in depts:
        department = Department.objects.get(code=code)
        item = InspectionItemFactory.create(department=department, year=year, in_joint_list=target == "A",
                                            applicable_classes=["A", "B", "C"])
        PlanItem.objects.create(plan=plan, item=item)
    return plan


def b_spec(**overrides: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "classes": ["B"], "strata": ["class", "division"],
        "quota": {"kind": "counts", "counts": {}, "default": 2},
    }
    spec.update(overrides)
    return spec


@dataclass
class World:
    """The people of one division: office, justice, and a department's planner (ENV)."""

    make_user: Any
    users: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str, dept: str | None = None) -> Any:
        key = f"{role}:{dept}"
        if key not in self.users:
            self.users[key] = self.make_user(role, dept)
        return self.users[key]

    @property
    def office(self) -> Any:
        return self.user(Role.OFFICE)

    @property
    def justice(self) -> Any:
        return self.user(Role.JUSTICE)

    @property
    def planner(self) -> Any:
        return self.user(Role.PLANNER)

    def party_user(self, draw: Draw, party: str) -> Any:
        if party == Party.OFFICE:
            return self.office
        if party == Party.JUSTICE:
            return self.justice
        return self.user(Role.PLANNER, draw.department.code)

    def prepare(self, *, spec: dict[str, Any] | None = None, by: Any = None, dept: str = "361100-ENV",
                title: str = "测试抽取", plan: Plan | None = None, **kwargs: Any) -> Draw:
        """A draw of an approved plan (R-P3): ``plan``, or one made to say what ``spec`` says;
        the draw adds the spec's beacon and hash."""
        spec = spec or b_spec()
        plan = plan or approved_plan(spec, dept=dept)
        extra = {k: spec[k] for k in ("beacon", "hash") if k in spec}
        return services.draw_prepare(acting_user=by or self.planner, plan=plan, title=title, spec=extra,
                                     **kwargs)

    def walk(self, draw: Draw) -> DrawWalk:
        """The draw's parties, with the fixed secrets and beacon of these tests."""
        return DrawWalk(owner=self.owner(draw), office=self.office, justice=self.justice,
                        secrets={p.value: s for p, s in SECRETS.items()}, beacon=BEACON,
                        department=self.user(Role.PLANNER, draw.department.code))

    def commit_all(self, draw: Draw) -> Draw:
        return self.walk(draw).commit(draw)

    def announce(self, draw: Draw, by: Any = None) -> Draw:
        self.commit_all(draw)
        return services.draw_announce(acting_user=by or self.owner(draw), draw=draw, background=False)

    def owner(self, draw: Draw) -> Any:
        return self.office if draw.department.hosts_office else self.user(Role.PLANNER, draw.department.code)

    def reveal(self, draw: Draw) -> Draw:
        return self.walk(draw).reveal(draw)

    def execute(self, draw: Draw) -> Draw:
        return self.walk(draw).execute(draw)

    def executed(self, **kwargs: Any) -> Draw:
        draw = self.prepare(**kwargs)
        return self.walk(draw).run(draw)


def use_temp_draws_dir() -> None:
    """Frozen files of permission-matrix setups (which run outside fixtures) go to a
    throw-away directory, not the quick start's var/."""
    if not str(getattr(settings, "SPOTCHECK_DRAWS_DIR", "")).startswith(tempfile.gettempdir()):
        settings.SPOTCHECK_DRAWS_DIR = tempfile.mkdtemp(prefix="spotcheck-draws-")
