"""The rules a plan must keep, checked while it is edited and again at review (R-P3).

Each check returns findings with the rule id and a Chinese message; an ``error`` blocks
submission and approval, a ``warning`` is shown to the reviewer (e.g. a late plan).

- R-A2: class-A draws at most 10 % of the class-A population per year, across all plans.
- R-A3: class-A plans are joint plans owned by the office, with items of two member
  departments or more and a team that seats an inspector of each of them, whose
  qualification tags belong to those departments.
- R-C2: class C is covered 100 % within the year.
- R-Q1: the plan's window lies inside the class's window (class C: any time in the year).
- R-P2: plans are entered by the end of March; special plans are kept apart (not late); a
  late plan needs the office's acceptance (the service); a window already past is refused.
- R-L1: every planned item is on the owner's list and rests on a power-list entry.

Pure: standard library only; quota arithmetic is the verifier's (DRAW.md §4), passed in as
numbers here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from spotcheck.planning.domain.calendar import YearCalendar

CLASS_A_CAP_BP = 1000  # R-A2: 10 %
FULL_BP = 10000


@dataclass(frozen=True)
class Finding:
    rule: str
    message: str
    severity: str = "error"  # or "warning"

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(frozen=True)
class PlannedItem:
    code: str
    name: str
    on_owner_list: bool
    has_power_basis: bool


@dataclass(frozen=True)
class PlanFacts:
    year: int
    target_class: str  # "A", "B" or "C"
    owner_is_office: bool
    is_joint: bool
    window_start: date
    window_end: date
    items: Sequence[PlannedItem]
    population: int  # entities the plan's filters select
    drawn: int  # entities the quota draws from that population
    entered_on: date
    special: bool = False
    other_class_a_drawn: int = 0  # drawn by the year's other class-A plans put forward
    class_a_population: int = 0  # all class-A entities of the division
    item_departments: tuple[str, ...] = ()  # names of the departments whose items it takes
    team_size: int = 2  # enforcement inspectors of each team
    foreign_tags: tuple[str, ...] = ()  # team tags of no department whose items it takes
    today: date | None = None  # when checked: a window already past is refused (R-P2)


@dataclass
class CheckReport:
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


def class_a_headroom(class_a_population: int, already_drawn: int) -> int:
    """How many more class-A entities may still be drawn this year (R-A2, floor of 10 %)."""
    return max(0, class_a_population * CLASS_A_CAP_BP // FULL_BP - already_drawn)


def check_plan(facts: PlanFacts, calendar: YearCalendar) -> CheckReport:
    report = CheckReport()
    add = report.findings.append
    if facts.year != calendar.year:
        add(Finding("R-Q1", f"计划年度 {facts.year} 与日历年度 {calendar.year} 不一致。"))
    if not facts.items:
        add(Finding("R-L1", "计划至少要包含一个检查事项。"))
    for item in facts.items:
        if not item.on_owner_list:
            add(Finding("R-L1", f"事项“{item.name}”({item.code}) 不在本部门检查事项清单内：清单之外无检查。"))
        elif not item.has_power_basis:
            add(Finding("R-L1", f"事项“{item.name}”({item.code}) 未关联行政权力清单。"))
    if facts.target_class == "A":
        if not facts.owner_is_office or not facts.is_joint:
            add(Finding("R-A3", "A类库的抽查计划必须由联席办牵头、以部门联合检查方式制定。"))
        departments = facts.item_departments
        if len(departments) == 1:
            add(Finding("R-A3", f"A类库检查一律为部门联合检查：计划须含至少两个成员部门的检查事项，"
                                f"现只有{departments[0]}的事项。"))
        if len(departments) > facts.team_size:
            add(Finding("R-A3", f"计划的事项分属 {len(departments)} 个部门（{'、'.join(departments)}），"
                                f"检查组执法检查人员 {facts.team_size} 人，不能为每个部门的事项各派一名"
                                "本部门执法人员：请增加执法检查人员人数。"))
        if facts.foreign_tags:
            add(Finding("R-A3", f"执法资格要求 {'、'.join(facts.foreign_tags)} 不属于计划事项所属的部门，"
                                "不能据以检查这些事项。"))
        headroom = class_a_headroom(facts.class_a_population, facts.other_class_a_drawn)
        if facts.drawn > headroom:
            add(Finding("R-A2",
                        f"A类库年度抽查比例不得超过10%：A类库共 {facts.class_a_population} 户，"
                        f"本年其他计划已抽 {facts.other_class_a_drawn} 户，本计划最多还可抽 {headroom} 户，"
                        f"现为 {facts.drawn} 户。"))
    if facts.target_class == "C" and facts.drawn < facts.population:
        add(Finding("R-C2", f"C类库每年须全覆盖检查：范围内 {facts.population} 户，"
                            f"本计划只覆盖 {facts.drawn} 户。"))
    if not calendar.window_within(facts.target_class, facts.window_start, facts.window_end):
        windows = calendar.windows_for(facts.target_class) or ()
        allowed = "、".join(w.label() for w in windows) or f"{calendar.year}年内"
        add(Finding("R-Q1", f"{facts.target_class}类库的检查实施期为 {allowed}，"
                            f"计划时间 {facts.window_start:%Y-%m-%d} 至 {facts.window_end:%Y-%m-%d} 不符合"
                            "（其余时间为企业安静期）。"))
    if facts.today is not None and facts.window_end < facts.today:
        add(Finding("R-P2", f"实施期 {facts.window_start:%Y-%m-%d} 至 {facts.window_end:%Y-%m-%d} 已过："
                            "计划不能再送审或批准。"))
    if not facts.special and calendar.plan_is_late(facts.entered_on):
        add(Finding("R-P2", f"年度计划应于 {calendar.plan_deadline:%m月%d日} 前录入，本计划为逾期录入："
                            "送审后须经联席办填写受理意见方可通过。", severity="warning"))
    return report


def uncovered_items(item_codes: Iterable[str], planned_codes: Iterable[str]) -> list[str]:
    """R-P1: the list's items that no plan of the year covers, in list order."""
    planned = set(planned_codes)
    return [code for code in item_codes if code not in planned]
