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
from spotcheck.core.domain.uscc import uscc_with_check
from spotcheck.draws import services
from spotcheck.draws.models import Draw, Party
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
                title: str = "测试抽取", **kwargs: Any) -> Draw:
        return services.draw_prepare(acting_user=by or self.planner, title=title, spec=spec or b_spec(),
                                     department=Department.objects.get(code=dept), **kwargs)

    def commit_all(self, draw: Draw) -> Draw:
        for c in draw.commitments.all():
            services.draw_commit(acting_user=self.party_user(draw, c.party), draw=draw, party=c.party,
                                 secret=SECRETS[Party(c.party)])
        return draw

    def announce(self, draw: Draw, by: Any = None) -> Draw:
        self.commit_all(draw)
        return services.draw_announce(acting_user=by or self.owner(draw), draw=draw, background=False)

    def owner(self, draw: Draw) -> Any:
        return self.office if draw.department.hosts_office else self.user(Role.PLANNER, draw.department.code)

    def reveal(self, draw: Draw) -> Draw:
        for c in draw.commitments.all():
            services.draw_reveal(acting_user=self.party_user(draw, c.party), draw=draw, party=c.party,
                                 secret=SECRETS[Party(c.party)])
        if draw.beacon_kind:
            services.draw_beacon_enter(acting_user=self.owner(draw), draw=draw, value=BEACON)
            services.draw_beacon_confirm(acting_user=self.justice, draw=draw, value=BEACON)
        return Draw.objects.get(pk=draw.pk)

    def execute(self, draw: Draw) -> Draw:
        return services.draw_execute(acting_user=self.owner(draw), draw=draw, background=False)

    def executed(self, **kwargs: Any) -> Draw:
        draw = self.prepare(**kwargs)
        self.announce(draw)
        self.reveal(draw)
        return self.execute(draw)


def use_temp_draws_dir() -> None:
    """Frozen files of permission-matrix setups (which run outside fixtures) go to a
    throw-away directory, not the quick start's var/."""
    if not str(getattr(settings, "SPOTCHECK_DRAWS_DIR", "")).startswith(tempfile.gettempdir()):
        settings.SPOTCHECK_DRAWS_DIR = tempfile.mkdtemp(prefix="spotcheck-draws-")
