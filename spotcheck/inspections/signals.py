"""An executed draw becomes inspection tasks once its result is committed (the plan behind it
gives the items and the window). A failure here never undoes the draw: the window merge
makes the tasks of any executed draw that has none."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from spotcheck.draws.models import DrawResult

log = logging.getLogger(__name__)


def _make_tasks(draw_id: int) -> None:
    from spotcheck.core.errors import ServiceError
    from spotcheck.draws.models import Draw
    from spotcheck.inspections.services import tasks_from_draw

    try:
        tasks_from_draw(draw=Draw.objects.get(pk=draw_id))
    except ServiceError as exc:
        log.warning("检查任务未生成（抽取 %s）：%s", draw_id, exc.message)


@receiver(post_save, sender=DrawResult, dispatch_uid="inspections.tasks_on_draw_result")
def tasks_when_draw_executed(sender: Any, instance: DrawResult, created: bool, **kwargs: Any) -> None:
    if created:
        draw_id = instance.draw_id
        transaction.on_commit(lambda: _make_tasks(draw_id))
