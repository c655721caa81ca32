"""Moves between library classes (R-A1, R-B1, R-C1, R-D1–R-D3) as a pure table.

Who may move an entity is a permission (registry/rules.py); this module says which moves
exist and what each needs. Pure: no Django, no app code.
"""

from __future__ import annotations

CLASSES = ("A", "B", "C")
# R-C1: a class-C decision names the field that makes the entity a key one.
NEEDS_FIELD = frozenset({"C"})


def class_move_problem(from_class: str, to_class: str, *, basis: str, c_field: str) -> str | None:
    """Why the move cannot be made, in Chinese; None when it can."""
    if to_class not in CLASSES:
        return f"未知的监管库类别“{to_class}”"
    if from_class == to_class:
        return f"该主体已在 {to_class} 类"
    if not basis.strip():
        return "请填写调整依据"
    if to_class in NEEDS_FIELD and not c_field:
        return "列入 C 类须注明重点监管领域（安全、质量、公共利益或信用较差）"
    return None
