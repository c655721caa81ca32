"""Permission matrix of draws: every page and API endpoint, and who may use it.

Draws are owned by 市生态环境局 (361100-ENV) in the city, where the matrix's users sit; each
setup walks a draw through the real services to the state its URL needs.
"""

from __future__ import annotations

from typing import Any

from spotcheck.accounts.roles import Role
from spotcheck.core.tests.matrix import Case, roles

# Who reads a draw: government staff of its division, and the audit administrator.
READERS = roles(Role.OFFICE, Role.JUSTICE, Role.DEPT_ADMIN, Role.PLANNER, Role.INSPECTOR, Role.AUDIT_ADMIN)
# Who organises a department's class-B draw: the office of the division and the department.
OWNERS = roles(Role.OFFICE, Role.DEPT_ADMIN, Role.PLANNER)
# The commitment parties: office, justice bureau, the department's planner/administrator.
PARTIES = roles(Role.OFFICE, Role.JUSTICE, Role.DEPT_ADMIN, Role.PLANNER)
BEACON_PEOPLE = PARTIES

# Every party commits to the same secret here, so that the reveal case works for whichever
# party the signed-in role speaks for.
SHARED_SECRET = "matrix-secret-0000-shared"
BEACON_VALUE = "528"
# Filled in by the setup: the entity to substitute is known only once the draw is executed.
SUBSTITUTE: dict[str, Any] = {"uscc": "", "reason": "经实地核查已歇业"}
SPEC_JSON = '{"hash": "sm3"}'
MATRIX_PLAN = "361100-ENV-MATRIX"


def _world() -> Any:
    from spotcheck.accounts.tests.factories import UserFactory
    from spotcheck.draws.tests.factories import World

    return World(lambda role, dept=None: UserFactory(role=role, dept_code=dept))


def _prepared(*, beacon: bool = False) -> Any:
    from spotcheck.draws.tests.factories import b_spec, make_entities, use_temp_draws_dir

    use_temp_draws_dir()
    make_entities(6)
    spec = b_spec(beacon={"kind": "lottery", "description": "福彩3D 开奖号码"}) if beacon else b_spec()
    world = _world()
    return world, world.prepare(spec=spec)


def _announced(*, beacon: bool = False) -> Any:
    from spotcheck.core import clock
    from spotcheck.draws import services
    from spotcheck.draws.domain.commitments import commit_of
    from spotcheck.draws.models import Commitment

    world, draw = _prepared(beacon=beacon)
    Commitment.objects.filter(draw=draw).update(commit=commit_of(draw.hash_name, SHARED_SECRET),
                                                committed_at=clock.now())
    services.draw_announce(acting_user=world.planner, draw=draw, background=False)
    return world, draw


def _revealed(*, beacon: bool = False, enter_beacon: bool = False) -> Any:
    from spotcheck.draws import services

    world, draw = _announced(beacon=beacon)
    for c in draw.commitments.all():
        services.draw_reveal(acting_user=world.party_user(draw, c.party), draw=draw, party=c.party,
                             secret=SHARED_SECRET)
    if enter_beacon:
        services.draw_beacon_enter(acting_user=world.planner, draw=draw, value=BEACON_VALUE)
    return world, draw


def _executed() -> Any:
    world, draw = _revealed()
    world.execute(draw)
    return world, draw


def approved_plan() -> dict[str, Any]:
    """An approved plan of the department, named ``MATRIX_PLAN`` (a draw belongs to one, R-P3)."""
    from spotcheck.draws.tests.factories import approved_plan, b_spec, make_entities, use_temp_draws_dir
    from spotcheck.planning.models import Plan

    use_temp_draws_dir()
    make_entities(6)
    plan = approved_plan(b_spec(quota={"kind": "total", "total": 1}))
    Plan.objects.filter(pk=plan.pk).update(code=MATRIX_PLAN)
    return {}


def prepared() -> dict[str, Any]:
    return {"pk": _prepared()[1].pk}


