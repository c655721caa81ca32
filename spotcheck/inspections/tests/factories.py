"""Objects the inspection tests need: entities, items, executed draws with their selection
and teams (written as the draw service stores them), and plans as ``PlanInfo``."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from spotcheck.accounts.models import Department
from spotcheck.catalog.models import InspectionItem
from spotcheck.catalog.tests.factories import InspectionItemFactory
from spotcheck.core.domain.uscc import uscc_with_check
from spotcheck.draws.models import Assignment, Draw, DrawStatus, Selection
from spotcheck.inspections.services import PlanInfo
from spotcheck.registry.models import EntityKind, MarketEntity
from spotcheck.roster.models import Inspector
from spotcheck.roster.tests.factories import InspectorFactory

YEAR = 2027
JUNE = (date(YEAR, 6, 1), date(YEAR, 6, 30))
SEPTEMBER = (date(YEAR, 9, 1), date(YEAR, 9, 30))
WHOLE_YEAR = (date(YEAR, 1, 1), date(YEAR, 12, 31))
_serial = itertools.count(1)


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def entity(library_class: str = "B", *, division: str = "361102", name: str = "",
           status: str = "existing", uscc: str = "") -> MarketEntity:
    n = next(_serial)
    uscc = uscc or uscc_with_check(f"91361100MA{n:07d}")
    return MarketEntity.objects.create(uscc=uscc, name=name or f"上饶测试商贸有限公司{n}",
                                       kind=EntityKind.COMPANY, legal_rep_name="张三",
                                       division_id=division, industry="F",
                                       library_class=library_class, status=status)


def entities(count: int, library_class: str = "B") -> list[MarketEntity]:
    return [entity(library_class) for _ in range(count)]


def items(code: str, count: int, year: int = YEAR) -> list[InspectionItem]:
    department = dept(code)
    short = code.split("-")[-1]
    return [InspectionItemFactory.create(department=department, year=year,
                                         code=f"{short}-{next(_serial):04d}",
                                         name=f"{department.name}检查事项{i + 1}")
            for i in range(count)]


def inspectors(code: str, count: int = 2, *, user: Any = None) -> list[Inspector]:
    department = dept(code)
    made = [InspectorFactory.create(department=department) for _ in range(count)]
    if user is not None:
        made[0].user = user
        made[0].save(update_fields=["user"])
    return made


def executed_draw(owner: str, chosen: Sequence[MarketEntity], *, classes: str = "B",
                  window: tuple[date, date] | None = JUNE,
                  teams: Mapping[str, Sequence[Inspector]] | None = None,
                  team: Sequence[Inspector] = (), status: str = DrawStatus.EXECUTED,
                  year: int = YEAR) -> Draw:
    """A draw as stored after execution: its selection and, per entity, its team (``team``
    for all, or ``teams`` by USCC)."""
    department = dept(owner)
    n = next(_serial)
    draw = Draw.objects.create(
        code=f"{department.division_id}-{year}-T{n:05d}", title=f"{department.name}{year}年度抽查{n}",
        department=department, division=department.division, year=year, classes=classes,
        spec={"classes": list(classes)}, source_ref=f"plan-{n}",
        window_start=window[0] if window else None, window_end=window[1] if window else None,
        status=status, files_path=f"t{n}")
    for position, e in enumerate(chosen):
        selection = Selection.objects.create(draw=draw, position=position, uscc=e.uscc, entity=e,
                                             entity_name=e.name, stratum=classes)
        members = list((teams or {}).get(e.uscc, team))
        Assignment.objects.bulk_create(
            Assignment(selection=selection, slot=slot, inspector=i, inspector_code=i.certificate_no,
                       dept=i.department.code) for slot, i in enumerate(members))
    return draw


def plan(draw: Draw, plan_items: Iterable[InspectionItem], *, target_class: str = "",
         window: tuple[date, date] | None = None, department: Department | None = None) -> PlanInfo:
    start, end = window or (draw.window_start, draw.window_end)
    return PlanInfo(ref=draw.source_ref, title=draw.title, department=department or draw.department,
                    window_start=start, window_end=end, target_class=target_class or draw.classes,
                    items=tuple(plan_items))


def login(client: Any, user: Any) -> None:
    """Sign in on the moved clock (the password counts as changed that day)."""
    from spotcheck.core import clock

    type(user).objects.filter(pk=user.pk).update(password_changed_at=clock.now())
    client.force_login(user)


def joint_of_two(office: Any, team: Sequence[Any], **entity_fields: Any) -> Any:
    """A June joint visit of one entity by ENV (lead, two items, its two inspectors signed in
    as ``team``) and SAMR (one item), merged by the office's window merge."""
    from spotcheck.inspections import services
    from spotcheck.inspections.models import JointInspection

    target = entity(**entity_fields)
    env_team = inspectors("361100-ENV", 2, user=team[0])
    Inspector.objects.filter(pk=env_team[1].pk).update(user=team[1])
    for owner, n, members in (("361100-ENV", 2, env_team), ("361100-SAMR", 1, inspectors("361100-SAMR"))):
        draw = executed_draw(owner, [target], team=members)
        services.tasks_from_draw(draw=draw, plan=plan(draw, items(owner, n)))
    services.window_merge(division="361100", year=YEAR, window=6, acting_user=office)
    return JointInspection.objects.get(entity=target)
