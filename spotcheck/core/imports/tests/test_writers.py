"""The PostgreSQL writer's ids, on the toy import's table through the writer's public
methods: new rows get their primary keys beforehand (``reserve_ids``), as one block when
the sequence gives them consecutive, and a first load (``bulk_begin``) draws its block once."""

from __future__ import annotations

from itertools import pairwise

import pytest
from django.db import connection

from spotcheck.core.imports.tests.toy import Gadget
from spotcheck.core.imports.writers import PostgresWriter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


def _next_from_sequence() -> int:
    """An id drawn by another session's insert (straight from the sequence)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('imports_test_gadget', 'id'))")
        return int(cursor.fetchone()[0])


def test_ids_drawn_apart_by_other_sessions_are_taken_one_by_one() -> None:
    """A sequence that steps by two stands for other sessions drawing in between."""
    writer = PostgresWriter(Gadget, "code")
    first = writer.reserve_ids(5)
    assert isinstance(first, range) and len(first) == 5
    assert writer.reserve_ids(0) == []
    with connection.cursor() as cursor:
        cursor.execute("ALTER SEQUENCE imports_test_gadget_id_seq INCREMENT BY 2")
    apart = writer.reserve_ids(5)
    assert isinstance(apart, list) and len(set(apart)) == 5 and min(apart) > max(first)
    assert all(b - a == 2 for a, b in pairwise(apart))


def test_a_first_load_takes_ids_from_the_block_drawn_when_it_began_and_draws_more_when_it_is_used_up(
        ) -> None:
    writer = PostgresWriter(Gadget, "code")
    assert writer.bulk_begin(rows=3)
    after_block = _next_from_sequence()  # the block was drawn by bulk_begin: below this
    two = writer.reserve_ids(2)
    last = writer.reserve_ids(1)
    assert [*two, *last] == list(range(after_block - 3, after_block))
    more = writer.reserve_ids(5)  # the block is used up: a new block of five
    assert isinstance(more, range) and len(more) == 5 and more.start > after_block


def test_a_first_load_is_refused_on_a_table_that_holds_rows() -> None:
    Gadget.objects.create(code="G1", name="部件")
    assert not PostgresWriter(Gadget, "code").bulk_begin(rows=3)
