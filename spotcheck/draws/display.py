"""How a draw's specification reads in Chinese (the draw page and the public portal)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from spotcheck.accounts.models import Department, Division
from spotcheck.core.reference import industry_sections
from spotcheck.draws.domain.spec import DIMENSIONS, EXPERT_SUFFIX
from spotcheck.draws.models import Draw
from spotcheck.registry.models import EntityKind, LibraryClass, RegistrationStatus, RiskLevel

ROUNDING = {"ceil": "向上取整（至少）", "floor": "向下取整（至多）"}


def _labels(values: list[str], choices: Any) -> str:
    names = dict(choices)
    return "、".join(str(names.get(v, v)) for v in values)


def quota_text(quota: dict[str, Any]) -> str:
    kind = quota.get("kind")
    if kind == "rates":
        parts = []
        if quota.get("default_bp") is not None:
            parts.append(f"每个分层 {quota['default_bp'] / 100:g}%")
        parts += [f"{s} {bp / 100:g}%" for s, bp in quota.get("rates_bp", {}).items()]
        return f"按比例：{'，'.join(parts)}；{ROUNDING.get(quota.get('rounding', ''), '')}"
    if kind == "counts":
        parts = []
        if quota.get("default") is not None:
            parts.append(f"每个分层 {quota['default']} 户")
        parts += [f"{s} {k} 户" for s, k in quota.get("counts", {}).items()]
        return f"按数量：{'，'.join(parts)}"
    if kind == "total":
        return f"按总数：共 {quota.get('total')} 户，按各分层规模分配（最大余数法）"
    return "—"


def team_text(team: dict[str, Any] | None) -> str:
    if not team:
        return "不随机选派检查人员"
    codes = {s["dept"].removesuffix(EXPERT_SUFFIX) for s in team["slots"]}
    names = dict(Department.objects.filter(code__in=codes).values_list("code", "name"))
    slots = []
    for s in team["slots"]:
        dept = s["dept"]
        expert = dept.endswith(EXPERT_SUFFIX)
        name = names.get(dept.removesuffix(EXPERT_SUFFIX), dept)
        who = f"{name}专家" if expert else f"{name}执法人员"
        slots.append(f"{who}（{'不限专长' if s['tag'] == '*' else '专长 ' + s['tag']}）")
    pool = "；只从联合检查人员库选派" if team.get("joint_pool") else ""
    return (f"每户 {len(slots)} 人：" + "，".join(slots)
            + f"；每人负荷上限为平均负荷加 {team.get('cap_slack', 0)}{pool}")


def spec_lines(draw: Draw) -> list[tuple[str, str]]:
    """(label, text) lines describing what will be drawn; no personal data."""
    spec = draw.spec
    divisions = spec.get("divisions") or []
    if divisions:
        names = dict(Division.objects.filter(code__in=divisions).values_list("code", "name"))
        where = "、".join(names.get(c, c) for c in divisions)
    else:
        where = f"{draw.division.name}全域"
    lines = [
        ("监管库类别", _labels(spec.get("classes", []), LibraryClass.choices)),
        ("行政区划", where),
    ]
    if spec.get("industries"):
        lines.append(("行业门类", _labels(spec["industries"], industry_sections().items())))
    if spec.get("kinds"):
        lines.append(("市场主体类型", _labels(spec["kinds"], EntityKind.choices)))
    if spec.get("tags"):
        lines.append(("重点领域", "、".join(spec["tags"])))
    if spec.get("risk_levels"):
        lines.append(("信用风险等级", _labels(spec["risk_levels"], RiskLevel.choices)))
    lines.append(("登记状态", _labels(spec.get("statuses", []), RegistrationStatus.choices)
                  + "（注销、吊销、迁出的主体不在抽取范围内）"))
    if draw.excluded_count:
        lines.append(("排除", f"{draw.excluded_count} 户（如本年度已就同一事项检查）"))
    strata = spec.get("strata") or []
    by = " × ".join(DIMENSIONS[d] for d in strata)
    lines.append(("分层", f"按 {by} 分层" if strata else "不分层"))
    lines.append(("抽取规则", quota_text(spec.get("quota", {}))))
    lines.append(("检查人员", team_text(spec.get("team"))))
    if draw.window_start or draw.window_end:
        lines.append(("检查实施期", f"{draw.window_start or '—'} 至 {draw.window_end or '—'}"))
    if draw.beacon_kind:
        at = f"（{timezone.localtime(draw.beacon_at):%Y-%m-%d %H:%M} 产生）" if draw.beacon_at else ""
        lines.append(("公开信标", f"{draw.beacon_description}{at}"))
    lines.append(("哈希算法", draw.get_hash_name_display()))
    return lines
