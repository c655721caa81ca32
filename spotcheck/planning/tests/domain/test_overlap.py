"""R-B3: the expected number of entities two plans of one window both draw."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from spotcheck.planning.domain.overlap import expected_overlap, selection_rates, windows_overlap

G = {"class": "B", "division": "361102", "risk": "high", "industry": "F", "kind": "company"}


def test_windows_meet_when_they_share_a_day() -> None:
    june = (date(2027, 6, 1), date(2027, 6, 30))
    assert windows_overlap(*june, date(2027, 6, 30), date(2027, 7, 5))
    assert not windows_overlap(*june, date(2027, 9, 1), date(2027, 9, 30))


def test_the_expected_overlap_multiplies_the_two_rates_per_group() -> None:
    low = {**G, "risk": "low"}
    rates_a = selection_rates({"risk.high": 5, "risk.low": 1}, {"risk.high": 10, "risk.low": 10})
    rates_b = selection_rates({"all": 10}, {"all": 40})
    overlap = expected_overlap([(G, 10), (low, 10)], ("risk",), rates_a, (), rates_b)
    assert overlap.shared == 20
    assert overlap.expected == Fraction(10 * 5, 10) / 4 + Fraction(10 * 1, 10) / 4  # 1.5
    assert overlap.expected_rounded == 2


@given(shared=st.integers(0, 500), qa=st.integers(0, 500), qb=st.integers(0, 500))
def test_the_expected_overlap_never_exceeds_either_draw(shared: int, qa: int, qb: int) -> None:
    na, nb = shared + 100, shared + 50
    qa, qb = min(qa, na), min(qb, nb)
    overlap = expected_overlap([(G, shared)], (), selection_rates({"all": qa}, {"all": na}),
                               (), selection_rates({"all": qb}, {"all": nb}))
    assert overlap.shared == shared
    assert overlap.expected <= min(shared, qa, qb)
