"""The yearly reclassification's rules (R-D1, R-D2, R-A1, R-B1, R-C1, R-R4) as one pure
function of an entity's facts of the year, and the credit-risk level the facts call for.

The run (``credit.services.reclass_run_execute``) evaluates the same table in one SQL
statement per slice of the library; ``tests/test_reclass_hypothesis.py`` holds the two equal.
Invariants: at most one proposal per entity, to a class other than its own, citing one rule
and the reason that decided it; class-C entities leave C only when they leave the library.

Pure: standard library only (import-linter contract ``pure-domain``).
"""

from __future__ import annotations

from dataclasses import dataclass

CLASSES = ("A", "B", "C")
SEVERITIES = ("", "minor", "general", "serious")
RISKS = ("low", "general", "higher", "high")
# Registration statuses that take an entity out of the supervised library (R-D1).
LEAVING = frozenset({"deregistered", "revoked", "moved_out"})


@dataclass(frozen=True)
class Facts:
    """One entity's facts of the year."""

    library_class: str
    status: str = "existing"
    worst: str = ""                   # worst confirmed violation of the year ("" none)
    serious_list: bool = False        # on the serious-violation list (严重违法失信名单)
    abnormal: bool = False            # in the abnormal-operation directory (经营异常名录)
    risk_level: str = "general"       # the entity's latest credit-risk level (R-R4)
    key_field: bool = False           # tagged with a key field (R-A1)
    clean_inspection: bool = False    # a confirmed inspection of the year found no problem


@dataclass(frozen=True)
class Move:
    to_class: str
    rule: str
    reason: str


# reason code → (Chinese label); the proposal stores the code, pages show the label
REASONS = {
    "left_library": "主体注销、吊销或迁出",
    "serious_violation": "检查发现严重违法行为",
    "general_violation": "检查发现一般违法行为",
    "minor_violation": "检查发现轻微违法行为",
    "serious_list": "列入严重违法失信名单",
    "abnormal": "列入经营异常名录",
    "high_risk": "信用风险等级为高风险",
    "higher_risk": "信用风险等级为较高风险",
    "key_field_good_credit": "属重点领域且信用良好",
}


def propose(f: Facts) -> Move | None:
    """The move the facts call for, or None. The first matching line wins: leaving the
    library, then what sends an entity to C, then what takes it out of A, then what brings
    it into A."""
    if f.status in LEAVING:
        # R-D1 (entity changes) with R-B1: no longer a key or poor-credit entity of the library
        return Move("B", "R-D1", "left_library") if f.library_class != "B" else None
    if f.library_class == "C":
        return None  # R-C1: C leaves only by the office's own decision or by leaving
    if f.worst == "serious":
        # R-D2 for class A; for class B a major violation is poor credit (R-C1)
        return Move("C", "R-D2" if f.library_class == "A" else "R-C1", "serious_violation")
    if f.serious_list:
        return Move("C", "R-C1", "serious_list")
    if f.risk_level == "high":
        return Move("C", "R-R4", "high_risk")
    if f.library_class == "A":
        if f.worst in ("general", "minor"):
            return Move("B", "R-D2", f"{f.worst}_violation")
        if f.abnormal:
            return Move("B", "R-A1", "abnormal")
        if f.risk_level == "higher":
            return Move("B", "R-R4", "higher_risk")
        return None
    # class B: a key-field entity of good credit belongs in A (R-A1)
    if (f.key_field and not f.worst and not f.abnormal and f.risk_level in ("low", "general")):
        return Move("A", "R-A1", "key_field_good_credit")
    return None


def derived_risk(f: Facts) -> str | None:
    """The credit-risk level the year's facts call for (R-R4), or None to keep the current
    one: a major violation or the serious-violation list is high risk; a general violation
    or abnormal operation higher; a minor violation general; a clean inspection with
    nothing else against the entity low. A level is never lowered past what the facts say:
    the derived level replaces the current one only when the facts are worse, or when a
    clean year lowers a general level to low."""
    if f.worst == "serious" or f.serious_list:
        level = "high"
    elif f.worst == "general" or f.abnormal:
        level = "higher"
    elif f.worst == "minor":
        level = "general"
    elif f.clean_inspection:
        level = "low"
    else:
        return None
    current = RISKS.index(f.risk_level) if f.risk_level in RISKS else 1
    new = RISKS.index(level)
    if new > current or (level == "low" and f.risk_level == "general"):
        return level
    return None
