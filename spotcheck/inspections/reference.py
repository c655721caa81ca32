"""The result-code tree and the filing reasons, parsed from the reference files
(``spotcheck.core.reference``) into the inspections domain's types."""

from __future__ import annotations

from functools import lru_cache

from spotcheck.core.reference import read_csv
from spotcheck.inspections.domain.filing import Reason, parse_reasons
from spotcheck.inspections.domain.results import ResultTree


@lru_cache(maxsize=1)
def result_tree() -> ResultTree:
    return ResultTree.from_rows(read_csv("result_codes.csv"))


@lru_cache(maxsize=1)
def filing_reasons() -> tuple[Reason, ...]:
    return parse_reasons(read_csv("filing_reasons.csv"))


def result_choices() -> list[tuple[str, str]]:
    """Leaf result codes with their path, for the form's select."""
    tree = result_tree()
    return [(c.code, tree.label(c.code)) for c in tree.leaves()]
