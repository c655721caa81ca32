"""Demo draws for the quick start, run through the real services on the demo data:

1. the office's class-A joint draw (R-A2: at most 10 %, rates rounded down), teams from the
   joint pool of two departments, a lottery beacon confirmed by a second person — published;
2. 市生态环境局's class-B draw with a team of two enforcement inspectors and one entity
   substituted after an on-site check — published;
3. 市卫健委's class-C draw of entities only (no team) — published, so that its public bundle
   verifies completely (a team draw's public bundle lacks conflicts.csv: PARTIAL);
4. 市市场监管局's class-B draw, announced, waiting for its beacon a week later (the portal
   shows a draw before it happens).

Deterministic by seed; idempotent (a second run creates nothing). Acts as the demo accounts
when they exist, else as dedicated demo users without a usable password.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import Role
from spotcheck.core import clock
from spotcheck.draws import services
from spotcheck.draws.models import Draw, Party

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


def _walk(draw: Draw, rng: random.Random, *, owner: User, office: User, justice: User,
          stop_after_announce: bool = False) -> Draw:
    secrets: dict[str, str] = {}
    for c in draw.commitments.all():
        who = {Party.OFFICE: office, Party.JUSTICE: justice}.get(Party(c.party), owner)
        secrets[c.party] = _secret(rng, c.party)
        services.draw_commit(acting_user=who, draw=draw, party=c.party, secret=secrets[c.party])
    draw = services.draw_announce(acting_user=owner, draw=draw, background=False)
    if stop_after_announce:
        return draw
    for c in draw.commitments.all():
        who = {Party.OFFICE: office, Party.JUSTICE: justice}.get(Party(c.party), owner)
        services.draw_reveal(acting_user=who, draw=draw, party=c.party, secret=secrets[c.party])
    if draw.beacon_kind:
        value = f"{rng.randrange(1000):03d}"
        services.draw_beacon_enter(acting_user=owner, draw=draw, value=value)
        services.draw_beacon_confirm(acting_user=justice, draw=draw, value=value)
    return services.draw_execute(acting_user=owner, draw=draw, background=False)


def draws_generate(*, seed: int) -> int:
    """Prepare, announce, reveal, execute and publish the demo draws; the number created."""
    ref = f"demo:{seed}"
    if Draw.objects.filter(source_ref__startswith=ref).exists():
        return 0
    rng = random.Random(seed)
    office = _actor(Role.OFFICE, f"{CITY}-SAMR")
    justice = _actor(Role.JUSTICE, f"{CITY}-JUS")
    env = _actor(Role.PLANNER, f"{CITY}-ENV")
    health = _actor(Role.PLANNER, f"{CITY}-HEALTH")
    samr = _actor(Role.PLANNER, f"{CITY}-SAMR")
    year = clock.today().year
    created = 0

    joint = services.draw_prepare(
        acting_user=office, department=Department.objects.get(code=f"{CITY}-SAMR"), source_ref=f"{ref}:A",
        title=f"{year} 年度 A 类库跨部门联合双随机抽查",
        spec={"classes": ["A"], "strata": ["division"],
              "quota": {"kind": "rates", "rounding": "floor", "rates_bp": {}, "default_bp": 1000},
              "team": {"slots": [{"dept": f"{CITY}-SAMR", "tag": "*"}, {"dept": f"{CITY}-ENV", "tag": "*"}],
                       "cap_slack": 1, "joint_pool": True},
              "beacon": {"kind": "lottery", "description": f"中国福利彩票3D {year}150期开奖号码（3 位数字）"},
              "window": {"start": f"{year}-06-01", "end": f"{year}-06-30"}})
    joint = _walk(joint, rng, owner=office, office=office, justice=justice)
    services.draw_publish(acting_user=office, draw=joint)
    created += 1

    b_draw = services.draw_prepare(
        acting_user=env, department=env.department, source_ref=f"{ref}:B",  # type: ignore[arg-type]
        title=f"{year} 年度生态环境领域 B 类库双随机抽查",
        spec={"classes": ["B"], "strata": ["class", "division"], "industries": ["C", "D", "E", "N"],
              "quota": {"kind": "rates", "rounding": "ceil", "rates_bp": {}, "default_bp": 300},
              "team": {"slots": [{"dept": f"{CITY}-ENV", "tag": "*"}, {"dept": f"{CITY}-ENV", "tag": "*"}],
                       "cap_slack": 1},
              "window": {"start": f"{year}-09-01", "end": f"{year}-09-30"}})
    b_draw = _walk(b_draw, rng, owner=env, office=office, justice=justice)
    result = json.loads(b_draw.result.text)
    if result["selected"]:
        services.draw_substitute(acting_user=env, draw=b_draw, uscc=result["selected"][0]["uscc"],
                                 reason="经实地核查已停止经营（演示）")
    services.draw_publish(acting_user=env, draw=b_draw)
    created += 1

    c_draw = services.draw_prepare(
        acting_user=health, department=health.department, source_ref=f"{ref}:C",  # type: ignore[arg-type]
        title=f"{year} 年度卫生健康领域 C 类库双随机抽查（检查对象）",
        spec={"classes": ["C"], "strata": ["division"],
              "quota": {"kind": "counts", "counts": {}, "default": 2}})
    c_draw = _walk(c_draw, rng, owner=health, office=office, justice=justice)
    services.draw_publish(acting_user=health, draw=c_draw)
    created += 1

    at = (clock.now() + timedelta(days=7)).replace(hour=21, minute=30, second=0, microsecond=0)
    lottery = f"中国福利彩票3D {at:%Y-%m-%d} 开奖号码（3 位数字）"
    pending = services.draw_prepare(
        acting_user=samr, department=samr.department, source_ref=f"{ref}:P",  # type: ignore[arg-type]
        title=f"{year} 年度市场监管领域 B 类库双随机抽查",
        spec={"classes": ["B"], "strata": ["class", "division"], "industries": ["F", "H"],
              "quota": {"kind": "rates", "rounding": "ceil", "rates_bp": {}, "default_bp": 200},
              "team": {"slots": [{"dept": f"{CITY}-SAMR", "tag": "*"}, {"dept": f"{CITY}-SAMR", "tag": "*"}],
                       "cap_slack": 1},
              "beacon": {"kind": "lottery", "description": lottery, "at": at.isoformat()},
              "window": {"start": f"{year}-09-01", "end": f"{year}-09-30"}})
    _walk(pending, rng, owner=samr, office=office, justice=justice, stop_after_announce=True)
    created += 1
    return created


def demo_summary() -> list[dict[str, Any]]:
    """What the demo made, for the command line."""
    return [{"code": d.code, "title": d.title, "status": d.get_status_display()}
            for d in Draw.objects.filter(source_ref__startswith="demo:").order_by("pk")]
