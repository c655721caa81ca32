"""Annual random-inspection plans (年度抽查计划, R-P1..R-P3), their review history, and the
planning calendar of each year (R-Q1 windows, R-P2 deadlines) as configuration.

A plan belongs to a department (class A: the office's department, as a joint plan, R-A3),
takes items of that department's list (class A: the class-A joint list), and says whom to
draw (filters, strata, an SCD-1 quota), when (a window) and by what team. Its status moves
along the pure table in ``domain.review`` by guarded updates; every move is a
``PlanTransition`` row.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q

from spotcheck.core.domain.scd1 import SCD1_ID_PATTERN
from spotcheck.planning.domain.calendar import Window, YearCalendar
from spotcheck.planning.domain.review import LABELS, Status


class PlanStatus(models.TextChoices):
    DRAFT = Status.DRAFT.value, LABELS[Status.DRAFT]
    SUBMITTED = Status.SUBMITTED.value, LABELS[Status.SUBMITTED]
    OFFICE_APPROVED = Status.OFFICE_APPROVED.value, LABELS[Status.OFFICE_APPROVED]
    APPROVED = Status.APPROVED.value, LABELS[Status.APPROVED]
    EXECUTING = Status.EXECUTING.value, LABELS[Status.EXECUTING]
    COMPLETED = Status.COMPLETED.value, LABELS[Status.COMPLETED]
    CLOSED = Status.CLOSED.value, LABELS[Status.CLOSED]


# Plans put forward (submitted and later): what the year's class-A share counts (R-A2).
PUT_FORWARD = (Status.SUBMITTED.value, Status.OFFICE_APPROVED.value, Status.APPROVED.value,
               Status.EXECUTING.value, Status.COMPLETED.value, Status.CLOSED.value)
# Plans whose inspections are done: what counts as covered (R-P1).
DONE = (Status.COMPLETED.value, Status.CLOSED.value)

# Approved plans and later: public information (一公开), what inspectors read.
APPROVED_OR_LATER = (Status.APPROVED.value, Status.EXECUTING.value, Status.COMPLETED.value,
                     Status.CLOSED.value)


class TargetClass(models.TextChoices):
    A = "A", "A类（联合监管库）"
    B = "B", "B类（一般监管库）"
    C = "C", "C类（重点监管库）"


class PlanningYear(models.Model):
    """The calendar of a year in a division, edited by the office; absent: the defaults of
    ``YearCalendar.default`` (class A in June, class B in June and September, deadlines at the
    end of March)."""

    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT,
                                 related_name="planning_years", verbose_name="行政区划")
    year = models.PositiveSmallIntegerField("年度")
    # {"A": [["2027-06-01", "2027-06-30"]], "B": [[...], [...]]}; a class absent: any time.
    windows = models.JSONField("检查实施期")
    plan_deadline = models.DateField("计划录入截止日")
    roster_deadline = models.DateField("联合检查人员名录更新截止日")
    list_filing_deadline = models.DateField("A类联合检查事项清单报送截止日")
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", verbose_name="更新人")

    class Meta:
        verbose_name = "年度检查日历"
        verbose_name_plural = "年度检查日历"
        ordering = ["division_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["division", "year"], name="planning_year_once",
                                    violation_error_message="该行政区划本年度的日历已存在。"),
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.year}年检查日历"

    def calendar(self) -> YearCalendar:
        windows = {cls: tuple(Window(date.fromisoformat(a), date.fromisoformat(b)) for a, b in spans)
                   for cls, spans in self.windows.items()}
        return YearCalendar(year=self.year, windows=windows, plan_deadline=self.plan_deadline,
                            roster_deadline=self.roster_deadline,
                            list_filing_deadline=self.list_filing_deadline)

    @staticmethod
    def windows_json(calendar: YearCalendar) -> dict[str, list[list[str]]]:
        return {cls: [[w.start.isoformat(), w.end.isoformat()] for w in spans]
                for cls, spans in calendar.windows.items()}


class Plan(models.Model):
    """One annual plan. ``code`` is ASCII (``361100-ENV-2027-003``): the draw names it as its
    source. The figures (population, per-stratum sizes and quota) are recomputed on every
    save and transition and kept for the review queues and the class-A share (R-A2)."""

    code = models.CharField("计划编号", max_length=64, unique=True)
    title = models.CharField("计划名称", max_length=200)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="plans", verbose_name="制定部门")
    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT,
                                 related_name="plans", verbose_name="行政区划")
    year = models.PositiveSmallIntegerField("年度")
    target_class = models.CharField("监管库类别", max_length=1, choices=TargetClass.choices)
    is_joint = models.BooleanField("部门联合抽查", default=False)
    special = models.BooleanField("专项计划", default=False)
    special_reason = models.CharField("专项计划说明", max_length=500, blank=True)
    window_start = models.DateField("实施期开始")
    window_end = models.DateField("实施期结束")
    frequency_per_year = models.PositiveSmallIntegerField("抽查频次（次/年）", default=1)
    items: models.ManyToManyField = models.ManyToManyField("catalog.InspectionItem", through="PlanItem",
                                   related_name="plans", verbose_name="检查事项")
    # Population filters, in the draw's terms (draws.domain.spec); empty: no filter.
    divisions = models.JSONField("行政区划范围", default=list, blank=True)
    industries = models.JSONField("行业门类", default=list, blank=True)
    kinds = models.JSONField("市场主体类型", default=list, blank=True)
    tags = models.JSONField("重点领域", default=list, blank=True)
    risk_levels = models.JSONField("信用风险等级", default=list, blank=True)
    strata = models.JSONField("分层维度", default=list, blank=True)
    quota = models.JSONField("抽取规则")
    # Team (R-I2): enforcement inspectors (at least two), their qualification tags, experts.
    team_size = models.PositiveSmallIntegerField("执法检查人员人数", default=2)
    team_tags = models.JSONField("执法资格要求", default=list, blank=True)
    experts = models.PositiveSmallIntegerField("专家人数", default=0)
    note = models.TextField("说明", blank=True)

    status = models.CharField("状态", max_length=16, choices=PlanStatus.choices,
                              default=PlanStatus.DRAFT)
    version = models.PositiveIntegerField("版本", default=1)
    entered_on = models.DateField("录入日期")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="创建人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # The plan's SCD-1 draw (R-P3: an approved plan is executed by its draw); a cancelled
    # draw is replaced by a new one.
    draw = models.OneToOneField("draws.Draw", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="plan", verbose_name="抽取")

    # R-P2: an annual plan entered after the deadline is marked late when submitted, and goes
    # on only with the office's recorded acceptance (who, when; the reason in the history).
    is_late = models.BooleanField("逾期录入", default=False)
    late_accepted_at = models.DateTimeField("逾期受理时间", null=True, blank=True)
    late_accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+",
                                         verbose_name="逾期受理人")

    population_estimate = models.PositiveIntegerField("抽取范围主体数（测算）", default=0)
    drawn_estimate = models.PositiveIntegerField("拟抽取主体数（测算）", default=0)
    figures = models.JSONField("测算结果", default=dict, blank=True)
    figures_at = models.DateTimeField("测算时间", null=True, blank=True)

    class Meta:
        verbose_name = "年度抽查计划"
        verbose_name_plural = "年度抽查计划"
        ordering = ["-year", "department_id", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=PlanStatus.values),
                                   name="plan_status_known"),
            models.CheckConstraint(condition=Q(target_class__in=["A", "B", "C"]),
                                   name="plan_class_abc"),
            models.CheckConstraint(condition=Q(team_size__gte=2), name="plan_two_inspectors",
                                   violation_error_message="每个检查组至少需要 2 名执法检查人员（R-I2）。"),
            models.CheckConstraint(condition=Q(frequency_per_year__gte=1, frequency_per_year__lte=12),
                                   name="plan_frequency",
                                   violation_error_message="抽查频次应为每年 1 至 12 次。"),
            models.CheckConstraint(condition=Q(window_end__gte=models.F("window_start")),
                                   name="plan_window_ordered",
                                   violation_error_message="实施期结束日期不能早于开始日期。"),
            models.CheckConstraint(condition=Q(code__regex=SCD1_ID_PATTERN),
                                   name="plan_code_scd1"),
        ]
        indexes = [
            models.Index(fields=["division", "year", "status"], name="plan_division_year"),
            models.Index(fields=["department", "year"], name="plan_department_year"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.code}）"

    @property
    def is_class_a(self) -> bool:
        return self.target_class == "A"

    @property
    def is_editable(self) -> bool:
        return self.status == PlanStatus.DRAFT

    @property
    def is_approved(self) -> bool:
        return self.status in APPROVED_OR_LATER


class PlanItem(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="plan_items")
    item = models.ForeignKey("catalog.InspectionItem", on_delete=models.PROTECT, related_name="+",
                             verbose_name="检查事项")

    class Meta:
        verbose_name = "计划事项"
        verbose_name_plural = "计划事项"
        constraints = [models.UniqueConstraint(fields=["plan", "item"], name="plan_item_once")]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.item_id}"


class PlanTransition(models.Model):
    """One move of a plan along the review workflow (R-P3): who, when, from, to, why, and the
    checks the platform showed at that moment. ``version`` is the plan's version after the
    move: unique per plan, so two moves from the same state can never both be recorded."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="transitions",
                             verbose_name="计划")
    version = models.PositiveIntegerField("版本")
    action = models.CharField("操作", max_length=32)
    from_status = models.CharField("原状态", max_length=16, choices=PlanStatus.choices)
    to_status = models.CharField("新状态", max_length=16, choices=PlanStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", verbose_name="操作人")
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    department_code = models.CharField("操作人部门", max_length=32, blank=True)
    at = models.DateTimeField("时间")
    reason = models.TextField("理由或意见", blank=True)
    checks = models.JSONField("审核时的校验结果", default=list, blank=True)

    class Meta:
        verbose_name = "计划审核记录"
        verbose_name_plural = "计划审核记录"
        ordering = ["plan_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="plan_transition_once",
                                    violation_error_message="该计划此版本的操作已记录。"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.version}: {self.from_status}→{self.to_status}"

    @property
    def action_label(self) -> str:
        from spotcheck.planning.domain.review import ACTION_LABELS, Action

        try:
            return ACTION_LABELS[Action(self.action)]
        except ValueError:
            return self.action
