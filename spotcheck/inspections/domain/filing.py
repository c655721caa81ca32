"""Inspections outside the plans: when a filing (备案) is needed, and which reasons allow one.

R-Q2: an inspection in the quiet period (企业安静期, the days outside the class's windows,
R-Q1) is allowed only for safety production, environmental protection, emergency/fire,
occupational health, emergencies, complaints/reports or assignments from a higher level,
with a filing to the office and the justice bureau.
R-A4: besides random draws, a class-A entity gets no other enforcement inspection, except
for complaints/reports, assignments from a higher level or cases transferred from
elsewhere, each with a filing to the office and the justice bureau.

Both may apply at once (a class-A entity in the quiet period): the reason must then be
allowed by both rules. Which reason applies where is data (``filing_reasons.csv``, column
``applies_to``), passed in as rows.

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
    """Reasons that satisfy every rule in ``needed`` (in the file's order)."""
    return [r.name for r in reasons if needed <= r.rules]


def reason_problem(reason: str, reasons: Iterable[Reason], needed: frozenset[str]) -> str | None:
    """A Chinese message citing the rule when ``reason`` does not allow the inspection."""
    reasons = tuple(reasons)
    known = {r.name: r for r in reasons}
    rules = "、".join(sorted(needed))
    allowed = "、".join(allowed_reasons(reasons, needed))
    if not reason:
        return f"{rules}：须选择备案事由（可选：{allowed}）。"
    if reason not in known:
        return f"备案事由“{reason}”不在规定的事由清单中（可选：{allowed}）。"
    missing = needed - known[reason].rules
    if missing:
        which = "；".join(f"{rule}（{RULE_LABELS[rule]}）" for rule in sorted(missing))
        return f"{which}不允许以“{reason}”为由检查（可选：{allowed}）。"
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
