"""Credit facts and the yearly reclassification (R-D1–R-D3, R-R4).

- ``CreditRecord``: one fact from the credit platform or derived by the run, with its date
  and source: an entry on the serious-violation list, in the abnormal-operation directory, or
  a credit-risk level (R-R4). The entity's ``risk_level`` is its latest level record.
- ``ReclassRun``: the office's run of a year over its division's library (R-D1), done by the
  worker with progress; ``ReclassProposal``: one move the run proposes, citing its rule and
  evidence; the office confirms, adjusts or rejects it, and a confirmed move takes effect on
  its date through ``registry.services.entity_class_move`` (history in ``ClassChange``).
- ``PromotionRequest``: a class-B entity's application, or a department's recommendation,
  for class A (R-D3), with its files; the office decides.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from spotcheck.core.imports.models import ImportedRow
from spotcheck.core.jobs import BackgroundJob, JobStatus
from spotcheck.credit.domain.reclass import REASONS
from spotcheck.registry.models import LibraryClass, RiskLevel


class CreditKind(models.TextChoices):
    SERIOUS_LIST = "serious_list", "严重违法失信名单"
    ABNORMAL = "abnormal", "经营异常名录"
    RISK = "risk", "信用风险等级"


class CreditOrigin(models.TextChoices):
    IMPORT = "import", "信用平台导入"
    RUN = "run", "年度分类调整测算"


class CreditRecord(ImportedRow):
    """One credit fact of an entity, dated, with its source (R-R4)."""

    record_no = models.CharField("记录编号", max_length=64, unique=True)
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.CASCADE,
                               related_name="credit_records", verbose_name="市场主体")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    kind = models.CharField("类型", max_length=16, choices=CreditKind.choices)
    level = models.CharField("信用风险等级", max_length=8, choices=RiskLevel.choices, blank=True)
    dated_on = models.DateField("认定日期")
    ends_on = models.DateField("移出日期", null=True, blank=True)
    source = models.CharField("来源", max_length=100)
    origin = models.CharField("方式", max_length=8, choices=CreditOrigin.choices,
                              default=CreditOrigin.IMPORT)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        ordering = ["-dated_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CreditKind.values), name="credit_record_kind"),
            models.CheckConstraint(condition=~Q(kind="risk") | Q(level__in=RiskLevel.values),
                                   name="credit_record_risk_level"),
            models.CheckConstraint(condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("dated_on")),
                                   name="credit_record_dates"),
        ]
        indexes = [models.Index(fields=["entity", "kind", "dated_on"], name="credit_record_entity")]

    def __str__(self) -> str:
        return f"{self.uscc} {self.get_kind_display()} {self.dated_on}"


RunStatus = JobStatus


class ReclassRun(BackgroundJob):
    """The office's yearly reclassification of its division's library (R-D1): once a year."""

    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="行政区划")
    year = models.PositiveSmallIntegerField("依据年度")
    proposed = models.PositiveIntegerField("提议数", default=0)
    risk_derived = models.PositiveIntegerField("测算风险等级数", default=0)

    class Meta:
        verbose_name = "年度分类调整"
        verbose_name_plural = "年度分类调整"
        ordering = ["-year", "division_id"]
        constraints = [
            models.UniqueConstraint(fields=["division", "year"], name="credit_run_once_a_year",
                                    violation_error_message="本辖区该年度已进行过分类调整测算。"),
        ]

    def __str__(self) -> str:
        return f"{self.division_id} {self.year}"


class ProposalState(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    ADJUSTED = "adjusted", "已调整后确认"
    REJECTED = "rejected", "未采纳"
    STALE = "stale", "已失效（类别已另行调整）"


REASON_CHOICES = list(REASONS.items())


class ReclassProposal(models.Model):
    """One move the run proposes, with its rule and evidence (R-D1, R-D2)."""

    run = models.ForeignKey(ReclassRun, on_delete=models.CASCADE, related_name="proposals",
                            verbose_name="分类调整")
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.CASCADE,
                               related_name="reclass_proposals", verbose_name="市场主体")
    from_class = models.CharField("原类别", max_length=1, choices=LibraryClass.choices)
    to_class = models.CharField("提议类别", max_length=1, choices=LibraryClass.choices)
    rule = models.CharField("依据规则", max_length=8)
    reason = models.CharField("事由", max_length=32, choices=REASON_CHOICES)
    # The evidence: the violation (and so its result), the confirmed clean inspection, the
    # list entry or risk record behind the proposal; no foreign keys (the run writes them
    # in bulk, and evidence is kept even if a record is later corrected).
    violation_id = models.BigIntegerField("违法行为", null=True, blank=True)
    task_id = models.BigIntegerField("检查任务", null=True, blank=True)
    credit_record_id = models.BigIntegerField("信用记录", null=True, blank=True)
    state = models.CharField("状态", max_length=16, choices=ProposalState.choices,
                             default=ProposalState.PENDING)
    decided_class = models.CharField("决定类别", max_length=1, choices=LibraryClass.choices, blank=True)
    decision_reason = models.CharField("决定理由", max_length=500, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="决定人")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    effective_on = models.DateField("生效日期", null=True, blank=True)
    applied_at = models.DateTimeField("生效时间", null=True, blank=True)
    change = models.ForeignKey("registry.ClassChange", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="类别变更")

    class Meta:
        verbose_name = "分类调整提议"
        verbose_name_plural = "分类调整提议"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "entity"], name="credit_proposal_once_a_run"),
            models.CheckConstraint(condition=~Q(from_class=models.F("to_class")),
                                   name="credit_proposal_moves"),
            models.CheckConstraint(condition=~Q(state__in=["confirmed", "adjusted"])
                                   | Q(effective_on__isnull=False, decided_class__in=["A", "B", "C"]),
                                   name="credit_proposal_confirmed_dated"),
        ]
        indexes = [models.Index(fields=["run", "state"], name="credit_proposal_run_state"),
                   models.Index(fields=["state", "effective_on"], name="credit_proposal_due")]

    def __str__(self) -> str:
        return f"{self.entity_id}: {self.from_class}→{self.to_class} ({self.rule})"

    @property
    def reason_label(self) -> str:
        return REASONS.get(self.reason, self.reason)


class PromotionKind(models.TextChoices):
    APPLICATION = "application", "企业申请"
    RECOMMENDATION = "recommendation", "部门推荐"


class PromotionStatus(models.TextChoices):
    PENDING = "pending", "待核实"
    APPROVED = "approved", "已同意升入 A 类"
    REJECTED = "rejected", "未同意"


class PromotionRequest(models.Model):
    """A class-B entity applies, or a member department recommends it, for class A (R-D3)."""

    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.CASCADE,
                               related_name="promotion_requests", verbose_name="市场主体")
    kind = models.CharField("方式", max_length=16, choices=PromotionKind.choices)
    department = models.ForeignKey("accounts.Department", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="推荐部门")
    reasons = models.TextField("理由")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="提交人")
    created_at = models.DateTimeField("提交时间")
    status = models.CharField("状态", max_length=16, choices=PromotionStatus.choices,
                              default=PromotionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="决定人")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_reason = models.CharField("决定理由", max_length=500, blank=True)
    change = models.ForeignKey("registry.ClassChange", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name="类别变更")

    class Meta:
        verbose_name = "升入 A 类申请"
        verbose_name_plural = "升入 A 类申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entity"], condition=Q(status="pending"),
                                    name="credit_promotion_one_pending",
                                    violation_error_message="该主体已有待核实的升入 A 类申请或推荐。"),
            models.CheckConstraint(condition=~Q(kind="recommendation") | Q(department__isnull=False),
                                   name="credit_promotion_recommender"),
        ]

    def __str__(self) -> str:
        return f"{self.entity_id} {self.get_kind_display()} {self.get_status_display()}"


class PromotionFile(models.Model):
    """A file given with an application (a certificate, a rectification report)."""

    request = models.ForeignKey(PromotionRequest, on_delete=models.CASCADE, related_name="files",
                                verbose_name="申请")
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=64)
    size = models.PositiveIntegerField("大小")
    sm3 = models.CharField("SM3", max_length=64)
    path = models.CharField("存储路径", max_length=255)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"

    def __str__(self) -> str:
        return self.name
