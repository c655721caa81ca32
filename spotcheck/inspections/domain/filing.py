"""Inspections outside the plans: when a filing (备案) is needed, and which reasons allow one.

R-Q2: an inspection in the quiet period (企业安静期, the days outside the class's windows,
R-Q1) needs a special reason *such as* (等) safety production, environmental protection,
emergency/fire, occupational health, emergencies, complaints/reports or assignments from a
higher level, with a filing to the office and the justice bureau.
R-A4: besides random draws, a class-A entity gets in principle no other enforcement
inspection; special circumstances *such as* complaints/reports, assignments from a higher
level or cases transferred from elsewhere may justify one, with a filing.

Both lists are open (等): a filing states a listed reason or "其他特殊情况" and always its
justification. A class-A entity in the quiet period needs one filing, which serves both
rules: the reason may come from either list; the lists are never intersected. The column
``applies_to`` of ``filing_reasons.csv`` says which rule's list names a reason (shown to
the user), it does not restrict where the reason may serve.

Pure: standard library only (import-linter contract).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

QUIET_PERIOD = "R-Q2"
CLASS_A = "R-A4"
RULE_LABELS = {QUIET_PERIOD: "企业安静期内检查", CLASS_A: "A类主体随机抽查以外的检查"}
MIN_JUSTIFICATION = 15
MAX_JUSTIFICATION = 2000


@dataclass(frozen=True)
class Reason:
    name: str
    rules: frozenset[str]  # the rule ids under which this reason allows an inspection


def parse_reasons(rows: Iterable[Mapping[str, str]]) -> tuple[Reason, ...]:
    """Rows of ``filing_reasons.csv``: ``name`` and ``applies_to`` naming the rule ids."""
    reasons = []
    for row in rows:
        applies = row.get("applies_to", "")
        rules = frozenset(rule for rule in (QUIET_PERIOD, CLASS_A) if rule in applies)
        reasons.append(Reason(row["name"].strip(), rules))
    return tuple(reasons)


def grounds(*, library_class: str, quiet: bool) -> frozenset[str]:
    """The rules that make this inspection need a filing: none for an inspection inside the
    class's window of a class-B/C entity."""
    found = set()
    if quiet:
        found.add(QUIET_PERIOD)
    if library_class == "A":
        found.add(CLASS_A)
    return frozenset(found)


def allowed_reasons(reasons: Iterable[Reason], needed: frozenset[str]) -> list[str]:
    """Reasons a filing under ``needed`` may state (in the file's order): every listed one,
    since the lists are open and one filing serves both rules (R-A4, R-Q2)."""
    return [r.name for r in reasons if r.rules] if needed else []


def reason_problem(reason: str, reasons: Iterable[Reason], needed: frozenset[str]) -> str | None:
    """A Chinese message citing the rules when ``reason`` is missing or not on the list."""
    reasons = tuple(reasons)
    rules = "、".join(sorted(needed))
    allowed = "、".join(allowed_reasons(reasons, needed))
    if not reason:
        return f"{rules}：须选择备案事由（可选：{allowed}）。"
    if reason not in {r.name for r in reasons}:
        return (f"备案事由“{reason}”不在备案事由清单中（可选：{allowed}；"
                "其他原因请选择“其他特殊情况”并说明）。")
    return None


def justification_problem(text: str) -> str | None:
    text = (text or "").strip()
    if not text:
        return "须填写检查理由说明。"
    if len(text) < MIN_JUSTIFICATION:
        return f"检查理由说明过短：至少 {MIN_JUSTIFICATION} 个字，请写明线索来源、检查必要性等。"
    if len(text) > MAX_JUSTIFICATION:
        return f"检查理由说明过长：至多 {MAX_JUSTIFICATION} 个字。"
    return None
