"""The specification of a draw: who may be drawn, in which strata, how many, by which team.

A specification is plain JSON (the API takes it as is; the page's form builds it):

    classes      ["B"]                     library classes (a class-A draw holds class A only, R-A2)
    divisions    ["361102"]                division codes (a city covers its counties); [] = the owner's
    industries   ["F", "H"]                GB/T 4754 sections; [] = all
    kinds        ["company"]               entity kinds; [] = all
    tags         ["制造业"]                  key-field tags (any of them); [] = no tag filter
    risk_levels  ["high", "higher"]        [] = all
    statuses     ["existing", "operating"] registration statuses; deregistered ones (注销/吊销/迁出) never
    strata       ["class", "division"]     dimensions of the strata; [] = one stratum "all"
    quota        {"kind": "rates", "rounding": "floor", "rates_bp": {...}, "default_bp": 1000}
                 {"kind": "counts", "counts": {...}, "default": 5}
                 {"kind": "total", "total": 50}
    team         {"slots": [{"dept": "361100-ENV", "tag": "*"}, ...], "cap_slack": 1,
                  "joint_pool": false}   (optional)
    beacon       {"kind": "lottery", "description": "...", "at": "2027-06-05T21:30:00+08:00"} (optional)
    window       {"start": "2027-06-01", "end": "2027-06-30"}   (optional)
    hash         "sha256" | "sm3"

Quota maps may name strata that do not exist yet; ``default_bp``/``default`` apply to every
stratum the population has and the map does not name. At the announcement the rule is
expanded to the explicit SCD-1 form over the strata present (``expand_quota``).

A STRATUM is the dimension values joined by ``.``: class ``A``, division ``361102``,
``risk.high``, ``ind.F``, ``kind.company`` — e.g. ``B.361102`` or ``risk.high``.

Experts (R-I2) sit in the roster under the pseudo-department ``<dept>.expert``: a slot of
that department takes an expert, and does not count towards the two enforcement inspectors a
team needs.

Pure: no Django, no app code (import-linter contract). Messages are Chinese and name the field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from spotcheck.core.domain.scd1 import SCD1_ID

EXPERT_SUFFIX = ".expert"
MIN_ENFORCEMENT_SLOTS = 2  # the law wants two enforcement inspectors per inspection
MAX_SLOTS = 12
MAX_CAP_SLACK = 1000

CLASSES = ("A", "B", "C")
KINDS = ("company", "non_company", "individual", "cooperative", "branch", "other")
RISK_LEVELS = ("low", "general", "higher", "high")
# Registration statuses that may be drawn; 吊销/注销/迁出 never are.
DRAWABLE_STATUSES = ("existing", "operating", "suspended")
NOT_INSPECTABLE = {"revoked": "已吊销", "deregistered": "已注销", "moved_out": "已迁出"}
DIMENSIONS = {"class": "监管库类别", "division": "行政区划", "risk": "信用风险等级",
              "industry": "行业门类", "kind": "市场主体类型"}
# Each dimension's place in that order: the row ``stratum_namer``'s function takes.
DIMENSION_INDEX = {d: i for i, d in enumerate(DIMENSIONS)}
QUOTA_KINDS = ("rates", "counts", "total")
HASHES = ("sha256", "sm3")
# R-A2: at most 10 % of class A drawn in a year.
CLASS_A_CAP_BP = 1000


class SpecError(ValueError):
    """A specification field is wrong; ``fields`` maps field names to Chinese messages."""

    def __init__(self, fields: Mapping[str, str]) -> None:
        super().__init__("；".join(fields.values()))
        self.fields = dict(fields)


@dataclass(frozen=True)
class Slot:
    dept: str
    tag: str  # "*" = any

    @property
    def is_expert(self) -> bool:
        return self.dept.endswith(EXPERT_SUFFIX)

    @property
    def department_code(self) -> str:
        return self.dept[: -len(EXPERT_SUFFIX)] if self.is_expert else self.dept


@dataclass(frozen=True)
class TeamRule:
    slots: tuple[Slot, ...]
    cap_slack: int = 1
    joint_pool: bool = False

    def scd1(self) -> dict[str, Any]:
        return {"slots": [{"dept": s.dept, "tag": s.tag} for s in self.slots],
                "cap_slack": self.cap_slack}

    @property
    def department_codes(self) -> list[str]:
        return sorted({s.department_code for s in self.slots})

    @property
    def with_experts(self) -> bool:
        return any(s.is_expert for s in self.slots)


@dataclass(frozen=True)
class Beacon:
    kind: str
    description: str
    at: datetime | None = None


@dataclass(frozen=True)
class DrawSpec:
    classes: tuple[str, ...]
    quota: dict[str, Any]
    divisions: tuple[str, ...] = ()
    industries: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    risk_levels: tuple[str, ...] = ()
    statuses: tuple[str, ...] = DRAWABLE_STATUSES
    strata: tuple[str, ...] = ()
    team: TeamRule | None = None
    beacon: Beacon | None = None
    window_start: date | None = None
    window_end: date | None = None
    hash_name: str = "sha256"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_class_a(self) -> bool:
        return self.classes == ("A",)

    def as_json(self) -> dict[str, Any]:
        """The canonical JSON form (what is stored and what ``parse_spec`` reads back)."""
        out: dict[str, Any] = {
            "classes": list(self.classes), "divisions": list(self.divisions),
            "industries": list(self.industries), "kinds": list(self.kinds),
            "tags": list(self.tags), "risk_levels": list(self.risk_levels),
            "statuses": list(self.statuses), "strata": list(self.strata),
            "quota": self.quota, "hash": self.hash_name,
        }
        if self.team is not None:
            out["team"] = {**self.team.scd1(), "joint_pool": self.team.joint_pool}
        if self.beacon is not None:
            out["beacon"] = {"kind": self.beacon.kind, "description": self.beacon.description,
                             "at": self.beacon.at.isoformat() if self.beacon.at else ""}
        if self.window_start or self.window_end:
            out["window"] = {"start": self.window_start.isoformat() if self.window_start else "",
                             "end": self.window_end.isoformat() if self.window_end else ""}
        return out


# --- parsing ------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, name: str, message: str) -> None:
        self.fields.setdefault(name, message)


def _str_list(raw: Any, name: str, label: str, errors: _Errors, allowed: Iterable[str] | None = None,
              pattern: re.Pattern[str] | None = None) -> tuple[str, ...]:
    if raw is None or raw == "":
        return ()
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, list | tuple) or not all(isinstance(v, str) for v in raw):
        errors.add(name, f"{label}应为字符串列表。")
        return ()
    values = sorted({v.strip() for v in raw if v.strip()})
    if allowed is not None:
        allowed = set(allowed)
        bad = [v for v in values if v not in allowed]
        if bad:
            errors.add(name, f"{label}含有无效的值：{'、'.join(bad)}。")
    if pattern is not None:
        bad = [v for v in values if not pattern.fullmatch(v)]
        if bad:
            errors.add(name, f"{label}含有无效的值：{'、'.join(bad)}。")
    return tuple(values)


def _int(raw: Any, name: str, label: str, errors: _Errors, lo: int = 0, hi: int | None = None) -> int:
    if type(raw) is not int or raw < lo or (hi is not None and raw > hi):
        bound = f"{lo} 至 {hi}" if hi is not None else f"不小于 {lo}"
        errors.add(name, f"{label}应为{bound}的整数，实际为 {raw!r}。")
        return lo
    return raw


def _name_map(raw: Any, name: str, label: str, errors: _Errors, hi: int | None) -> dict[str, int]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        errors.add(name, f"{label}应为“分层: 数值”的对应表。")
        return {}
    out: dict[str, int] = {}
    for k, v in raw.items():
        if not isinstance(k, str) or not SCD1_ID.fullmatch(k):
            errors.add(name, f"{label}中的分层名“{k}”无效：只能由英文字母、数字及 _ . : - 组成，1 至 64 位。")
            continue
        out[k] = _int(v, name, f"{label}中分层 {k} 的值", errors, 0, hi)
    return dict(sorted(out.items()))


def parse_quota(raw: Any, errors: _Errors) -> dict[str, Any]:
    if not isinstance(raw, dict):
        errors.add("quota", "抽取比例或数量（quota）必须填写。")
        return {}
    kind = raw.get("kind")
    if kind == "rates":
        rounding = raw.get("rounding", "ceil")
        if rounding not in ("ceil", "floor"):
            errors.add("quota", "取整方式应为 ceil（向上，用于下限）或 floor（向下，用于上限）。")
        rates = _name_map(raw.get("rates_bp"), "quota", "抽取比例", errors, 10000)
        out: dict[str, Any] = {"kind": "rates", "rounding": rounding, "rates_bp": rates}
        if raw.get("default_bp") is not None:
            out["default_bp"] = _int(raw["default_bp"], "quota", "默认抽取比例（万分比）", errors, 0, 10000)
        if not rates and "default_bp" not in out:
            errors.add("quota", "请填写抽取比例：各分层的万分比，或默认比例。")
        return out
    if kind == "counts":
        counts = _name_map(raw.get("counts"), "quota", "抽取数量", errors, None)
        out = {"kind": "counts", "counts": counts}
        if raw.get("default") is not None:
            out["default"] = _int(raw["default"], "quota", "每个分层的默认抽取数量", errors, 0)
        if not counts and "default" not in out:
            errors.add("quota", "请填写各分层的抽取数量，或每个分层的默认数量。")
        return out
    if kind == "total":
        return {"kind": "total", "total": _int(raw.get("total"), "quota", "抽取总数", errors, 1)}
    errors.add("quota", f"抽取规则“{kind}”无效：应为 rates（按比例）、counts（按数量）或 total（按总数）。")
    return {}


def parse_team(raw: Any, errors: _Errors) -> TeamRule | None:
    if raw in (None, {}, ""):
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("slots"), list):
        errors.add("team", "检查组规则应包含席位列表 slots。")
        return None
    slots: list[Slot] = []
    for i, s in enumerate(raw["slots"], 1):
        if not isinstance(s, dict) or not isinstance(s.get("dept"), str) or not isinstance(s.get("tag"), str):
            errors.add("team", f"第 {i} 个席位应写明部门代码 dept 和标签 tag。")
            continue
        dept, tag = s["dept"].strip(), s["tag"].strip() or "*"
        if not SCD1_ID.fullmatch(dept):
            errors.add("team", f"第 {i} 个席位的部门代码“{dept}”无效。")
        if tag != "*" and not SCD1_ID.fullmatch(tag):
            errors.add("team", f"第 {i} 个席位的标签“{tag}”无效：应为 * 或标签代码。")
        slots.append(Slot(dept, tag))
    enforcement = sum(1 for s in slots if not s.is_expert)
    if enforcement < MIN_ENFORCEMENT_SLOTS:
        errors.add("team", f"每个检查组至少需要 {MIN_ENFORCEMENT_SLOTS} 名执法检查人员席位"
                           f"（专家席位不计入，R-I2），现有 {enforcement} 个。")
    if len(slots) > MAX_SLOTS:
        errors.add("team", f"检查组席位不能超过 {MAX_SLOTS} 个。")
    # DRAW.md section 5: specific tags before "*" within a department, or "*" takes the specialist.
    for i, s in enumerate(slots):
        if s.tag == "*" and any(t.dept == s.dept and t.tag != "*" for t in slots[i + 1:]):
            errors.add("team", f"部门 {s.dept} 的指定标签席位应排在“*”（任意）席位之前。")
            break
    cap_slack = _int(raw.get("cap_slack", 1), "team", "负荷余量 cap_slack", errors, 0, MAX_CAP_SLACK)
    joint_pool = raw.get("joint_pool", False)
    if not isinstance(joint_pool, bool):
        errors.add("team", "joint_pool 应为 true 或 false。")
        joint_pool = False
    return TeamRule(tuple(slots), cap_slack, joint_pool)


def _parse_datetime(raw: Any, name: str, label: str, errors: _Errors) -> datetime | None:
    if raw in (None, ""):
        return None
    try:
        value = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None or value.tzinfo is None:
        errors.add(name, f"{label}应为带时区的时间，如 2027-06-05T21:30:00+08:00。")
        return None
    return value


def _parse_date(raw: Any, name: str, label: str, errors: _Errors) -> date | None:
    if raw in (None, ""):
        return None
    try:
        return date.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        errors.add(name, f"{label}应为日期，如 2027-06-01。")
        return None


def parse_beacon(raw: Any, errors: _Errors) -> Beacon | None:
    if raw in (None, {}, ""):
        return None
    if not isinstance(raw, dict):
        errors.add("beacon", "公开信标应写明类型与说明。")
        return None
    kind = str(raw.get("kind", "")).strip()
    description = str(raw.get("description", "")).strip()
    if not SCD1_ID.fullmatch(kind):
        errors.add("beacon", "信标类型应为英文字母、数字及 _ . : - 组成的代码，如 lottery。")
    if not description:
        errors.add("beacon", "请说明信标：哪一期、何时开奖、按什么格式录入，"
                             "例如“福彩3D 2027150期开奖号码（3 位数字）”。")
    return Beacon(kind, description[:500], _parse_datetime(raw.get("at"), "beacon", "信标产生时间", errors))


def parse_spec(raw: Any) -> DrawSpec:
    """Validate a specification; SpecError names every wrong field in Chinese."""
    errors = _Errors()
    if not isinstance(raw, dict):
        raise SpecError({"spec": "抽取规则应为 JSON 对象。"})
    classes = _str_list(raw.get("classes"), "classes", "监管库类别", errors, CLASSES)
    if not classes:
        errors.add("classes", "请选择监管库类别（A、B 或 C）。")
    elif "A" in classes and len(classes) > 1:
        errors.add("classes", "A 类库只能单独抽取（R-A2：A 类由联席办组织联合抽查）。")
    divisions = _str_list(raw.get("divisions"), "divisions", "行政区划", errors,
                          pattern=re.compile(r"\d{6}"))
    industries = _str_list(raw.get("industries"), "industries", "行业门类", errors,
                           pattern=re.compile(r"[A-T]"))
    kinds = _str_list(raw.get("kinds"), "kinds", "市场主体类型", errors, KINDS)
    tags = _str_list(raw.get("tags"), "tags", "重点领域", errors)
    risks = _str_list(raw.get("risk_levels"), "risk_levels", "信用风险等级", errors, RISK_LEVELS)
    bad_status = [s for s in (raw.get("statuses") or []) if s in NOT_INSPECTABLE]
    if bad_status:
        errors.add("statuses", "已注销、吊销或迁出的市场主体不能列入抽取范围。")
    statuses = _str_list([s for s in (raw.get("statuses") or []) if s not in NOT_INSPECTABLE],
                         "statuses", "登记状态", errors, DRAWABLE_STATUSES) or DRAWABLE_STATUSES
    strata_raw = raw.get("strata") or []
    if not isinstance(strata_raw, list) or any(d not in DIMENSIONS for d in strata_raw):
        errors.add("strata", f"分层维度只能是：{'、'.join(f'{k}（{v}）' for k, v in DIMENSIONS.items())}。")
        strata: tuple[str, ...] = ()
    else:
        strata = tuple(d for d in DIMENSIONS if d in strata_raw)  # one fixed order
    quota = parse_quota(raw.get("quota"), errors)
    team = parse_team(raw.get("team"), errors)
    beacon = parse_beacon(raw.get("beacon"), errors)
    window = raw.get("window") or {}
    if not isinstance(window, dict):
        errors.add("window", "检查实施期应包含开始日期 start 与结束日期 end。")
        window = {}
    start = _parse_date(window.get("start"), "window", "实施期开始日期", errors)
    end = _parse_date(window.get("end"), "window", "实施期结束日期", errors)
    if start and end and end < start:
        errors.add("window", "实施期结束日期不能早于开始日期。")
    hash_name = raw.get("hash", "sha256")
    if hash_name not in HASHES:
        errors.add("hash", "哈希算法应为 sha256 或 sm3。")
    if errors.fields:
        raise SpecError(errors.fields)
    return DrawSpec(classes=classes, quota=quota, divisions=divisions, industries=industries,
                    kinds=kinds, tags=tags, risk_levels=risks, statuses=statuses, strata=strata,
                    team=team, beacon=beacon, window_start=start, window_end=end,
                    hash_name=hash_name)


# --- strata -------------------------------------------------------------------------------

# What each dimension's value is prefixed with in a stratum name (DRAW.md section 4).
STRATUM_PREFIX = {"class": "", "division": "", "risk": "risk.", "industry": "ind.", "kind": "kind."}


def stratum_name(dims: Iterable[str], values: Mapping[str, str]) -> str:
    """The STRATUM of an entity: its values of the strata dimensions joined by ``.``."""
    parts = [STRATUM_PREFIX[d] + values[d] for d in dims]
    return ".".join(parts) if parts else "all"


def stratum_namer(dims: tuple[str, ...]) -> Any:
    """A fast ``(class, division, risk, industry_section, kind) -> STRATUM`` for the population pass."""
    if not dims:
        return lambda *_: "all"
    picks = [(DIMENSION_INDEX[d], STRATUM_PREFIX[d]) for d in dims]

    def name(*row: str) -> str:
        return ".".join(p + row[i] for i, p in picks)

    return name


# --- quota --------------------------------------------------------------------------------


def expand_quota(rule: Mapping[str, Any], strata: Iterable[str]) -> dict[str, Any]:
    """The SCD-1 quota rule (DRAW.md section 4) over the strata present, defaults filled in."""
    present = sorted(set(strata), key=str.encode)
    kind = rule["kind"]
    if kind == "rates":
        named = rule.get("rates_bp", {})
        default = rule.get("default_bp")
        rates = {s: named.get(s, default) for s in present if s in named or default is not None}
        return {"kind": "rates", "rates_bp": rates, "rounding": rule["rounding"]}
    if kind == "counts":
        named = rule.get("counts", {})
        default = rule.get("default")
        counts = {s: named.get(s, default) for s in present if s in named or default is not None}
        return {"kind": "counts", "counts": counts}
    return {"kind": "total", "total": rule["total"]}


def class_a_cap_problem(*, drawn_this_year: int, this_draw: int, class_a_total: int) -> str | None:
    """R-A2: the class-A entities drawn in a year stay within 10 % of class A; ``drawn_this_year``
    counts the draws already executed and those prepared or announced (they will draw)."""
    cap = class_a_total * CLASS_A_CAP_BP // 10000
    if drawn_this_year + this_draw > cap:
        return (f"A 类库抽查比例超过上限（R-A2：每年不超过 10%）：A 类共 {class_a_total} 户，"
                f"上限 {cap} 户，本年已抽取及已准备抽取 {drawn_this_year} 户，本次将抽取 {this_draw} 户。")
    return None
