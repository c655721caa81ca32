"""Duplication between plans (R-B3, R-P3): how many entities two plans of the same window
may both hit.

Two plans overlap when their windows share a day and their populations share entities.
Each plan draws each entity of its stratum ``s`` with probability ``q_s / n_s`` (DRAW.md
section 4: the first ``q_s`` of ``n_s`` in a random order); the two draws are independent,
so the expected number of entities both plans inspect is the sum, over the shared
entities, of the product of the two probabilities. The shared entities come grouped by
the values of the five strata dimensions, so each group has one probability per plan.

Pure: standard library and the draw's pure specification module only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from math import gcd

from spotcheck.draws.domain.spec import DIMENSIONS, stratum_name

GROUP_DIMENSIONS = tuple(DIMENSIONS)  # class, division, risk, industry, kind


@dataclass(frozen=True)
class Overlap:
    shared: int  # entities in both populations
    expected: Fraction  # entities both plans are expected to draw

    @property
    def expected_rounded(self) -> int:
        return int(self.expected + Fraction(1, 2))

    @property
    def at_most(self) -> int:
        return self.shared


def windows_overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> bool:
    return a_start <= b_end and b_start <= a_end


def selection_rates(quota: Mapping[str, int], sizes: Mapping[str, int]) -> dict[str, Fraction]:
    """Probability that an entity of each stratum is drawn: ``q_s / n_s``."""
    return {s: Fraction(quota.get(s, 0), n) for s, n in sizes.items() if n > 0}


def expected_overlap(groups: Iterable[tuple[Mapping[str, str], int]],
                     dims_a: Sequence[str], rates_a: Mapping[str, Fraction],
                     dims_b: Sequence[str], rates_b: Mapping[str, Fraction]) -> Overlap:
    """``groups``: (values of the dimensions either plan stratifies by, count) of the entities
    both populations hold; ``dims_*`` the strata dimensions and ``rates_*`` the selection
    rates of each plan.

    The groups are summed per pair of strata first (integers), then each pair adds
    ``count * q_a * q_b / (n_a * n_b)`` to one exact integer fraction: as exact as summing
    ``Fraction`` per group, at the cost of the few pairs instead of the many groups."""
    shared = 0
    pairs: Counter[tuple[str, str]] = Counter()
    for values, count in groups:
        shared += count
        pairs[stratum_name(dims_a, values), stratum_name(dims_b, values)] += count
    num, den = 0, 1
    for (a, b), count in pairs.items():
        rate_a, rate_b = rates_a.get(a), rates_b.get(b)
        if not rate_a or not rate_b:
            continue
        n = count * rate_a.numerator * rate_b.numerator
        d = rate_a.denominator * rate_b.denominator
        num, den = num * d + n * den, den * d
        common = gcd(num, den)
        num, den = num // common, den // common
    return Overlap(shared, Fraction(num, den))
