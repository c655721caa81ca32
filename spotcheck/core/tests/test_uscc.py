"""The USCC helpers agree with the verifier's check (the one implementation)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.core.domain.uscc import (
    USCC_CHARS,
    uscc_is_valid,
    uscc_problem,
    uscc_with_check,
    usccs_valid,
)
from verifier import verify_draw

alphabet17 = st.text(alphabet=USCC_CHARS, min_size=17, max_size=17)
anything = st.text(alphabet=USCC_CHARS + "IOZSVabc-", min_size=0, max_size=20)


def test_it_re_exports_the_verifiers_check() -> None:
    assert uscc_is_valid is verify_draw.uscc_is_valid


@given(alphabet17)
def test_the_code_with_its_check_character_is_valid(first17: str) -> None:
    code = uscc_with_check(first17)
    assert uscc_is_valid(code)
    assert uscc_problem(code) is None


def test_a_known_code_and_the_textbook_weights() -> None:
    # check = 31 - sum % 31, where 31 gives 0
    assert uscc_with_check("91350100M000100Y4") == "91350100M000100Y43"


def test_problems_are_explained_in_chinese() -> None:
    good = uscc_with_check("91361102MA35XXXX0")
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    assert "校验位错误" in (uscc_problem(wrong) or "")
    assert "18 位" in (uscc_problem(good[:10]) or "")
    assert "不允许的字符" in (uscc_problem(good[:17].replace("A", "I") + "0") or "")


# 18 bytes: ASCII in and out of the alphabet, and k CJK characters (3 bytes each)
eighteen = st.integers(0, 6).flatmap(lambda k: st.lists(
    st.sampled_from(USCC_CHARS + "IOZSVa-"), min_size=18 - 3 * k, max_size=18 - 3 * k).flatmap(
    lambda chars: st.permutations([*chars, *["上"] * k])).map("".join))


@given(st.lists(st.one_of(eighteen, alphabet17.map(uscc_with_check)), min_size=1, max_size=60))
def test_the_packed_check_agrees_with_the_one_by_one_check(codes: list[str]) -> None:
    """Codes of 18 bytes, joined (the import's column-wise path): a character outside the
    alphabet, or any byte of a non-ASCII one, makes the code invalid."""
    assert list(usccs_valid("".join(codes).encode("utf-8"))) == [uscc_is_valid(c) for c in codes]
