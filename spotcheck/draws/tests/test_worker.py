"""Large draws freeze and execute in the worker; progress shows on the row and the command line."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from spotcheck.draws import services
from spotcheck.draws.models import Draw, DrawResult
from spotcheck.draws.tests.factories import World, b_spec, make_entities

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.mark.django_db
def test_a_large_draw_goes_to_the_worker_and_reports_progress(
        world: World, settings: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any) -> None:
    settings.TASKS = IMMEDIATE
    settings.SPOTCHECK_DRAW_INLINE_MAX = 5  # "large" above five entities
    make_entities(12)
    draw = world.commit_all(world.prepare())
    seen: list[str] = []
    real = services._progress_writer

    def spy(draw_id: int, echo: Any = None) -> Any:
        write = real(draw_id, echo)

        def record(phase: str, done: int = 0, total: int = 0) -> None:
            seen.append(phase)
            write(phase, done, total)

        return record

    monkeypatch.setattr(services, "_progress_writer", spy)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        draw = services.draw_announce(acting_user=world.planner, draw=draw)
    assert draw.status == "announcing" and Draw.objects.get(pk=draw.pk).progress_phase == "count"
    for callback in callbacks:
        callback()  # the worker picks the job up
    assert Draw.objects.get(pk=draw.pk).status == "announced"
    assert seen[:1] == ["population"] and "announcement" in seen
    world.reveal(draw)
    with django_capture_on_commit_callbacks(execute=True):
        draw = services.draw_execute(acting_user=world.planner, draw=draw)
    assert draw.status == "executing"
    assert seen[-2:] == ["store", "done"] and "select" in seen
    draw.refresh_from_db()
    assert draw.status == "executed" and draw.progress_phase == "done"
    assert DrawResult.objects.filter(draw=draw).exists()


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_draw(world: World, settings: Any) -> None:
    settings.SPOTCHECK_DRAW_INLINE_MAX = 0  # everything in the worker
    make_entities(8)
    draw = world.commit_all(world.prepare())
    services.draw_announce(acting_user=world.planner, draw=draw)
    assert Draw.objects.get(pk=draw.pk).status == "announcing"
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    assert Draw.objects.get(pk=draw.pk).status == "announced"
    world.reveal(draw)
    services.draw_execute(acting_user=world.planner, draw=draw)
    out = io.StringIO()
    call_command("draw_status", draw.code, stdout=out)
    assert "抽取中" in out.getvalue()
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    out = io.StringIO()
    call_command("draw_status", str(draw.pk), "--follow", stdout=out)
    assert "已抽取" in out.getvalue()


@pytest.mark.django_db
def test_draw_run_finishes_work_a_stopped_worker_left(world: World, settings: Any,
                                                      django_capture_on_commit_callbacks: Any) -> None:
    settings.SPOTCHECK_DRAW_INLINE_MAX = 0
    make_entities(6)
    draw = world.commit_all(world.prepare(spec=b_spec()))
    with django_capture_on_commit_callbacks(execute=False):  # the job is lost
        services.draw_announce(acting_user=world.planner, draw=draw)
    out = io.StringIO()
    call_command("draw_run", draw.code, stdout=out)
    assert "已公告" in out.getvalue() and "[" in out.getvalue()
    world.reveal(draw)
    with django_capture_on_commit_callbacks(execute=False):
        services.draw_execute(acting_user=world.planner, draw=draw)
    call_command("draw_run", draw.code, stdout=io.StringIO())
    assert Draw.objects.get(pk=draw.pk).status == "executed"
    with pytest.raises(CommandError, match="没有待完成的后台工作"):
        call_command("draw_run", draw.code, stdout=io.StringIO())


@pytest.mark.django_db
def test_a_failed_freeze_returns_the_draw_to_prepared_with_the_reason(world: World, settings: Any,
                                                                      monkeypatch: Any) -> None:
    make_entities(6)
    draw = world.commit_all(world.prepare())

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise OSError("disk full")

    monkeypatch.setattr(services, "_write_population", broken)
    with pytest.raises(services.ServiceError, match="disk full"):
        services.draw_announce(acting_user=world.planner, draw=draw, background=False)
    draw.refresh_from_db()
    assert draw.status == "prepared" and "disk full" in draw.last_error
    monkeypatch.undo()
    services.draw_announce(acting_user=world.planner, draw=draw, background=False)
    assert Draw.objects.get(pk=draw.pk).status == "announced"
