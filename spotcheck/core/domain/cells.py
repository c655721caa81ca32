"""Cells of imported files that several imports read the same way: lists and yes/no words.

Pure: standard library only (import-linter contract).
"""

from __future__ import annotations

import re

# A list in one cell (tags, codes): separated by semicolons, commas, 、 or spaces.
SPLIT = re.compile(r"[;；,，、\s]+")
# 是 / 否 and their usual spellings (the import checks' Flag reads them).
YES = frozenset({"是", "在册", "Y", "y", "YES", "yes", "1", "true", "TRUE"})
NO = frozenset({"否", "不在册", "N", "n", "NO", "no", "0", "false", "FALSE"})
