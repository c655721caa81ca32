"""How the year's large tables are kept: the indexes they carry and the room their pages
leave for the update each row is sure to get (migrations 0014 and 0015)."""

from __future__ import annotations

import pytest
from django.db import connection, models

from spotcheck.inspections.models import EnterpriseNotice, InspectionTask, TaskItem, TaskMember

pytestmark = pytest.mark.django_db


def _indexed_columns(model: type[models.Model]) -> list[list[str]]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return [c["columns"] for c in found.values() if c["index"] or c["unique"] or c["primary_key"]]


def test_a_link_a_composite_index_leads_with_has_no_index_of_its_own() -> None:
    task = _indexed_columns(InspectionTask)
    for column in ("department_id", "division_id", "entity_id", "draw_id", "created_by_id",
                   "confirmed_by_id"):
        assert [column] not in task, column
    # What the single indexes gave, composite ones still give (they lead with the link).
    leads = {columns[0] for columns in task}
    assert {"department_id", "division_id", "entity_id", "draw_id", "joint_id"} <= leads
    assert ["task_id"] not in _indexed_columns(TaskItem) and ["task_id"] not in _indexed_columns(TaskMember)
    assert ["task_id", "item_id"] in _indexed_columns(TaskItem)
    assert ["inspector_id", "task_id"] in _indexed_columns(TaskMember)
    # A notice is read by its visit (unique) or by USCC, never by its other links.
    notice = _indexed_columns(EnterpriseNotice)
    assert ["task_id"] in notice and ["joint_id"] in notice and ["uscc", "is_current"] in notice
    for column in ("entity_id", "division_id", "lead_id", "replaced_by_id", "uscc"):
        assert [column] not in notice, column


def test_no_column_a_result_writes_is_indexed() -> None:
    """Recording a result updates these columns only: with none of them indexed, the update
    can stay on the row's page without writing any index (a heap-only tuple)."""
    written = {"result_code", "result_name", "method", "follow_up", "note", "recorded_at", "recorded_by_id"}
    indexed = {c for columns in _indexed_columns(TaskItem) for c in columns}
    assert not written & indexed


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="a PostgreSQL storage parameter")
def test_the_items_pages_leave_room_for_their_update() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = %s", [TaskItem._meta.db_table])
        (options,) = cursor.fetchone()
    assert "fillfactor=60" in (options or [])
