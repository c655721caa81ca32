"""What the portal publishes and what it sends on (R-R2), and what the public sends back (R-S4).

- ``PublishedResult``: one version of the published result of one item of one task. Only the
  fields of ``publicity.allowlist.PUBLISHED_FIELDS`` are shown or sent; a correction or a
  withdrawal is a new version with its reason, the old version stays visible (history).
- ``Delivery``: the outbox. One row per published version and target (national enterprise
  credit publicity system, province credit-sharing platform), written in the transaction of
  the publication and sent by the worker with its idempotency key.
- ``Objection``: an enterprise objects to a published result of its own; the department
  answers within a set time; an upheld objection corrects the publication.
- ``Complaint``: anyone complains about an inspection or an inspector; a tracking number; the
  office assigns, the department answers, the outcome is published without personal data.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class PublishedResult(models.Model):
    task = models.ForeignKey("inspections.InspectionTask", on_delete=models.PROTECT,
                             related_name="published_results", verbose_name="检查任务")
    task_item = models.ForeignKey("inspections.TaskItem", on_delete=models.PROTECT,
                                  related_name="published_results", verbose_name="检查事项")
    version = models.PositiveSmallIntegerField("版本", default=1)
    is_current = models.BooleanField("现行版本", default=True)
    # --- the published fields (allowlist.PUBLISHED_FIELDS["result"]) ---------------------
    uscc = models.CharField("统一社会信用代码", max_length=18)
    entity_name = models.CharField("市场主体名称", max_length=200)
    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="行政区划")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name="检查部门")
    department_name = models.CharField("检查部门", max_length=64)
    departments = models.JSONField("参与检查部门", default=list)
    source = models.CharField("检查类型", max_length=32)
    plan_title = models.CharField("抽查计划", max_length=200, blank=True)
    item_code = models.CharField("事项编码", max_length=32)
    item_name = models.CharField("抽查事项", max_length=200)
    result_code = models.CharField("检查结果代码", max_length=8)
    result_text = models.CharField("检查结果", max_length=300)
    follow_up = models.CharField("后续处置", max_length=32, blank=True)
    inspected_on = models.DateField("检查完成日期")
    published_at = models.DateTimeField("公示时间")
    reason = models.CharField("更正或撤回原因", max_length=500, blank=True)
    withdrawn = models.BooleanField("已撤回", default=False)
    # --- kept, never published -----------------------------------------------------------
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="公示人")

    class Meta:
        verbose_name = "公示的检查结果"
        verbose_name_plural = "公示的检查结果"
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["task_item", "version"], name="publicity_result_version_once"),
            models.UniqueConstraint(fields=["task_item"], condition=Q(is_current=True),
                                    name="publicity_result_one_current",
                                    violation_error_message="该检查事项的结果已公示。"),
            models.CheckConstraint(condition=Q(version=1) | ~Q(reason=""),
                                   name="publicity_result_correction_has_reason"),
        ]
        indexes = [
            models.Index(fields=["uscc", "is_current"], name="publicity_result_uscc"),
            models.Index(fields=["division", "is_current", "published_at"], name="publicity_result_div"),
            # The portal's newest-first list and its keyset pages (no OFFSET, no COUNT). On
            # PostgreSQL migration 0002 adds the search indexes: a trigram GIN on the upper-cased
            # name (``icontains``) and a pattern index on the USCC (``startswith``).
            models.Index(fields=["-published_at", "-id"], condition=Q(is_current=True),
                         name="publicity_result_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.uscc} {self.item_code} v{self.version}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENT = "sent", "已送达"
    PARKED = "parked", "发送失败已暂停"


class Delivery(models.Model):
    """One record to send to one target (R-R2), with its idempotency key; the worker sends it,
    retries with exponential backoff, parks it after ``DELIVERY_MAX_ATTEMPTS`` failures."""

    target = models.CharField("接收方", max_length=32)
    kind = models.CharField("记录类型", max_length=32)
    record_id = models.PositiveBigIntegerField("记录编号")
    idempotency_key = models.CharField("幂等键", max_length=120, unique=True)
    payload = models.JSONField("报送内容")
    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="行政区划")
    status = models.CharField("状态", max_length=16, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送时间")
    # A sender holds the row until then; a worker killed mid-send loses it only until then.
    lease_until = models.DateTimeField("占用至", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    created_at = models.DateTimeField("生成时间")
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "报送记录"
        verbose_name_plural = "报送记录"
        ordering = ["id"]
        constraints = [models.CheckConstraint(condition=Q(status__in=DeliveryStatus.values),
                                              name="publicity_delivery_status_known")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="publicity_delivery_due")]

    def __str__(self) -> str:
        return self.idempotency_key


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待答复"
    UPHELD = "upheld", "异议成立，已更正"
    REJECTED = "rejected", "异议不成立"


class Objection(models.Model):
    result = models.ForeignKey(PublishedResult, on_delete=models.PROTECT, related_name="objections",
                               verbose_name="公示结果")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name="答复部门")
    reason = models.TextField("异议理由")
    status = models.CharField("状态", max_length=16, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.OPEN)
    filed_at = models.DateTimeField("提出时间")
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="提出人")
    answer_due = models.DateField("答复期限")
    answer = models.TextField("答复意见", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name="答复人")
    correction = models.ForeignKey(PublishedResult, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="更正后的版本")

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["result"], condition=Q(status="open"),
                                    name="publicity_objection_one_open",
                                    violation_error_message="该公示结果已有待答复的异议。"),
            models.CheckConstraint(condition=~Q(reason=""), name="publicity_objection_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.uscc} #{self.pk}"


def objection_upload_to(instance: ObjectionFile, filename: str) -> str:
    return f"objections/{instance.objection_id}/{filename}"


class ObjectionFile(models.Model):
    objection = models.ForeignKey(Objection, on_delete=models.CASCADE, related_name="files",
                                  verbose_name="异议")
    file = models.FileField("材料", upload_to=objection_upload_to)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小")

    class Meta:
        verbose_name = "异议材料"
        verbose_name_plural = "异议材料"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "已受理"
    ASSIGNED = "assigned", "已交办"
    ANSWERED = "answered", "已办结"


class ComplaintAbout(models.TextChoices):
    INSPECTION = "inspection", "检查行为"
    INSPECTOR = "inspector", "执法检查人员"


class Complaint(models.Model):
    """A complaint about the supervision work itself (R-S4). ``text`` and ``contact`` are the
    complainant's and never published; ``outcome`` is written for publication."""

    tracking_no = models.CharField("受理编号", max_length=24, unique=True)
    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="行政区划")
    about = models.CharField("投诉对象", max_length=16, choices=ComplaintAbout.choices)
    uscc = models.CharField("被检查主体统一社会信用代码", max_length=18, blank=True)
    text = models.TextField("投诉内容")
    contact = models.CharField("联系方式", max_length=100, blank=True)
    client_key = models.CharField("来源（摘要）", max_length=64, db_index=True)
    status = models.CharField("状态", max_length=16, choices=ComplaintStatus.choices,
                              default=ComplaintStatus.RECEIVED)
    received_at = models.DateTimeField("受理时间")
    department = models.ForeignKey("accounts.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", verbose_name="承办部门")
    assigned_at = models.DateTimeField("交办时间", null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", verbose_name="交办人")
    outcome = models.TextField("办理结果（公开）", blank=True)
    answered_at = models.DateTimeField("办结时间", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+", verbose_name="办结人")

    class Meta:
        verbose_name = "监管工作投诉"
        verbose_name_plural = "监管工作投诉"
        ordering = ["-received_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ComplaintStatus.values),
                                   name="publicity_complaint_status_known"),
            models.CheckConstraint(condition=~Q(status="answered") | ~Q(outcome=""),
                                   name="publicity_complaint_outcome"),
        ]

    def __str__(self) -> str:
        return self.tracking_no


class ComplaintSource(models.Model):
    """One row per complainant address (its salted digest): the complaint form locks it
    (``select_for_update``) before counting that address's complaints of the last hour, so
    that two submissions at once from one address cannot both pass the limit (R-S4)."""

    client_key = models.CharField("来源（摘要）", max_length=64, unique=True)
    last_at = models.DateTimeField("最近提交时间")

    class Meta:
        verbose_name = "投诉来源"
        verbose_name_plural = "投诉来源"

    def __str__(self) -> str:
        return self.client_key[:12]


class PublicGeneration(models.Model):
    """One row: bumped by every publication, so that every web process drops its cached
    public pages at once (the page cache itself is per process)."""

    value = models.PositiveBigIntegerField("代次", default=0)

    class Meta:
        verbose_name = "公示页面代次"
        verbose_name_plural = "公示页面代次"

    def __str__(self) -> str:
        return str(self.value)
