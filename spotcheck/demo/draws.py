"""Demo draws for the quick start: the draws of the year's approved demo plans (R-P3: a draw
belongs to an approved plan and inherits its window, population, quota and team), run through
the real services on the demo data:

1. the office's class-A joint plan (R-A2, R-A3): teams from the joint pool of its
   departments, a lottery beacon confirmed by a second person — published;
2. a department's class-B plan: one entity substituted after an on-site check — published;
3. the class-C full-coverage plan (R-C2) — published;
4. another class-B plan: announced, waiting for its beacon a week later (the portal shows a
   draw before it happens).

Deterministic by seed; idempotent (a plan that has a draw is not drawn again). Acts as the
demo accounts when they exist, else as dedicated demo users without a usable password.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

from django.db.models import Q

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import Role
from spotcheck.core import clock
from spotcheck.demo.planning import SUFFIX
from spotcheck.demo.walk import DrawWalk
from spotcheck.draws import services
from spotcheck.draws.models import Draw, DrawStatus
from spotcheck.planning.models import Plan, PlanStatus

CITY = "361100"


def _actor(role: Role, dept_code: str) -> User:
    department = Department.objects.get(code=dept_code)
    user = (User.objects.filter(role=role, department=department, is_active=True).order_by("pk").first())
    if user is not None:
        return user
    user = User(username=f"draws-demo-{role}-{dept_code}".lower(), display_name=f"演示{Role(role).label}",
                role=role, department=department, division=department.division, must_change_password=False)
    user.set_unusable_password()
    user.save()
    return user


def _secret(rng: random.Random, party: str) -> str:
    return f"demo-{party}-{rng.getrandbits(64):016x}"


def _demo_plans(year: int) -> dict[str, list[Plan]]:
    """The year's approved demo plans of the city by class, without a live draw."""
    plans = (Plan.objects.select_related("department").filter(
        division_id=CITY, year=year, status=PlanStatus.APPROVED, title__endswith=SUFFIX)
        .filter(Q(draw__isnull=True) | Q(draw__status=DrawStatus.CANCELLED))
        .order_by("department__seq", "pk"))
    out: dict[str, list[Plan]] = {"A": [], "B": [], "C": []}
    for plan in plans:
        out[plan.target_class].append(plan)
    return out


def draws_generate(*, year: int, seed: int) -> int:
    """Prepare, announce, reveal, execute and publish the draws of the year's demo plans; the
    number created."""
    rng = random.Random(seed)
    office = _actor(Role.OFFICE, f"{CITY}-SAMR")
    justice = _actor(Role.JUSTICE, f"{CITY}-JUS")
    plans = _demo_plans(year)
    created = 0

    def owner_of(plan: Plan) -> User:
        return office if plan.is_class_a else _actor(Role.PLANNER, plan.department.code)

    def run(plan: Plan, *, beacon: dict[str, str] | None = None, announce_only: bool = False) -> Draw:
        owner = owner_of(plan)
        draw = services.draw_prepare(acting_user=owner, plan=plan,
                                     spec={"beacon": beacon} if beacon else None)
        keys = {c.party: _secret(rng, c.party) for c in draw.commitments.all()}
        walk = DrawWalk(owner=owner, office=office, justice=justice, secrets=keys)
        if announce_only:
            return walk.run(draw, until="announced")
        walk.beacon = f"{rng.randrange(1000):03d}" if draw.beacon_kind else None
        return walk.run(draw)

    for plan in plans["A"][:1]:
        lottery = f"中国福利彩票3D {year}150期开奖号码（3 位数字）"
        joint = run(plan, beacon={"kind": "lottery", "description": lottery})
        services.draw_publish(acting_user=office, draw=joint)
        created += 1
    for plan in plans["B"][:1]:
        b_draw = run(plan)
        result = json.loads(b_draw.result.text)
        if result["selected"]:
            services.draw_substitute(acting_user=owner_of(plan), draw=b_draw,
                                     uscc=result["selected"][0]["uscc"],
                                     reason="经实地核查已停止经营（演示）")
        services.draw_publish(acting_user=owner_of(plan), draw=b_draw)
        created += 1
    for plan in plans["C"][:1]:
        services.draw_publish(acting_user=owner_of(plan), draw=run(plan))
        created += 1
    for plan in plans["B"][1:2]:
        at = (clock.now() + timedelta(days=7)).replace(hour=21, minute=30, second=0, microsecond=0)
        lottery = f"中国福利彩票3D {at:%Y-%m-%d} 开奖号码（3 位数字）"
        run(plan, beacon={"kind": "lottery", "description": lottery, "at": at.isoformat()},
            announce_only=True)
        created += 1
    return created


def demo_summary() -> list[dict[str, Any]]:
    """What the demo made, for the command line."""
    return [{"code": d.code, "title": d.title, "status": d.get_status_display()}
            for d in Draw.objects.filter(plan__title__endswith=SUFFIX).order_by("pk")]
