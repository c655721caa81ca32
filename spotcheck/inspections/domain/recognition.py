"""Results recognised across departments (结果互认, R-R3): when a department may adopt
another department's earlier result for its own task instead of visiting the entity again.

The rules, as the platform reads R-R3:

- the earlier result is **another department's** (recognition is across departments; a
  department's own repeat inspections follow its own plan and frequency, R-B2);
- it was **confirmed** by the lead department of that visit (R-R2: a result counts once the
  lead department checked it), and it is itself an inspection, not an adopted result;
- it was made **within the recognition period** (a setting, ``SPOTCHECK_RECOGNITION_DAYS``)
  before today, and not after today;
- it covers **the same matter** for every item of the task: an item of the same name (and
  sub-item) on the other department's list, compared without spaces and case (each
  department keeps its own list, R-L1, so the name is what two lists share). A task is
  spared the visit only when every one of its items is covered.

Pure: standard library only (import-linter contract). Messages are Chinese and name the field.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


def matter_key(name: str, sub_item: str = "") -> str:
    """The matter an item checks: its name and sub-item, NFKC-folded, without spaces, in
    lower case (``企业公示信息 抽查`` and ``企业公示信息抽查`` are the same matter)."""
    def fold(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text or "").split()).lower()

    return f"{fold(name)}|{fold(sub_item)}"


@dataclass(frozen=True)
class Earlier:
    """An earlier result offered for adoption: the task it was recorded on."""

    task_id: int
    department_id: int
    department_name: str
    confirmed: bool
    visited_on: date | None
    recognised: bool  # itself an adopted result
    matters: Mapping[str, str]  # matter key -> item name, items with a recorded result


@dataclass(frozen=True)
class Wanted:
    """The task that would adopt it: its department and its items' matters."""

    task_id: int
    department_id: int
    matters: Mapping[str, str]  # matter key -> item name


def problems(wanted: Wanted, earlier: Earlier, *, today: date, period_days: int) -> list[str]:
    """Why ``earlier`` may not be adopted for ``wanted`` (empty: it may), R-R3."""
    out: list[str] = []
    if earlier.task_id == wanted.task_id:
        return ["不能采信本任务自身的结果。"]
    if earlier.department_id == wanted.department_id:
        out.append("结果互认是部门之间的互认（R-R3）：本部门此前的检查结果不能作为互认结果，"
                   "本部门的检查频次按计划执行。")
    if earlier.recognised:
        out.append("该结果本身是互认所得，不是实地检查结果，不能再次互认。")
    if not earlier.confirmed:
        out.append(f"{earlier.department_name}的该次检查结果尚未经牵头部门审核确认，不能互认。")
    if earlier.visited_on is None:
        out.append("该次检查没有检查日期，不能判断是否在互认期限内。")
    else:
        oldest = today - timedelta(days=period_days)
        if earlier.visited_on > today:
            out.append(f"该次检查日期 {earlier.visited_on} 晚于今天，不能互认。")
        elif earlier.visited_on < oldest:
            out.append(f"该次检查日期 {earlier.visited_on} 早于互认期限（{period_days} 天内，"
                       f"即 {oldest} 以后），不能互认。")
    missing = [name for key, name in wanted.matters.items() if key not in earlier.matters]
    if not wanted.matters:
        out.append("本任务没有检查事项，无可互认的结果。")
    elif missing:
        out.append(f"{earlier.department_name}的该次检查不含同一事项：{'、'.join(missing[:5])}"
                   f"{'等' if len(missing) > 5 else ''}未检查，不能互认。")
    return out


def pairs(wanted: Mapping[int, str], earlier: Mapping[str, int]) -> dict[int, int]:
    """Each of the task's items (id -> matter key) paired with the earlier item of the same
    matter (matter key -> earlier item id)."""
    return {item: earlier[key] for item, key in wanted.items() if key in earlier}


def best(candidates: Sequence[tuple[Earlier, list[str]]]) -> Earlier | None:
    """The latest adoptable result, if any (what the page proposes first)."""
    fine = [e for e, p in candidates if not p]
    return max(fine, key=lambda e: (e.visited_on or date.min, e.task_id), default=None)
