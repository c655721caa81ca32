"""The column-wise ID check (the import's fast path) agrees with the one-by-one check, and the
import's row-by-row check with both."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.core.imports.checks import Bad
from spotcheck.registry.domain.checks import id_number_problem, id_numbers_valid
from spotcheck.registry.imports import IdNumber

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _with_check(first17: str) -> str:
    return first17 + "10X98765432"[sum(w * int(c) for w, c in zip(_WEIGHTS, first17, strict=True)) % 11]


valid = st.tuples(st.sampled_from("123456789"), st.text(alphabet="0123456789", min_size=16, max_size=16)).map(
    lambda t: _with_check(t[0] + t[1]))


def _bytes18(alphabet: str) -> st.SearchStrategy[str]:
    """Texts of exactly 18 bytes: ASCII from ``alphabet`` and k CJK characters (3 bytes each)."""
    return st.integers(0, 6).flatmap(lambda k: st.lists(
        st.sampled_from(alphabet), min_size=18 - 3 * k, max_size=18 - 3 * k).flatmap(
        lambda chars: st.permutations([*chars, *["上"] * k])).map("".join))


# 18 bytes of anything an ID cell may hold: digits, X and x, letters, a CJK character
other = _bytes18("0123456789Xx/A")


@given(st.lists(st.one_of(valid, other), min_size=1, max_size=60))
def test_the_packed_check_agrees_with_the_one_by_one_check(ids: list[str]) -> None:
    got = list(id_numbers_valid("".join(ids).encode("utf-8")))
    assert got == [bool(re.fullmatch(r"[1-9][0-9]{16}[0-9X]", v)) and id_number_problem(v) is None
                   for v in ids]


@given(st.lists(valid, min_size=1, max_size=60))
def test_ids_with_their_check_character_pass(ids: list[str]) -> None:
    assert id_numbers_valid("".join(ids).encode("ascii")).all()


# 17 digits and a last character of anything a cell may end with
seventeen_digits = st.tuples(st.text(alphabet="0123456789", min_size=17, max_size=17),
                             st.sampled_from("0123456789XxY/-A")).map("".join)


@given(st.lists(st.one_of(valid, seventeen_digits), min_size=1, max_size=60))
def test_the_import_takes_a_cell_of_17_digits_and_one_more_only_as_a_resident_id_with_its_check(
        ids: list[str]) -> None:
    # GB 11643: such a cell is a resident ID or nothing; the row-by-row check of the entity
    # import takes it exactly when the packed check does (upper case, as the import stores it)
    taken = [not isinstance(v, Bad) for v in IdNumber().cells(ids)]
    assert taken == list(id_numbers_valid("".join(ids).upper().encode("ascii")))
