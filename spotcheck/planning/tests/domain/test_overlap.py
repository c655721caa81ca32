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


_risks = st.sampled_from(["high", "low", "medium"])
_divisions = st.sampled_from(["361102", "361103"])


@given(groups=st.lists(st.tuples(_risks, _divisions, st.integers(1, 10_000)), max_size=30),
       quotas=st.lists(st.integers(0, 50), min_size=5, max_size=5))
def test_the_expected_overlap_equals_the_sum_per_group_in_fractions(
        groups: list[tuple[str, str, int]], quotas: list[int]) -> None:
    """R-B3: summing per pair of strata in integers gives exactly the per-group sum."""
    values = [({"risk": r, "division": d}, n) for r, d, n in groups]
    sizes_a = {"risk.high": 10_000, "risk.low": 20_000, "risk.medium": 30_001}
    sizes_b = {"361102": 70_003, "361103": 9_999}
    rates_a = selection_rates(dict(zip(sizes_a, quotas[:3], strict=True)), sizes_a)
    rates_b = selection_rates(dict(zip(sizes_b, quotas[3:], strict=True)), sizes_b)
    expected = sum((n * rates_a[f"risk.{v['risk']}"] * rates_b[v["division"]]
                    for v, n in values), Fraction(0))
    overlap = expected_overlap(values, ("risk",), rates_a, ("division",), rates_b)
    assert overlap.expected == expected
    assert overlap.shared == sum(n for _, n in values)
