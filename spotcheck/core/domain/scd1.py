"""The SCD-1 identifier (DRAW.md section 1): STRATUM, DEPT, INSPECTOR_ID and tags match
``[A-Za-z0-9_.:-]{1,64}``, so lines of the bundle sort the same as strings and as bytes.

The one definition in the platform; ``verifier/verify_draw.py`` stays a single stdlib-only
file and keeps its own copy (``NAME_RE``), which must mirror this one.

Pure: standard library only (import-linter contract).
"""

from __future__ import annotations

import re

SCD1_ID_TEXT = r"[A-Za-z0-9_.:-]{1,64}"
SCD1_ID = re.compile(SCD1_ID_TEXT)
SCD1_ID_PATTERN = rf"^{SCD1_ID_TEXT}$"  # the same rule, for database CheckConstraints


def is_scd1_id(value: str) -> bool:
    return bool(SCD1_ID.fullmatch(value))
