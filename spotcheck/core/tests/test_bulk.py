"""insert_rows: the set-based writer behind the tasks of a draw and the merge's notices;
id_array: many ids as one parameter."""

from __future__ import annotations

import pytest

from spotcheck.accounts.models import User
from spotcheck.core.bulk import id_array, insert_rows
from spotcheck.inspections.models import EnterpriseNotice


@pytest.mark.django_db
def test_no_rows_make_no_statement(django_assert_num_queries) -> None:  # type: ignore[no-untyped-def]
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
