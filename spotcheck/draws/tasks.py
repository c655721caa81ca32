"""Background work of draws: load by id, call one service (STYLE 9). Progress is on the draw row."""

from __future__ import annotations

from django_tasks import task


@task()
def draw_freeze_task(draw_id: int) -> dict[str, str | int | None]:
    """Freeze the population, roster and conflicts and write the announcement."""
    from spotcheck.draws.services import draw_freeze

    draw = draw_freeze(draw_id)
    return {"code": draw.code, "status": draw.status, "population": draw.population_size}


@task()
def draw_run_task(draw_id: int) -> dict[str, str | int | None]:
    """Execute a claimed draw and store its result."""
    from spotcheck.draws.services import draw_run

    draw = draw_run(draw_id)
    return {"code": draw.code, "status": draw.status}
