"""insert_rows: the set-based writer behind the tasks of a draw and the merge's notices;
update_rows: its counterpart for rows that exist; id_array and id_batches: many ids as one
parameter."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection

from spotcheck.accounts.models import User
from spotcheck.core.bulk import Encoded, id_array, id_batches, insert_rows, update_rows
from spotcheck.inspections.models import EnterpriseNotice, JointInspection
from spotcheck.inspections.tests import factories as f


@pytest.mark.django_db
def test_no_rows_make_no_statement(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        insert_rows(EnterpriseNotice, ("uscc",), [])


def test_a_default_computed_per_row_must_be_given_by_the_rows() -> None:
    """A notice's verification code differs per notice: one value shared by every row would
    repeat it, so the writer refuses before writing anything."""
    with pytest.raises(ValueError, match="verify_token"):
        insert_rows(EnterpriseNotice, ("uscc",), [("91361102033962177E",)])


@pytest.mark.django_db
def test_id_array_selects_and_updates_exactly_the_given_rows() -> None:
    users = [User.objects.create_user(username=f"ids-{i}", password="x") for i in range(4)]
    chosen = [users[0].pk, users[2].pk, 10**12]  # an id that does not exist matches nothing
    assert set(User.objects.filter(pk__in=id_array(chosen)).values_list("username", flat=True)) == {
        "ids-0", "ids-2"}
    assert User.objects.filter(pk__in=id_array(chosen)).update(display_name="选中") == 2
    assert set(User.objects.filter(display_name="选中").values_list("pk", flat=True)) == set(chosen[:2])
    assert not User.objects.filter(pk__in=id_array([])).exists()


@pytest.mark.django_db
def test_update_rows_sets_each_row_its_own_values_and_the_constants_in_one_statement(
        django_assert_num_queries: Any) -> None:
    users = [User.objects.create_user(username=f"upd-{i}", password="x") for i in range(3)]
    rows = [(users[0].pk, "甲", "91361102033962177E"), (users[2].pk, "丙", ""),
            (10**12, "无", "")]  # a key that does not exist changes nothing
    with django_assert_num_queries(1):
        update_rows(User, ("display_name", "enterprise_uscc"), rows, constants={"role": "office"})
    got = {u.username: (u.display_name, u.enterprise_uscc, u.role) for u in User.objects.filter(
        username__startswith="upd-")}
    assert got == {"upd-0": ("甲", "91361102033962177E", "office"), "upd-1": ("", "", ""),
                   "upd-2": ("丙", "", "office")}
    with django_assert_num_queries(0):
        assert update_rows(User, ("display_name",), []) == 0


@pytest.mark.django_db
def test_update_rows_writes_null_foreign_keys() -> None:
    user = User.objects.create_user(username="upd-fk", password="x")
    department_id = User.objects.filter(pk=user.pk).values_list("department_id", flat=True).get()
    update_rows(User, ("department_id",), [(user.pk, None)])
    assert User.objects.get(pk=user.pk).department_id is None is department_id


def test_id_batches_give_every_id_once_in_order() -> None:
    ids = list(range(1, 4502))
    batches = list(id_batches(ids, 2000))
    assert [i for batch in batches for i in batch] == ids
    # One statement's worth on PostgreSQL (one array parameter), SQLite's limit elsewhere.
    assert len(batches) == (1 if connection.vendor == "postgresql" else 3)
    assert list(id_batches([], 2000)) == []


def test_an_encoded_json_value_is_written_as_the_value_it_encodes(departments: Any) -> None:
    """A value many rows share is encoded once and stored as if each row had given it."""
    lead = f.dept("361100-SAMR")
    shared = Encoded.of([{"department": "市市场监管局", "code": "SAMR-1"}])
    insert_rows(JointInspection, ("entity_id", "uscc", "team", "plans"),
                [(e.pk, e.uscc, shared, ["计划一"]) for e in f.entities(2)],
                constants={"division_id": "361100", "year": 2027, "window_start": date(2027, 6, 1),
                           "window_end": date(2027, 6, 30), "lead_id": lead.pk, "default_lead_id": lead.pk})
    joints = list(JointInspection.objects.all())
    assert [j.team for j in joints] == [[{"department": "市市场监管局", "code": "SAMR-1"}]] * 2
    assert [j.plans for j in joints] == [["计划一"]] * 2
