"""What the office checks at review besides the hard rules (R-P3): ratio, frequency and
duplication, and the differentiation by credit risk (R-R4). These findings are warnings the
reviewer weighs; the hard rules are in ``checks``.

Pure: standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from spotcheck.planning.domain.checks import Finding

B_WINDOWS_PER_YEAR = 2
LOW_RISK = ("low", "general")
HIGH_RISK = ("higher", "high")


@dataclass(frozen=True)
class ItemNorm:
    """An item of the plan with what its list says: default ratio and yearly frequency,
    and how many plans of the year (this one included) take it."""

    code: str
    name: str
    ratio_bp: int
    frequency: int
    plans_this_year: int


@dataclass(frozen=True)
class DuplicateHit:
    other_plan: str  # code
    other_title: str
    other_department: str
    shared: int
    expected: int


def percent(bp: int) -> str:
    whole, rest = divmod(bp, 100)
    return f"{whole}%" if not rest else f"{bp / 100:.2f}".rstrip("0").rstrip(".") + "%"


def _risk_rates(rates_bp: Mapping[str, int]) -> dict[str, list[int]]:
    by_level: dict[str, list[int]] = {}
    for stratum, bp in rates_bp.items():
        parts = stratum.split(".")
        for i, p in enumerate(parts[:-1]):
            if p == "risk":
                by_level.setdefault(parts[i + 1], []).append(bp)
    return by_level


def office_findings(*, target_class: str, population: int, drawn: int, frequency: int,
                    items: Sequence[ItemNorm], quota: Mapping[str, object],
                    duplicates: Sequence[DuplicateHit]) -> list[Finding]:
    findings: list[Finding] = []
    add = findings.append
    # Ratio: class B draws at least what the list sets as the item's default ratio (R-B2).
    if target_class == "B" and population and items:
        effective = drawn * 10000 // population
        floor_item = max(items, key=lambda i: i.ratio_bp)
        if effective < floor_item.ratio_bp:
            add(Finding("R-P3", f"本计划抽查比例约 {percent(effective)}（{drawn}/{population} 户），"
                                f"低于清单对事项“{floor_item.name}”设定的默认比例"
                                f" {percent(floor_item.ratio_bp)}。",
                        severity="warning"))
    # Frequency against the list, and the windows of class B (R-Q1).
    for item in items:
        if item.plans_this_year * frequency < item.frequency:
            add(Finding("R-P3", f"事项“{item.name}”({item.code}) 清单要求每年抽查 {item.frequency} 次，"
                                f"本年计划合计 {item.plans_this_year * frequency} 次。", severity="warning"))
        elif frequency > item.frequency:
            add(Finding("R-P3", f"事项“{item.name}”({item.code}) 计划频次每年 {frequency} 次，"
                                f"高于清单要求的 {item.frequency} 次，会增加企业负担。", severity="warning"))
    if target_class == "B" and frequency > B_WINDOWS_PER_YEAR:
        add(Finding("R-Q1", f"B 类库每年只有 {B_WINDOWS_PER_YEAR} 个检查实施期（6 月、9 月），"
                            f"计划频次 {frequency} 次无法安排。", severity="warning"))
    # R-R4: higher-risk entities are drawn at a higher rate than lower-risk ones.
    if quota.get("kind") == "rates":
        rates = quota.get("rates_bp")
        by_level = _risk_rates(rates if isinstance(rates, dict) else {})
        low = [bp for level in LOW_RISK for bp in by_level.get(level, [])]
        high = [bp for level in HIGH_RISK for bp in by_level.get(level, [])]
        if low and high and min(high) < max(low):
            add(Finding("R-R4", f"信用风险较高、高的分层抽查比例（最低 {percent(min(high))}）"
                                f"低于低、一般风险分层（最高 {percent(max(low))}）："
                                "应对高风险主体提高抽查比例。",
                        severity="warning"))
    # R-B3: other departments' plans of the same window may hit the same entities.
    for hit in duplicates:
        if hit.expected >= 1:
            add(Finding("R-B3", f"与{hit.other_department}计划“{hit.other_title}”({hit.other_plan}) "
                                f"在同一实施期范围重叠 {hit.shared} 户，预计重复抽中约 {hit.expected} 户，"
                                "抽取后将合并为联合检查。", severity="warning"))
    return findings
