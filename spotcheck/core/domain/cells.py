"""Cells of imported files that several imports read the same way: lists and yes/no flags.

Pure: standard library only (import-linter contract).
"""

from __future__ import annotations

import re

# A list in one cell (tags, codes): separated by semicolons, commas, 、 or spaces.
SPLIT = re.compile(r"[;；,，、\s]+")
YES = {"是", "在册", "Y", "y", "YES", "yes", "1", "true", "TRUE"}
NO = {"否", "不在册", "N", "n", "NO", "no", "0", "false", "FALSE"}


def parse_flag(value: str) -> bool | str | None:
    """是/否 → True/False, blank → None, anything else → the bad text."""
    if not value:
        return None
    if value in YES:
        return True
    if value in NO:
        return False
    return value
