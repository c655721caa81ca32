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


MARKET_SUPERVISION = "SAMR"


@lru_cache(maxsize=1)
def general_result_codes() -> frozenset[str]:
    """The result codes for items of departments other than market supervision
    (``result_codes_general.csv``, a part of the code tree)."""
    return frozenset(r["code"].strip() for r in read_csv("result_codes_general.csv"))


def result_codes_for(unit_code: str) -> frozenset[str] | None:
    """The result codes that fit an item of a department with this member-unit code: the
    whole SAMR tree for market supervision, the general list for others (None: all)."""
    return None if unit_code == MARKET_SUPERVISION else general_result_codes()


def result_choices_for(unit_code: str) -> list[tuple[str, str]]:
    allowed = result_codes_for(unit_code)
    return [(c, label) for c, label in result_choices() if allowed is None or c in allowed]
