"""Two executions of the same draw started together, each on its own database connection,
yield exactly one result (DRAW.md section 7: a draw is never executed twice).

The guarded update ``revealed → executing`` lets one request claim the draw; should two runs
of the claimed work race anyway (a worker and ``manage.py draw_run``), the unique result row
settles it. PostgreSQL only: SQLite serialises writers, so there is no race to test.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections

from spotcheck.audit.models import AuditEvent, Outcome
from spotcheck.core.errors import Conflict, ServiceError
from spotcheck.draws import services
from spotcheck.draws.models import Draw, DrawResult, Selection
from spotcheck.draws.tests.factories import World, approved_plan, b_spec, make_entities
from spotcheck.planning.models import Plan

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a race needs concurrent writers"),
    pytest.mark.django_db(transaction=True),
]


def together(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released at the same moment; their results or exceptions."""
    barrier = threading.Barrier(len(calls), timeout=30)
    outcomes: list[Any] = [None] * len(calls)

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connections.close_all()  # this thread's own connection

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_two_executions_started_together_give_one_result(world: World) -> None:
    assert connection.vendor == "postgresql"
    make_entities(30)
    draw = world.reveal(world.announce(world.prepare()))
    outcomes = together([
        lambda: services.draw_execute(acting_user=world.planner, draw=draw, background=False),
        lambda: services.draw_execute(acting_user=world.office, draw=draw, background=False),
    ])
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    done = [o for o in outcomes if isinstance(o, Draw)]
    assert len(done) == 1 and len(conflicts) == 1, outcomes
    assert conflicts[0].code == "already_executed"
    assert DrawResult.objects.filter(draw=draw).count() == 1
    assert Draw.objects.get(pk=draw.pk).status == "executed"
    assert AuditEvent.objects.filter(action="draw.execute", object_id=draw.code,
                                     outcome=Outcome.SUCCESS).count() == 1
    assert AuditEvent.objects.filter(action="draw.execute", object_id=draw.code,
                                     outcome=Outcome.DENIED).count() == 1


def test_two_runs_of_a_claimed_draw_store_one_result(world: World, monkeypatch: Any) -> None:
    make_entities(30)
    draw = world.reveal(world.announce(world.prepare()))
    services.draw_execute(acting_user=world.planner, draw=draw, background=True)  # claimed, not run
    assert Draw.objects.get(pk=draw.pk).status == "executing"
    # Both runs compute the result, then meet here and store at the same moment.
    meet = threading.Barrier(2, timeout=30)
    real_store = services._store_result

    def store(*args: Any, **kwargs: Any) -> Any:
        meet.wait()
        return real_store(*args, **kwargs)

    monkeypatch.setattr(services, "_store_result", store)
    outcomes = together([lambda: services.draw_run(draw.pk), lambda: services.draw_run(draw.pk)])
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == 1 and conflicts[0].code == "already_executed", outcomes
    assert DrawResult.objects.filter(draw=draw).count() == 1
    assert Draw.objects.get(pk=draw.pk).status == "executed"
    stored = DrawResult.objects.get(draw=draw)
    assert Selection.objects.filter(draw=draw).count() == stored.selected_count  # stored once


def test_r_a2_of_two_class_a_draws_racing_for_the_last_headroom_the_second_is_refused(
        world: World, monkeypatch: Any) -> None:
    # 40 class-A entities: at most 4 a year. Each plan draws 3: one fits, two do not.
    make_entities(40, cls="A")
    spec = {"classes": ["A"], "strata": [], "quota": {"kind": "total", "total": 3}}
    plans = [approved_plan(spec, dept="361100-SAMR") for _ in range(2)]
    # Both have counted the year's class-A draws before either writes its own.
    meet = threading.Barrier(2, timeout=10)
    real_count = services._class_a_drawn

    def counted(*args: Any, **kwargs: Any) -> int:
        n = real_count(*args, **kwargs)
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait()
        return n

    monkeypatch.setattr(services, "_class_a_drawn", counted)
    def prepare(plan: Plan) -> Callable[[], Any]:
        return lambda: services.draw_prepare(acting_user=world.office, plan=plan)

    outcomes = together([prepare(p) for p in plans])
    refused = [o for o in outcomes if isinstance(o, ServiceError)]
    assert len(refused) == 1 and refused[0].code == "class_a_cap", outcomes
    assert Draw.objects.filter(classes="A").exclude(status="cancelled").count() == 1
    assert [d.planned_count for d in Draw.objects.all()] == [3]


def test_r_p3_two_draws_of_one_plan_prepared_together_give_one(world: World) -> None:
    make_entities(10)
    plan = approved_plan(b_spec())
    outcomes = together([lambda: services.draw_prepare(acting_user=world.planner, plan=plan)] * 2)
    conflicts = [o for o in outcomes if isinstance(o, Conflict)]
    assert len(conflicts) == 1 and conflicts[0].code == "draw_exists", outcomes
    assert Draw.objects.count() == 1 and Plan.objects.get(pk=plan.pk).draw_id == Draw.objects.get().pk
