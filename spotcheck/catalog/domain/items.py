"""Pure rules of the item list (检查事项清单, R-L1, R-L2).

Invariants: an item's codes are SCD-1 identifiers (plans and draws name them in strata);
a team has at least two enforcement inspectors; a class-A joint item applies to class A;
a filing's digest covers exactly what was filed, in a canonical form. No Django, no app code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from spotcheck.core.domain.scd1 import SCD1_ID

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


@dataclass(frozen=True)
class Vocabulary:
    """What list fields may hold: inspection methods, entity kinds, GB/T 4754 sections, the
    key-field tags of the entity library, and the department's roster tag codes."""

    methods: Collection[str]
    entity_types: Collection[str]
    industries: Collection[str]
    key_tags: Collection[str]
    inspector_tags: Collection[str]


@dataclass(frozen=True)
class PowerRef:
    """The power entry an item names, as far as R-L1 cares."""

    code: str
    same_department: bool
    active: bool
    is_inspection: bool
    kind_label: str


@dataclass
class ItemDraft:
    """An item's values before they are written (from a form, the API or a file row)."""

    code: str
    name: str
    basis: str
    content: str
    power: PowerRef | None
    methods: Sequence[str]
    target_entity_types: Sequence[str] = ()
    target_industries: Sequence[str] = ()
    target_tags: Sequence[str] = ()
    inspector_tags: Sequence[str] = ()
    applicable_classes: Sequence[str] = ()
    in_joint_list: bool = False
    default_ratio_bp: int = 500
    frequency_per_year: int = 1
    inspectors_required: int = MIN_INSPECTORS


def _joined(values: Iterable[str]) -> str:
    return "、".join(values)


def item_problems(item: ItemDraft, vocabulary: Vocabulary, department_name: str
                  ) -> dict[str, str]:
    """Field -> Chinese message for each rule the item breaks (empty: none), in form order."""
    p: dict[str, str] = {}
    if not SCD1_ID.fullmatch(item.code) or len(item.code) > 32:
        p["code"] = f"事项编码“{item.code}”无效：只能由英文字母、数字及 _ . : - 组成，1 至 32 位。"
    if not item.name:
        p["name"] = "抽查事项名称不能为空。"
    # R-L1: every item follows the department's power list, an entry of kind 行政检查.
    power = item.power
    if power is None:
        p["power_entry"] = "抽查事项必须对应本部门行政权力清单中的行政检查事项（R-L1：清单外不得检查）。"
    elif not power.same_department:
        p["power_entry"] = f"权力事项 {power.code} 不属于{department_name}的行政权力清单（R-L1）。"
    elif not power.active:
        p["power_entry"] = f"权力事项 {power.code} 已停用，不能作为检查依据。"
    elif not power.is_inspection:
        p["power_entry"] = (f"权力事项 {power.code} 的类型是“{power.kind_label}”，抽查事项须对应行政检查"
                            "类权力事项。")
    if not item.basis:
        p["basis"] = "请填写检查依据（法律依据）。"
    if not item.content:
        p["content"] = "请填写检查内容。"
    if not item.methods:
        p["methods"] = "请至少选择一种检查方式。"
    elif bad := unknown(item.methods, vocabulary.methods):
        p["methods"] = f"检查方式 {_joined(bad)} 无效，可选：{_joined(vocabulary.methods)}。"
    if bad := unknown(item.target_entity_types, vocabulary.entity_types):
        p["target_entity_types"] = f"检查对象类型 {_joined(bad)} 无效。"
    if bad := unknown(item.target_industries, vocabulary.industries):
        p["target_industries"] = f"行业门类 {_joined(bad)} 无效，应为 GB/T 4754-2017 门类字母 A–T。"
    if bad := unknown(item.target_tags, vocabulary.key_tags):
        p["target_tags"] = f"重点领域 {_joined(bad)} 不在重点领域目录中。"
    if not 1 <= item.default_ratio_bp <= MAX_RATIO_BP:
        p["default_ratio_bp"] = "默认抽查比例应在 0.01% 至 100% 之间（1 至 10000 个基点）。"
    if not 1 <= item.frequency_per_year <= MAX_FREQUENCY:
        p["frequency_per_year"] = f"抽查频次应为每年 1 至 {MAX_FREQUENCY} 次。"
    if item.inspectors_required < MIN_INSPECTORS:
        p["inspectors_required"] = f"每次检查至少需要 {MIN_INSPECTORS} 名执法检查人员。"
    if bad := unknown(item.inspector_tags, vocabulary.inspector_tags):
        p["inspector_tags"] = f"资格要求 {_joined(bad)} 不在{department_name}的资格与专长标签中。"
    classes = item.applicable_classes
    if not classes:
        p["applicable_classes"] = "请至少选择一个适用类别（A/B/C）。"
    elif bad := unknown(classes, LIBRARY_CLASSES):
        p["applicable_classes"] = f"适用类别 {_joined(bad)} 无效，只能是 A、B、C。"
    if item.in_joint_list and "A" not in classes:
        p["in_joint_list"] = "列入A类联合检查事项清单的事项必须适用于A类主体（R-A3）。"
    return p


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
