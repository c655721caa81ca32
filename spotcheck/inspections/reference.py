"""Reference lists the one form and filings use (``spotcheck/core/reference/*.csv``)."""

from __future__ import annotations

from functools import lru_cache

from spotcheck.accounts.reference import read_csv
from spotcheck.inspections.domain.filing import Reason, parse_reasons
from spotcheck.inspections.domain.results import ResultTree


@lru_cache(maxsize=1)
def result_tree() -> ResultTree:
    return ResultTree.from_rows(read_csv("result_codes.csv"))


@lru_cache(maxsize=1)
def methods() -> tuple[str, ...]:
    return tuple(r["name"] for r in read_csv("inspection_methods.csv"))


@lru_cache(maxsize=1)
def follow_ups() -> tuple[str, ...]:
    return tuple(r["name"] for r in read_csv("follow_up_actions.csv"))


@lru_cache(maxsize=1)
def filing_reasons() -> tuple[Reason, ...]:
    return parse_reasons(read_csv("filing_reasons.csv"))


def result_choices() -> list[tuple[str, str]]:
    """Leaf result codes with their path, for the form's select."""
    tree = result_tree()
    return [(c.code, tree.label(c.code)) for c in tree.leaves()]
