"""A plan in the words of the regime: ratios in percent, places by name, strata as credit-risk
levels, industries and kinds — never the stored rule's codes and basis points (which stay
the draw's terms, DRAW.md section 4)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from spotcheck.accounts.models import Division
from spotcheck.core.reference import industry_sections
from spotcheck.draws.domain.spec import DIMENSIONS
from spotcheck.planning.domain.office import percent
from spotcheck.planning.domain.quota import KIND_LABELS, RISK_LABELS, stratum_label
from spotcheck.roster.models import Tag

ROUNDING_WORDS = {"ceil": "向上取整", "floor": "向下取整"}


def percent_value(bp: int) -> str:
    """Basis points as the number typed in a percent box: 2500 -> "25", 250 -> "2.5"."""
    return percent(bp).rstrip("%")


def bp_of(value: Decimal) -> int:
    """A percent typed (at most two decimals) as basis points: 2.5 -> 250."""
    return int((value * 100).to_integral_value())


def split_default(values: Mapping[str, int]) -> tuple[int | None, dict[str, int]]:
    """(the value most strata share, the strata set apart from it): what the editor shows.
    On a tie the smaller value is the default, so the result does not depend on order."""
    if not values:
        return None, {}
    counts = Counter(values.values())
    default = min(counts, key=lambda v: (-counts[v], v))
    if len(values) > 1 and counts[default] == 1:
        return None, dict(values)  # nothing shared: every stratum is its own
    return default, {k: v for k, v in values.items() if v != default}


def division_names(codes: Sequence[str] = ()) -> dict[str, str]:
    qs = Division.objects.all() if not codes else Division.objects.filter(code__in=codes)
    return dict(qs.values_list("code", "name"))


def rule_text(rule: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """``{"kind": "rates", "rates_bp": {...}}`` -> "按比例抽取（向上取整）：高风险 25%；其余分层 4%"."""
    kind = rule.get("kind")
    if kind == "total":
        return f"按总数抽取 {rule.get('total')} 户，按各分层主体数分配"
    values = dict(rule.get("rates_bp" if kind == "rates" else "counts") or {})
    show = (lambda v: percent(v)) if kind == "rates" else (lambda v: f"{v} 户")
    default, apart = split_default(values)
    parts = [f"{stratum_label(s, names)} {show(v)}" for s, v in apart.items()]
    if default is not None:
        parts.append(f"{'全部' if list(values) == ['all'] else '其余分层' if apart else '每个分层'} "
                     f"{show(default)}")
    head = "按比例抽取" if kind == "rates" else "按数量抽取"
    if kind == "rates":
        head += f"（{ROUNDING_WORDS.get(rule.get('rounding', 'ceil'), '')}）"
    return head + "：" + "；".join(parts)


def strata_text(dims: Sequence[str]) -> str:
    return "、".join(DIMENSIONS.get(d, d) for d in dims) or "不分层"


def scope_text(plan: Any, names: Mapping[str, str]) -> str:
    """The plan's population filters in words; no filter: its division and all below."""
    industries = industry_sections() if plan.industries else {}
    parts = []
    if plan.divisions:
        parts.append("区划 " + "、".join(names.get(c, c) for c in plan.divisions))
    if plan.industries:
        parts.append("行业 " + "、".join(industries.get(c, c) for c in plan.industries))
    if plan.kinds:
        parts.append("类型 " + "、".join(KIND_LABELS.get(c, c) for c in plan.kinds))
    if plan.tags:
        parts.append("重点领域 " + "、".join(plan.tags))
    if plan.risk_levels:
        parts.append("信用风险等级 " + "、".join(RISK_LABELS.get(c, c) for c in plan.risk_levels))
    return "；".join(parts) or f"{plan.division.name}及所辖全部 {plan.target_class} 类主体"


def team_tag_labels(plan: Any) -> list[str]:
    """The qualifications a plan's team requires, by their roster labels (the codes are kept
    where a tag has since gone)."""
    owners = (Tag.objects.filter(department__division_id=plan.division_id) if plan.target_class == "A"
              else Tag.objects.filter(department_id=plan.department_id))
    labels = dict(owners.filter(code__in=plan.team_tags).values_list("code", "label"))
    return [labels.get(code, code) for code in plan.team_tags]
