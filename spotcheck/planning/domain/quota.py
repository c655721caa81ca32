"""A plan's strata and quota, in the terms of the SCD-1 draw (DRAW.md section 4).

A plan names the dimensions of its strata (the draw's: class, division, risk, industry,
kind) and a quota rule over the strata names, e.g. ratios differentiated by credit-risk
level (R-R4): ``{"kind": "rates", "rates_bp": {"risk.high": 3000, "risk.low": 300},
"rounding": "ceil"}``. The rule the plan stores is explicit: every stratum the population
may have is named (a default the user gives is expanded over the possible strata here), so
that a stratum that happens to be empty today still has its rate when the draw runs.

Invariants: a stored rule names only strata the plan's dimensions and filters can produce;
ratios are 0..10000 basis points; counts and totals are non-negative integers; class-A
rules round down (a cap, R-A2).

Pure: standard library and the draw's pure specification module only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any

from spotcheck.draws.domain.spec import DIMENSIONS, KINDS, RISK_LEVELS, stratum_name

FULL_BP = 10000
MAX_STRATA = 5000
QUOTA_KINDS = ("rates", "counts", "total")
ROUNDINGS = ("ceil", "floor")
INDUSTRY_SECTIONS = tuple("ABCDEFGHIJKLMNOPQRST")
RISK_LABELS = {"low": "低风险", "general": "一般风险", "higher": "较高风险", "high": "高风险"}
KIND_LABELS = {"company": "公司", "non_company": "非公司企业法人", "individual": "个体工商户",
               "cooperative": "农民专业合作社", "branch": "分支机构", "other": "其他"}
DIMENSION_ORDER = tuple(DIMENSIONS)  # class, division, risk, industry, kind


class QuotaError(ValueError):
    """``fields`` maps a field name to a Chinese message."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__("；".join(fields.values()))
        self.fields = dict(fields)


@dataclass(frozen=True)
class StrataScope:
    """The values each dimension can take for a plan: its target class, the divisions of
    its scope, and its filters (an empty filter: every value)."""

    target_class: str
    divisions: Sequence[str]
    risk_levels: Sequence[str] = ()
    industries: Sequence[str] = ()
    kinds: Sequence[str] = ()

    def values(self, dimension: str) -> tuple[str, ...]:
        if dimension == "class":
            return (self.target_class,)
        if dimension == "division":
            return tuple(sorted(self.divisions))
        if dimension == "risk":
            return tuple(self.risk_levels) or RISK_LEVELS
        if dimension == "industry":
            return tuple(self.industries) or INDUSTRY_SECTIONS
        return tuple(self.kinds) or KINDS


def ordered_dimensions(dims: Iterable[str]) -> tuple[str, ...]:
    wanted = set(dims)
    unknown = wanted - set(DIMENSION_ORDER)
    if unknown:
        raise QuotaError({"strata": f"分层维度 {'、'.join(sorted(unknown))} 无效：只能是"
                                    f"{'、'.join(f'{k}（{v}）' for k, v in DIMENSIONS.items())}。"})
    return tuple(d for d in DIMENSION_ORDER if d in wanted)


def possible_strata(dims: Sequence[str], scope: StrataScope) -> list[str]:
    """Every stratum name the plan's population can have, in byte order."""
    dims = ordered_dimensions(dims)
    if not dims:
        return ["all"]
    size = 1
    for d in dims:
        size *= max(1, len(scope.values(d)))
    if size > MAX_STRATA:
        raise QuotaError({"strata": f"分层过细：所选维度组合出 {size} 个分层，最多 {MAX_STRATA} 个。"
                                    "请减少分层维度或缩小抽取范围。"})
    names = [stratum_name(dims, dict(zip(dims, combo, strict=True)))
             for combo in product(*(scope.values(d) for d in dims))]
    return sorted(names, key=str.encode)


def _int_value(raw: Any, label: str, hi: int | None) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        try:
            raw = int(str(raw).strip())
        except ValueError:
            raise QuotaError({"quota": f"{label}应为整数，实际为“{raw}”。"}) from None
    if raw < 0:
        raise QuotaError({"quota": f"{label}不能为负数（{raw}）。"})
    if hi is not None and raw > hi:
        raise QuotaError({"quota": f"{label}为 {raw} 个基点，超过 10000 个基点（100%）。"})
    return raw


def build_quota(*, kind: str, values: Mapping[str, Any], default: Any = None, total: Any = None,
                rounding: str = "ceil", strata: Sequence[str], target_class: str) -> dict[str, Any]:
    """The explicit SCD-1 rule from what the user entered: per-stratum values, a default
    for the strata not named (expanded here), or a total. Raises QuotaError (Chinese, by field)."""
    if kind not in QUOTA_KINDS:
        raise QuotaError({"quota": f"抽取规则“{kind}”无效："
                                   "应为按比例（rates）、按数量（counts）或按总数（total）。"})
    if kind == "total":
        if total in (None, ""):
            raise QuotaError({"quota": "请填写抽取总数。"})
        return {"kind": "total", "total": _int_value(total, "抽取总数", None)}
    known = set(strata)
    unknown = [s for s in values if s not in known]
    if unknown:
        shown = "、".join(list(strata)[:12]) + ("……" if len(strata) > 12 else "")
        raise QuotaError({"quota": f"分层“{'、'.join(unknown)}”不存在："
                                   f"按所选分层维度和抽取范围，可用的分层为 {shown}。"})
    hi = FULL_BP if kind == "rates" else None
    unit = "抽取比例" if kind == "rates" else "抽取数量"
    named = {s: _int_value(v, f"分层 {s} 的{unit}", hi) for s, v in values.items()}
    if default not in (None, ""):
        fill = _int_value(default, f"其余分层的{unit}", hi)
        named = {s: named.get(s, fill) for s in strata}
    if not named:
        raise QuotaError({"quota": f"请填写各分层的{unit}，或其余分层的默认值。"})
    ordered = dict(sorted(named.items(), key=lambda kv: kv[0].encode()))
    if kind == "counts":
        return {"kind": "counts", "counts": ordered}
    if rounding not in ROUNDINGS:
        raise QuotaError({"quota": "取整方式应为 ceil（向上取整）或 floor（向下取整）。"})
    if target_class == "A" and rounding != "floor":
        raise QuotaError({"quota": "A 类库的抽取比例是上限（R-A2：不超过 10%），须向下取整（floor）。"})
    return {"kind": "rates", "rates_bp": ordered, "rounding": rounding}


