"""Pure rules of the item list (检查事项清单, R-L1, R-L2).

Invariants: an item's codes are SCD-1 identifiers (plans and draws name them in strata);
a team has at least two enforcement inspectors; a class-A joint item applies to class A;
a filing's digest covers exactly what was filed, in a canonical form. No Django, no app code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

LIBRARY_CLASSES = ("A", "B", "C")
MIN_INSPECTORS = 2  # the law wants at least two enforcement inspectors per inspection
MAX_RATIO_BP = 10_000
MAX_FREQUENCY = 12


def unknown(values: Iterable[str], allowed: Iterable[str]) -> list[str]:
    """Values not in ``allowed``, in their first order, once."""
    allowed_set = set(allowed)
    seen: list[str] = []
    for v in values:
        if v not in allowed_set and v not in seen:
            seen.append(v)
    return seen


def normalised(values: Iterable[str]) -> list[str]:
    """Stripped, without blanks and duplicates, sorted: how list fields are stored."""
    return sorted({v.strip() for v in values if v and v.strip()})


def item_problems(*, classes: Sequence[str], in_joint_list: bool, ratio_bp: int,
                  frequency: int, inspectors_required: int, methods: Sequence[str]
                  ) -> dict[str, str]:
    """Field -> Chinese message for each rule the item breaks (empty: none)."""
    problems: dict[str, str] = {}
    if not classes:
        problems["applicable_classes"] = "请至少选择一个适用类别（A/B/C）。"
    elif unknown(classes, LIBRARY_CLASSES):
        problems["applicable_classes"] = (
            f"适用类别 {'、'.join(unknown(classes, LIBRARY_CLASSES))} 无效，只能是 A、B、C。")
    if in_joint_list and "A" not in classes:
        problems["in_joint_list"] = "列入A类联合检查事项清单的事项必须适用于A类主体（R-A3）。"
    if not 1 <= ratio_bp <= MAX_RATIO_BP:
        problems["default_ratio_bp"] = "默认抽查比例应在 0.01% 至 100% 之间（1 至 10000 个基点）。"
    if not 1 <= frequency <= MAX_FREQUENCY:
        problems["frequency_per_year"] = f"抽查频次应为每年 1 至 {MAX_FREQUENCY} 次。"
    if inspectors_required < MIN_INSPECTORS:
        problems["inspectors_required"] = f"每次检查至少需要 {MIN_INSPECTORS} 名执法检查人员。"
    if not methods:
        problems["methods"] = "请至少选择一种检查方式。"
    return problems


def is_late(filed_on: date, deadline: date) -> bool:
    """R-L2: a list filed after the deadline (end of March by default) is late."""
    return filed_on > deadline


def snapshot_digest(rows: Sequence[Mapping[str, Any]]) -> str:
    """SHA-256 of the canonical JSON of what was filed: the filing can be re-checked later."""
    text = json.dumps(list(rows), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def percent_text(ratio_bp: int) -> str:
    """Basis points as a percentage for people: 350 -> "3.5%"."""
    whole, rest = divmod(ratio_bp, 100)
    return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"
