"""The one form's entries: a result code per item, how it was checked, what follows.

Result codes are a tree (``result_codes.csv``: code, parent, name); an entry takes a leaf, so
that the published result says exactly what was found. A code under 发现问题待后续处理 (a
problem to follow up) needs a follow-up action other than 无需后续处置 (R-R1: a violation is
handled, transferred, or sent to the judicial organs).

Pure: standard library only (import-linter contract).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PROBLEM_ROOT = "A"
NO_FOLLOW_UP = "无需后续处置"
MAX_NOTE = 1000


@dataclass(frozen=True)
class ResultCode:
    code: str
    parent: str
    name: str


@dataclass(frozen=True)
class ResultTree:
    codes: Mapping[str, ResultCode]

    @classmethod
    def from_rows(cls, rows: Iterable[Mapping[str, str]]) -> ResultTree:
        codes = {r["code"].strip(): ResultCode(r["code"].strip(), (r.get("parent") or "").strip(),
                                               r["name"].strip()) for r in rows}
        return cls(codes)

    def parents(self) -> set[str]:
        return {c.parent for c in self.codes.values() if c.parent}

    def leaves(self) -> list[ResultCode]:
        """Leaves in file order, each named with its path (e.g. 发现问题… / 违反工商…)."""
        parents = self.parents()
        return [c for c in self.codes.values() if c.code not in parents]

    def path(self, code: str) -> list[ResultCode]:
        out: list[ResultCode] = []
        seen: set[str] = set()
        current = self.codes.get(code)
        while current is not None and current.code not in seen:
            out.append(current)
            seen.add(current.code)
            current = self.codes.get(current.parent)
        return list(reversed(out))

    def label(self, code: str) -> str:
        return " / ".join(c.name for c in self.path(code))

    def is_problem(self, code: str) -> bool:
        return any(c.code == PROBLEM_ROOT for c in self.path(code))


@dataclass(frozen=True)
class Entry:
    result_code: str
    method: str
    follow_up: str = ""
    note: str = ""


def entry_problems(entry: Entry, tree: ResultTree, methods: Iterable[str],
                   follow_ups: Iterable[str], allowed: frozenset[str] | None = None,
                   list_name: str = "") -> dict[str, str]:
    """Field -> Chinese message for what is wrong with one entry (empty when it is fine).
    ``allowed``: the result codes of the item's department's list (None: the whole tree)."""
    problems: dict[str, str] = {}
    code = entry.result_code.strip()
    if not code:
        problems["result_code"] = "须选择检查结果。"
    elif code not in tree.codes:
        problems["result_code"] = f"检查结果代码“{code}”不存在。"
    elif code in tree.parents():
        problems["result_code"] = f"“{tree.codes[code].name}”下还有细分结果，请选择最末级的检查结果。"
    elif allowed is not None and code not in allowed:
        problems["result_code"] = (f"检查结果“{tree.codes[code].name}”不适用于{list_name or '该部门'}"
                                   "的事项，请从该部门的结果代码中选择。")
    if not entry.method.strip():
        problems["method"] = "须选择检查方式。"
    elif entry.method not in set(methods):
        problems["method"] = f"检查方式“{entry.method}”不在规定的方式中。"
    follow_ups = set(follow_ups)
    if entry.follow_up and entry.follow_up not in follow_ups:
        problems["follow_up"] = f"后续处置“{entry.follow_up}”不在规定的处置方式中。"
    elif "result_code" not in problems and tree.is_problem(code) and entry.follow_up in ("", NO_FOLLOW_UP):
        problems["follow_up"] = "发现问题的事项须选择后续处置方式（R-R1）。"
    if len(entry.note) > MAX_NOTE:
        problems["note"] = f"说明至多 {MAX_NOTE} 字。"
    return problems