def quota_from_rule(rule: Any, strata: Sequence[str], target_class: str) -> dict[str, Any]:
    """A rule given in SCD-1 form (the API's input), checked as ``build_quota`` checks the
    editor's; ``default_bp``/``default`` are expanded over the possible strata."""
    if not isinstance(rule, dict):
        raise QuotaError({"quota": "抽取规则（quota）应为对象，如 "
                                   "{\"kind\": \"rates\", \"rates_bp\": {...}, \"rounding\": \"ceil\"}。"})
    kind = str(rule.get("kind", ""))
    values = rule.get("rates_bp") if kind == "rates" else rule.get("counts") if kind == "counts" else {}
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise QuotaError({"quota": "各分层的比例或数量应为“分层: 数值”的对应表。"})
    default = rule.get("default_bp") if kind == "rates" else rule.get("default")
    return build_quota(kind=kind, values=values, default=default, total=rule.get("total"),
                       rounding=str(rule.get("rounding", "ceil")), strata=strata,
                       target_class=target_class)


def quota_entries(rule: Mapping[str, Any]) -> tuple[dict[str, int], Any]:
    """(per-stratum values, total or None) of a stored rule: what the editor shows back."""
    if rule.get("kind") == "rates":
        return dict(rule.get("rates_bp", {})), None
    if rule.get("kind") == "counts":
        return dict(rule.get("counts", {})), None
    return {}, rule.get("total")


def stratum_label(name: str, division_names: Mapping[str, str] | None = None) -> str:
    """A stratum name for people: ``B.361102.risk.high`` -> ``B类·信州区·高风险``."""
    if name == "all":
        return "全部"
    parts = name.split(".")
    out: list[str] = []
    i = 0
    while i < len(parts):
        p = parts[i]
        if p in ("risk", "ind", "kind") and i + 1 < len(parts):
            v = parts[i + 1]
            out.append(RISK_LABELS.get(v, v) if p == "risk" else f"{v}门类" if p == "ind"
                       else KIND_LABELS.get(v, v))
            i += 2
            continue
        if p in ("A", "B", "C"):
            out.append(f"{p}类")
        else:
            out.append((division_names or {}).get(p, p))
        i += 1
    return "·".join(out)


def total_drawn(quota: Mapping[str, int]) -> int:
    return sum(quota.values())


# --- ratios by credit-risk level (R-R4: differentiated supervision) -------------------------

# The picker's presets: percent per level, low → high (basis points).
RISK_PRESETS: dict[str, dict[str, int]] = {
    "1-3-10-30": {"low": 100, "general": 300, "higher": 1000, "high": 3000},
    "2-5-10-20": {"low": 200, "general": 500, "higher": 1000, "high": 2000},
    "1-2-5-10": {"low": 100, "general": 200, "higher": 500, "high": 1000},
}


def risk_of(stratum: str) -> str | None:
    """The credit-risk level a stratum name carries (``B.361102.risk.high`` -> ``high``)."""
    parts = stratum.split(".")
    for i, p in enumerate(parts[:-1]):
        if p == "risk" and parts[i + 1] in RISK_LABELS:
            return parts[i + 1]
    return None


def rates_by_risk(strata: Sequence[str], levels: Mapping[str, int],
                  typed: Mapping[str, int] | None = None) -> dict[str, int]:
    """Each stratum's rate from its risk level (basis points), unless a rate was typed for
    the stratum itself; strata without a level rate are left to the default."""
    out: dict[str, int] = {}
    for s in strata:
        if typed and s in typed:
            out[s] = typed[s]
            continue
        level = risk_of(s)
        if level is not None and level in levels:
            out[s] = levels[level]
    return out


@dataclass(frozen=True)
class RiskEffect:
    """What a plan draws from one credit-risk level: entities, rates, drawn (R-R4)."""

    level: str
    label: str
    size: int
    drawn: int
    rates: tuple[int, ...]  # the distinct rates (basis points) of its strata; () for counts/totals


def effect_by_risk(rows: Iterable[tuple[str, int, int | None, int]]) -> list[RiskEffect]:
    """Stratum rows (name, size, value, quota) summed by risk level, low → high; [] when the
    strata are not by risk level."""
    sums: dict[str, list[int]] = {}
    rates: dict[str, set[int]] = {}
    for name, size, value, quota in rows:
        level = risk_of(name)
        if level is None:
            return []
        acc = sums.setdefault(level, [0, 0])
        acc[0] += size
        acc[1] += quota
        if value is not None:
            rates.setdefault(level, set()).add(value)
    return [RiskEffect(level, RISK_LABELS[level], sums[level][0], sums[level][1],
                       tuple(sorted(rates.get(level, ()))))
            for level in RISK_LEVELS if level in sums]