def committed() -> dict[str, Any]:
    world, draw = _prepared()
    world.commit_all(draw)
    return {"pk": draw.pk}


def announced() -> dict[str, Any]:
    return {"pk": _announced()[1].pk}


def beacon_due() -> dict[str, Any]:
    return {"pk": _revealed(beacon=True)[1].pk}


def beacon_entered() -> dict[str, Any]:
    return {"pk": _revealed(beacon=True, enter_beacon=True)[1].pk}


def revealed() -> dict[str, Any]:
    return {"pk": _revealed()[1].pk}


def executed() -> dict[str, Any]:
    return {"pk": _executed()[1].pk}


def executed_for_substitution() -> dict[str, Any]:
    from spotcheck.draws.models import Selection

    draw = _executed()[1]
    SUBSTITUTE["uscc"] = Selection.objects.filter(draw=draw).order_by("position").first().uscc  # type: ignore[union-attr]
    return {"pk": draw.pk}


def published() -> Any:
    from spotcheck.draws import services

    world, draw = _executed()
    services.draw_publish(acting_user=world.planner, draw=draw)
    return draw


CASES = [
    # pages
    Case("draws:list", READERS),
    Case("draws:prepare", OWNERS),
    Case("draws:detail", READERS, setup=executed),
    Case("draws:progress", READERS, setup=announced),
    Case("draws:commit", PARTIES, setup=prepared),
    Case("draws:commit", PARTIES, setup=prepared, method="post"),  # shows the generated secret
    Case("draws:announce", OWNERS, setup=committed, method="post", ok_status=302),
    Case("draws:reveal", PARTIES, setup=announced, method="post", ok_status=302,
         data={"secret": SHARED_SECRET}),
    Case("draws:beacon_enter", BEACON_PEOPLE, setup=beacon_due, method="post", ok_status=302,
         data={"value": BEACON_VALUE}),
    Case("draws:beacon_confirm", BEACON_PEOPLE, setup=beacon_entered, method="post", ok_status=302,
         data={"value": BEACON_VALUE}),
    Case("draws:execute", OWNERS, setup=revealed, method="post", ok_status=302),
    Case("draws:publish", OWNERS, setup=executed, method="post", ok_status=302),
    Case("draws:cancel", OWNERS, setup=prepared, method="post", ok_status=302, data={"reason": "范围有误"}),
    Case("draws:substitute", OWNERS, setup=executed_for_substitution, method="post", ok_status=302,
         data=SUBSTITUTE),
    Case("draws:bundle", READERS, setup=executed),
    # API
    Case("api:draws-list", READERS),
    Case("api:draws-prepare", OWNERS, method="post", ok_status=201,
         setup=approved_plan, data={"title": "接口准备的抽取", "plan": MATRIX_PLAN, "spec": SPEC_JSON}),
    Case("api:draws-detail", READERS, setup=prepared),
    Case("api:draws-commit", PARTIES, setup=prepared, method="post"),
    Case("api:draws-announce", OWNERS, setup=committed, method="post"),
    Case("api:draws-reveal", PARTIES, setup=announced, method="post", data={"secret": SHARED_SECRET}),
    Case("api:draws-beacon-enter", BEACON_PEOPLE, setup=beacon_due, method="post",
         data={"value": BEACON_VALUE}),
    Case("api:draws-beacon-confirm", BEACON_PEOPLE, setup=beacon_entered, method="post",
         data={"value": BEACON_VALUE}),
    Case("api:draws-execute", OWNERS, setup=revealed, method="post"),
    Case("api:draws-publish", OWNERS, setup=executed, method="post"),
    Case("api:draws-cancel", OWNERS, setup=prepared, method="post", data={"reason": "范围有误"}),
    Case("api:draws-substitute", OWNERS, setup=executed_for_substitution, method="post", data=SUBSTITUTE),
    Case("api:draws-result", READERS, setup=executed),
    Case("api:draws-bundle", READERS, setup=executed),
]
