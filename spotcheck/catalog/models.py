"""The item list (检查事项清单): each department's power list (行政权力清单) and the
inspection items tied to it (R-L1), the class-A joint item list, and the filings of both
with the office and the justice bureau (R-L2)."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from spotcheck.catalog.domain.items import MAX_FREQUENCY, MAX_RATIO_BP, MIN_INSPECTORS, percent_text
from spotcheck.core.domain.scd1 import SCD1_ID_PATTERN
from spotcheck.core.imports.models import ImportedRow


class ListField(models.TextField):
    """A list of strings kept as JSON text.

    Text rather than a JSON column: the import engine writes rows with COPY on PostgreSQL,
    which takes text columns; an import hands the value over already as JSON text.
    """

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> list[str]:
        return [] if value in (None, "") else list(json.loads(value))

    def to_python(self, value: Any) -> list[str]:
        if isinstance(value, list | tuple):
            return [str(v) for v in value]
        if value in (None, ""):
            return []
        try:
            parsed = json.loads(value)
        except (TypeError, ValueError) as exc:
            raise ValidationError("不是有效的列表。") from exc
        if not isinstance(parsed, list):
            raise ValidationError("不是有效的列表。")
        return [str(v) for v in parsed]

    def get_prep_value(self, value: Any) -> str | None:
        if value is None:
            return None
        if isinstance(value, str):  # already JSON text (the import engine)
            return value
        return json.dumps([str(v) for v in value], ensure_ascii=False)

    def value_to_string(self, obj: Any) -> str:
        return self.get_prep_value(self.value_from_object(obj)) or "[]"


def item_key(department_code: str, year: int | str, code: str) -> str:
    """The one-column key of an item (department, year, code): imports upsert by it."""
    return f"{department_code}/{year}/{code}"


class PowerKind(models.TextChoices):
    """The categories of a 行政权力清单."""

    LICENSING = "licensing", "行政许可"
    PENALTY = "penalty", "行政处罚"
    COERCION = "coercion", "行政强制"
    LEVY = "levy", "行政征收"
    BENEFIT = "benefit", "行政给付"
    INSPECTION = "inspection", "行政检查"
    CONFIRMATION = "confirmation", "行政确认"
    REWARD = "reward", "行政奖励"
    ADJUDICATION = "adjudication", "行政裁决"
    OTHER = "other", "其他行政权力"


class PowerEntry(ImportedRow):
    """One entry of a department's administrative power list. Inspection items hang on
    entries of kind 行政检查: nothing outside the list is inspected (R-L1, R-P3)."""

    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="power_entries", verbose_name="部门")
    code = models.CharField("权力编码", max_length=64)
    name = models.CharField("权力名称", max_length=200)
    kind = models.CharField("权力类型", max_length=16, choices=PowerKind.choices,
                            default=PowerKind.INSPECTION)
    legal_basis = models.TextField("设定依据")
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "行政权力清单事项"
        verbose_name_plural = "行政权力清单"
        ordering = ["department_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="catalog_power_code_once",
                                    violation_error_message="该权力编码在本部门已存在。"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class InspectionItem(ImportedRow):
    """An item a department may check in a year (随机抽查事项), tied to a power entry of
    the same department (R-L1). ``code`` is unique per department and year."""

    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="inspection_items", verbose_name="部门")
    year = models.PositiveSmallIntegerField("年度")
    code = models.CharField("事项编码", max_length=32,
                            help_text="英文字母、数字及 _ . : - ，如 ENV-01")
    # "<department code>/<year>/<code>": department, year and code never change after creation.
    item_key = models.CharField("事项主键", max_length=80, unique=True, editable=False)
    name = models.CharField("抽查事项", max_length=200)
    sub_item = models.CharField("检查子项", max_length=200, blank=True)
    power_entry = models.ForeignKey(PowerEntry, on_delete=models.PROTECT, related_name="items",
                                    verbose_name="对应权力事项")
    basis = models.TextField("检查依据")
    target_entity_types = ListField("检查对象类型", default=list, blank=True,
                                           help_text="空表示各类市场主体")
    target_industries = ListField("检查对象行业", default=list, blank=True,
                                         help_text="GB/T 4754 门类字母；空表示不限")
    target_tags = ListField("重点领域", default=list, blank=True)
    content = models.TextField("检查内容")
    methods = ListField("检查方式", default=list)
    default_ratio_bp = models.PositiveIntegerField("默认抽查比例（基点）", default=500,
                                                   help_text="10000 基点 = 100%")
    frequency_per_year = models.PositiveSmallIntegerField("抽查频次（次/年）", default=1)
    inspector_tags = ListField("执法人员资格要求", default=list, blank=True,
                                      help_text="名录库资格标签代码")
    inspectors_required = models.PositiveSmallIntegerField("执法人员人数", default=MIN_INSPECTORS)
    applicable_classes = ListField("适用类别", default=list)
    in_joint_list = models.BooleanField("列入A类联合检查事项清单", default=False)
    is_active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "抽查事项"
        verbose_name_plural = "抽查事项清单"
        ordering = ["-year", "department_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "code"],
                                    name="catalog_item_code_once_a_year",
                                    violation_error_message="该事项编码在本部门本年度已存在。"),
            models.CheckConstraint(condition=Q(code__regex=SCD1_ID_PATTERN),
                                   name="catalog_item_code_scd1",
                                   violation_error_message="事项编码只能由英文字母、数字及 _ . : - 组成。"),
            models.CheckConstraint(
                condition=Q(default_ratio_bp__gte=1, default_ratio_bp__lte=MAX_RATIO_BP),
                name="catalog_item_ratio_bp",
                violation_error_message="默认抽查比例应在 1 至 10000 个基点之间。"),
            models.CheckConstraint(
                condition=Q(frequency_per_year__gte=1, frequency_per_year__lte=MAX_FREQUENCY),
                name="catalog_item_frequency",
                violation_error_message="抽查频次应为每年 1 至 12 次。"),
            models.CheckConstraint(condition=Q(inspectors_required__gte=MIN_INSPECTORS),
                                   name="catalog_item_two_inspectors",
                                   violation_error_message="每次检查至少需要 2 名执法检查人员。"),
        ]
        indexes = [models.Index(fields=["department", "year", "is_active"],
                                name="catalog_item_dept_year")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.item_key = item_key(self.department.code, self.year, self.code)
        super().save(*args, **kwargs)

    @property
    def ratio_text(self) -> str:
        return percent_text(self.default_ratio_bp)


class FilingKind(models.TextChoices):
    ANNUAL = "annual", "随机抽查事项清单"
    JOINT_A = "joint_a", "A类联合检查事项清单"


class ItemListFiling(models.Model):
    """A department's list as filed with the office and the justice bureau (R-L2), frozen:
    ``snapshot`` is what was filed (and what the public reads), ``digest`` its SHA-256.
    Filing again the same year adds a revision; nothing is overwritten."""

    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="item_list_filings", verbose_name="部门")
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("清单类型", max_length=16, choices=FilingKind.choices)
    revision = models.PositiveSmallIntegerField("报送次序", default=1)
    filed_at = models.DateTimeField("报送时间")
    # Null only for filings the platform recorded itself (lists carried over from an earlier
    # system, demo data); a filing made on the platform always names the person (R-S2).
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", verbose_name="报送人")
    deadline = models.DateField("报送期限")
    is_late = models.BooleanField("逾期报送", default=False)
    item_count = models.PositiveIntegerField("事项数")
    snapshot = models.JSONField("报送内容")
    digest = models.CharField("内容摘要（SHA-256）", max_length=64)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "清单报送"
        verbose_name_plural = "清单报送"
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "kind", "revision"],
                                    name="catalog_filing_revision_once",
                                    violation_error_message="该次报送已存在，请刷新后重试。"),
        ]
        indexes = [models.Index(fields=["year", "kind", "department"], name="catalog_filing_year")]

    def __str__(self) -> str:
        return f"{self.department} {self.year} {self.get_kind_display()} 第{self.revision}次"
