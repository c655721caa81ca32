"""The reference data files (the CSV files beside this module, or the deployment's own folder
``settings.SPOTCHECK_REFERENCE_DIR``): the one place that reads them.

The lists every app shares are here (industries, inspection methods, follow-up actions);
an app that gives a file's rows a meaning of its own (the city's member units in accounts,
the result-code tree and filing reasons in inspections) reads the rows through ``read_csv``
and parses them itself. Core imports no app.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from django.conf import settings


def reference_dir() -> Path:
    return Path(settings.SPOTCHECK_REFERENCE_DIR)


def read_csv(name: str) -> list[dict[str, str]]:
    """The rows of one reference file, by column name."""
    with (reference_dir() / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@lru_cache(maxsize=1)
def industry_sections() -> dict[str, str]:
    """GB/T 4754-2017 sections: letter -> name."""
    return {r["section"]: r["name"] for r in read_csv("industries_gbt4754_2017.csv")}


@lru_cache(maxsize=1)
def inspection_methods() -> tuple[str, ...]:
    """核查方式: how an item was checked."""
    return tuple(r["name"] for r in read_csv("inspection_methods.csv"))


@lru_cache(maxsize=1)
def follow_up_actions() -> tuple[str, ...]:
    """后续处置: what follows a finding (the judicial transfer is R-R1)."""
    return tuple(r["name"] for r in read_csv("follow_up_actions.csv"))
