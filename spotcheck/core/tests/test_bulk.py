"""insert_rows: the set-based writer behind the tasks of a draw and the merge's notices."""

from __future__ import annotations

import pytest

from spotcheck.core.bulk import insert_rows
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
