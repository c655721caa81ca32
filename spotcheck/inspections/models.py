"""Inspection tasks, the visits they merge into, the one form's entries, the notices the
enterprise receives, the yearly burden per entity, and filings of inspections outside plans.

- A task (检查任务) is one department's due inspection of one entity: from a draw of its plan
  (one per selected entity; a class-A joint draw gives one per participating department,
  R-A3), from a class-C plan (R-C2), or created outside the plans with a filing (R-A4, R-Q2).
- After the draws of a window, tasks that would visit the same entity become one visit
  (``JointInspection``): one visit, one team, one form with every department's items (R-B3,
  R-C3). A lone task is its own visit.
- ``TaskItem`` rows are the form: one per task and item, with the result once recorded
  (kept ready for publication, R-R2).
- One ``EnterpriseNotice`` per visit; ``EntityBurden`` keeps per entity and year how many
  visits the departments' tasks would have made and how many are made.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from spotcheck.core.jobs import BackgroundJob, JobStatus
from spotcheck.inspections.domain.workflow import LABELS, REVIEW_LABELS, Review, State


class TaskStatus(models.TextChoices):
    PENDING = State.PENDING.value, LABELS[State.PENDING]
    IN_PROGRESS = State.IN_PROGRESS.value, LABELS[State.IN_PROGRESS]
    COMPLETED = State.COMPLETED.value, LABELS[State.COMPLETED]
    CANCELLED = State.CANCELLED.value, LABELS[State.CANCELLED]


class ReviewStatus(models.TextChoices):
    """The lead department's check of a completed visit's results (R-R2); ``confirmed`` is
    what publication reads, with ``confirmed_at`` and ``publish_due``."""

    NONE = Review.NONE.value, REVIEW_LABELS[Review.NONE]
    PENDING = Review.PENDING.value, REVIEW_LABELS[Review.PENDING]
    RETURNED = Review.RETURNED.value, REVIEW_LABELS[Review.RETURNED]
    CONFIRMED = Review.CONFIRMED.value, REVIEW_LABELS[Review.CONFIRMED]


class TaskSource(models.TextChoices):
    DRAW = "draw", "随机抽查"
    CLASS_C = "class_c", "C类全覆盖检查"
    FILING = "filing", "计划外检查（已备案）"
    OUTSIDE = "outside", "计划外检查"
    RECHECK = "recheck", "整改复查"


class VisitForm(models.Model):
    """What a visit, joint or lone, records on its one form and what the lead department's
    check decides of it (R-R2): the same columns on ``JointInspection`` and
    ``InspectionTask``."""

    # Raised by every save of the form; a save made on an older version is refused (409)
    # and shown beside the newer one, never written over it.
    form_version = models.PositiveIntegerField("检查表版本", default=0)
    visited_on = models.DateField("检查日期", null=True, blank=True)
    place = models.CharField("检查地点", max_length=200, blank=True)
    review_status = models.CharField("结果审核", max_length=16, choices=ReviewStatus.choices,
                                     default=ReviewStatus.NONE)
    review_reason = models.CharField("退回理由", max_length=500, blank=True)
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    # Links to accounts and to the library carry no index of their own where a composite
    # index leads with them or nothing reads by them: each index of a row is written at every
    # insert and at every update that moves the row (a year writes half a million tasks).
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=False, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="确认人")
    publish_due = models.DateField("公示截止日期（R-R2）", null=True, blank=True)

    class Meta:
        abstract = True


class JointInspection(VisitForm):
    """One visit that merges several tasks of one entity in one window (进一次门、填一张表、
    查多项事). ``is_joint`` when more than one department takes part (R-B3, R-C3, R-A3); a
    department whose two draws hit the same entity also visits once."""

    division = models.ForeignKey("accounts.Division", db_index=False, on_delete=models.PROTECT,
                                 related_name="joint_inspections", verbose_name="行政区划")
    year = models.PositiveSmallIntegerField("年度")
    window_start = models.DateField("检查窗口开始")
    window_end = models.DateField("检查窗口结束")
    entity = models.ForeignKey("registry.MarketEntity", db_index=False, on_delete=models.PROTECT,
                               related_name="joint_inspections", verbose_name="市场主体")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    is_joint = models.BooleanField("多部门联合", default=True)
    lead = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+",
                             verbose_name="牵头部门")
    default_lead = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                     related_name="+", verbose_name="按事项数确定的牵头部门")
    lead_agreed = models.BooleanField("牵头部门经协商变更", default=False)
    status = models.CharField("状态", max_length=16, choices=TaskStatus.choices,
                              default=TaskStatus.PENDING)
    item_count = models.PositiveIntegerField("检查事项数", default=0)
    team = models.JSONField("检查组（执法证号）", default=list, blank=True)
    sources = models.JSONField("来源", default=list, blank=True)
    plans = models.JSONField("所属计划", default=list, blank=True)
    created_at = models.DateTimeField("合并时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=False, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="完成人")

    class Meta:
        verbose_name = "联合检查"
        verbose_name_plural = "联合检查"
        ordering = ["window_start", "uscc", "id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "window_start", "window_end"],
                                    name="inspections_joint_once_a_window",
                                    violation_error_message="该主体在本检查窗口已有一次合并检查。"),
            models.CheckConstraint(condition=Q(window_start__lte=models.F("window_end")),
                                   name="inspections_joint_window_order"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values),
                                   name="inspections_joint_status_known"),
        ]
        indexes = [models.Index(fields=["division", "year", "window_start"],
                                name="inspections_joint_window")]

    def __str__(self) -> str:
        return f"{self.uscc} {self.window_start:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


class JointParticipant(models.Model):
    # Indexed by the unique (joint, department), which leads with it.
    joint = models.ForeignKey(JointInspection, db_index=False, on_delete=models.CASCADE,
                              related_name="participants", verbose_name="联合检查")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="joint_participations", verbose_name="部门")
    item_count = models.PositiveIntegerField("检查事项数", default=0)

    class Meta:
        verbose_name = "参与部门"
        verbose_name_plural = "参与部门"
        ordering = ["joint_id", "department__code"]
        constraints = [models.UniqueConstraint(fields=["joint", "department"],
                                               name="inspections_participant_once")]

    def __str__(self) -> str:
        return f"{self.joint_id} {self.department_id}"


class Filing(models.Model):
    """A filing (备案) with the office and the justice bureau of the division for an
    inspection outside the plans: in the quiet period (R-Q2) or of a class-A entity outside
    a random draw (R-A4). The reason comes from ``filing_reasons.csv``."""

    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT,
                                 related_name="inspection_filings", verbose_name="行政区划")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="inspection_filings", verbose_name="检查部门")
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT,
                               related_name="inspection_filings", verbose_name="市场主体")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    library_class = models.CharField("检查时类别", max_length=1)
    planned_on = models.DateField("检查日期")
    quiet_period = models.BooleanField("企业安静期内（R-Q2）", default=False)
    class_a = models.BooleanField("A类随机抽查以外（R-A4）", default=False)
    reason = models.CharField("备案事由", max_length=32)
    justification = models.TextField("理由说明")
    created_at = models.DateTimeField("备案时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="备案人")

    class Meta:
        verbose_name = "计划外检查备案"
        verbose_name_plural = "计划外检查备案"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quiet_period=True) | Q(class_a=True),
                                   name="inspections_filing_has_ground"),
            models.CheckConstraint(condition=~Q(justification=""),
                                   name="inspections_filing_justified"),
        ]
        indexes = [models.Index(fields=["division", "created_at"], name="inspections_filing_div")]

    def __str__(self) -> str:
        return f"{self.uscc} {self.planned_on:%Y-%m-%d} {self.reason}"

    @property
    def rules_text(self) -> str:
        return "、".join(r for r, on in (("R-Q2", self.quiet_period), ("R-A4", self.class_a)) if on)


class InspectionTask(VisitForm):
    """One department's due inspection of one entity."""

    department = models.ForeignKey("accounts.Department", db_index=False, on_delete=models.PROTECT,
                                   related_name="inspection_tasks", verbose_name="检查部门")
    division = models.ForeignKey("accounts.Division", db_index=False, on_delete=models.PROTECT,
                                 related_name="inspection_tasks", verbose_name="行政区划")
    year = models.PositiveSmallIntegerField("年度")
    entity = models.ForeignKey("registry.MarketEntity", db_index=False, on_delete=models.PROTECT,
                               related_name="inspection_tasks", verbose_name="市场主体")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    source = models.CharField("来源", max_length=16, choices=TaskSource.choices,
                              default=TaskSource.DRAW)
    draw = models.ForeignKey("draws.Draw", db_index=False, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="inspection_tasks", verbose_name="抽取")
    plan_ref = models.CharField("所属计划", max_length=64, blank=True)
    plan_title = models.CharField("计划名称", max_length=200, blank=True)
    window_start = models.DateField("检查窗口开始")
    window_end = models.DateField("检查窗口结束")
    status = models.CharField("状态", max_length=16, choices=TaskStatus.choices,
                              default=TaskStatus.PENDING)
    joint = models.ForeignKey(JointInspection, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="tasks", verbose_name="合并检查")
    merged_window = models.CharField("已合并的窗口", max_length=21, blank=True)
    filing = models.OneToOneField(Filing, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="task", verbose_name="备案")
    cancel_reason = models.CharField("取消原因", max_length=500, blank=True)
    created_at = models.DateTimeField("生成时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=False, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name="生成人")
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "检查任务"
        verbose_name_plural = "检查任务"
        ordering = ["window_start", "uscc", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "entity", "department"],
                                    condition=Q(draw__isnull=False),
                                    name="inspections_task_once_a_draw",
                                    violation_error_message="该抽取已为该主体生成本部门的检查任务。"),
            models.CheckConstraint(condition=Q(window_start__lte=models.F("window_end")),
                                   name="inspections_task_window_order"),
            models.CheckConstraint(condition=Q(status__in=TaskStatus.values),
                                   name="inspections_task_status_known"),
            models.CheckConstraint(condition=Q(review_status__in=ReviewStatus.values),
                                   name="inspections_task_review_known"),
            models.CheckConstraint(condition=~Q(review_status="confirmed")
                                   | Q(confirmed_at__isnull=False, publish_due__isnull=False),
                                   name="inspections_task_confirmed_dated"),
            models.CheckConstraint(condition=~Q(source=TaskSource.FILING) | Q(filing__isnull=False),
                                   name="inspections_task_filing_source"),
        ]
        indexes = [
            models.Index(fields=["division", "year", "status"], name="inspections_task_div_year"),
            models.Index(fields=["department", "year", "status"], name="inspections_task_dept_year"),
            models.Index(fields=["entity", "year"], name="inspections_task_entity_year"),
            models.Index(fields=["review_status", "publish_due"], name="inspections_task_review"),
            # The task list's pages (keyset on window, id) of a department or of the office's
            # division: read in index order, never sorted whole (100k tasks a year).
            models.Index(fields=["department", "window_start", "id"], name="inspections_task_dept_page"),
            models.Index(fields=["division", "window_start", "id"], name="inspections_task_div_page"),
            # Overdue tasks that are their own visit (R-Q1: open, window closed), for the home
            # pages of the office and the departments: only open lone tasks are in them.
            models.Index(fields=["division", "window_end"], name="inspections_task_lone_div",
                         condition=Q(status__in=["pending", "in_progress"], joint__isnull=True)),
            models.Index(fields=["department", "window_end"], name="inspections_task_lone_dept",
                         condition=Q(status__in=["pending", "in_progress"], joint__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"{self.uscc} {self.window_start:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in (TaskStatus.PENDING, TaskStatus.IN_PROGRESS)


def visit_links(related_name: str, *, one: bool = False) -> tuple[Any, Any]:
    """The two links of a row that belongs to one visit, joint or lone (``one_visit`` makes
    sure exactly one is set): ``joint, task = visit_links("signatures")``."""
    field = models.OneToOneField if one else models.ForeignKey
    return (field(JointInspection, null=True, blank=True, on_delete=models.CASCADE,
                  related_name=related_name, verbose_name="联合检查"),
            field(InspectionTask, null=True, blank=True, on_delete=models.CASCADE,
                  related_name=related_name, verbose_name="检查任务"))


def one_visit(name: str) -> models.CheckConstraint:
    """Exactly one of ``joint`` and ``task`` is set."""
    return models.CheckConstraint(condition=Q(joint__isnull=True, task__isnull=False)
                                  | Q(joint__isnull=False, task__isnull=True), name=name)


class TaskMember(models.Model):
    """An inspector on a task's team (from the draw's assignment, slot order kept)."""

    # Indexed by the unique (task, slot) and by (inspector, task), which lead with them.
    task = models.ForeignKey(InspectionTask, db_index=False, on_delete=models.CASCADE, related_name="members",
                             verbose_name="检查任务")
    slot = models.PositiveSmallIntegerField("席位")
    inspector = models.ForeignKey("roster.Inspector", db_index=False, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="inspection_tasks",
                                  verbose_name="检查人员")
    certificate_no = models.CharField("执法证号", max_length=64)

    class Meta:
        verbose_name = "检查组成员"
        verbose_name_plural = "检查组成员"
        ordering = ["task_id", "slot"]
        constraints = [models.UniqueConstraint(fields=["task", "slot"], name="inspections_member_slot_once")]
        indexes = [models.Index(fields=["inspector", "task"], name="inspections_member_inspector")]

    def __str__(self) -> str:
        return f"{self.task_id}#{self.slot} {self.certificate_no}"


class TaskItem(models.Model):
    """One item of a task on the form, with its result once recorded (kept for publication)."""

    # Indexed by the unique (task, item), which leads with it.
    task = models.ForeignKey(InspectionTask, db_index=False, on_delete=models.CASCADE, related_name="items",
                             verbose_name="检查任务")
    item = models.ForeignKey("catalog.InspectionItem", on_delete=models.PROTECT,
                             related_name="task_items", verbose_name="检查事项")
    seq = models.PositiveSmallIntegerField("顺序", default=0)
    result_code = models.CharField("检查结果代码", max_length=8, blank=True)
    result_name = models.CharField("检查结果", max_length=200, blank=True)
    method = models.CharField("检查方式", max_length=32, blank=True)
    follow_up = models.CharField("后续处置", max_length=32, blank=True)
    note = models.TextField("说明", blank=True)
    recorded_at = models.DateTimeField("录入时间", null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, db_index=False, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name="录入人")

    class Meta:
        verbose_name = "检查事项及结果"
        verbose_name_plural = "检查事项及结果"
        ordering = ["task_id", "seq", "id"]
        constraints = [models.UniqueConstraint(fields=["task", "item"], name="inspections_task_item_once")]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.item_id}"

    @property
    def is_recorded(self) -> bool:
        return bool(self.result_code)


class Evidence(models.Model):
    """A photo or file kept as evidence of one item of the form: stored under MEDIA_ROOT
    (never in the database), its kind found from its first bytes, its SM3 digest recorded."""

    task_item = models.ForeignKey(TaskItem, on_delete=models.PROTECT, related_name="evidence",
                                  verbose_name="检查事项")
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=64)
    size = models.PositiveBigIntegerField("大小（字节）")
    sm3 = models.CharField("SM3 摘要", max_length=64)
    path = models.CharField("存储路径", max_length=300)
    uploaded_at = models.DateTimeField("上传时间")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="上传人")

    class Meta:
        verbose_name = "检查证据"
        verbose_name_plural = "检查证据"
        ordering = ["task_item_id", "uploaded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task_item", "sm3"], name="inspections_evidence_once",
                                    violation_error_message="该事项已上传过同一文件。"),
            models.CheckConstraint(condition=Q(sm3__regex=r"^[0-9a-f]{64}$"),
                                   name="inspections_evidence_sm3"),
        ]

    def __str__(self) -> str:
        return f"{self.task_item_id} {self.name}"

    @property
    def is_photo(self) -> bool:
        return self.content_type.startswith("image/")


class SignatureRole(models.TextChoices):
    INSPECTOR = "inspector", "检查人员"
    ENTERPRISE = "enterprise", "企业代表"


class SignatureMethod(models.TextChoices):
    ACCOUNT = "account", "本人账号确认"
    ON_SITE = "on_site", "现场签字"
    ON_SCREEN = "on_screen", "屏幕手写签名"
    REFUSED = "refused", "拒绝签字"


class FormSignature(models.Model):
    """A signature on a completed form: each inspector of the team from their own account,
    the enterprise's representative on site (recorded by the team) or their refusal; or a
    handwritten signature on the screen of one device (an inspector after their own password,
    the representative in front of the team), whose image is kept outside the database with
    its SM3 digest. It holds the SM3 digest of the form as signed; a correction after a return
    voids it."""

    joint, task = visit_links("signatures")
    role = models.CharField("签字方", max_length=16, choices=SignatureRole.choices)
    method = models.CharField("方式", max_length=16, choices=SignatureMethod.choices)
    inspector = models.ForeignKey("roster.Inspector", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="检查人员")
    certificate_no = models.CharField("执法证号", max_length=64, blank=True)
    signer_name = models.CharField("签字人", max_length=100)
    note = models.CharField("说明", max_length=500, blank=True)
    image_path = models.CharField("手写签名图片", max_length=300, blank=True)
    image_sm3 = models.CharField("签名图片摘要（SM3）", max_length=64, blank=True)
    digest = models.CharField("检查表摘要（SM3）", max_length=64)
    is_valid = models.BooleanField("有效", default=True)
    signed_at = models.DateTimeField("签字时间")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="记录人")

    class Meta:
        verbose_name = "检查表签字"
        verbose_name_plural = "检查表签字"
        ordering = ["signed_at", "id"]
        constraints = [
            one_visit("inspections_signature_one_visit"),
            models.CheckConstraint(condition=~Q(role="inspector") | Q(
                inspector__isnull=False, method__in=["account", "on_screen"]),
                                   name="inspections_signature_inspector_own"),
            models.CheckConstraint(condition=~Q(method="on_screen") | (
                ~Q(image_path="") & Q(image_sm3__regex=r"^[0-9a-f]{64}$")),
                                   name="inspections_signature_image_hashed"),
            models.CheckConstraint(condition=~Q(method="refused") | ~Q(note=""),
                                   name="inspections_signature_refusal_noted"),
            models.UniqueConstraint(fields=["joint", "inspector"], name="inspections_sign_joint_once",
                                    condition=Q(is_valid=True, inspector__isnull=False),
                                    violation_error_message="您已在该检查表上签字。"),
            models.UniqueConstraint(fields=["task", "inspector"], name="inspections_sign_task_once",
                                    condition=Q(is_valid=True, inspector__isnull=False),
                                    violation_error_message="您已在该检查表上签字。"),
            models.UniqueConstraint(fields=["joint"], name="inspections_sign_joint_enterprise",
                                    condition=Q(is_valid=True, role="enterprise"),
                                    violation_error_message="企业代表签字已记录。"),
            models.UniqueConstraint(fields=["task"], name="inspections_sign_task_enterprise",
                                    condition=Q(is_valid=True, role="enterprise"),
                                    violation_error_message="企业代表签字已记录。"),
        ]

    def __str__(self) -> str:
        return f"{self.joint_id or self.task_id} {self.signer_name} {self.method}"


class ResultReview(models.Model):
    """One decision of the lead department on a visit's results: returned with a reason, or
    confirmed (R-R2). Kept for the file (R-S6)."""

    class Decision(models.TextChoices):
        RETURN = "return", "退回修改"
        CONFIRM = "confirm", "确认"

    joint, task = visit_links("reviews")
    decision = models.CharField("审核意见", max_length=16, choices=Decision.choices)
    reason = models.CharField("理由", max_length=500, blank=True)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name="审核部门")
    decided_at = models.DateTimeField("审核时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="审核人")

    class Meta:
        verbose_name = "检查结果审核"
        verbose_name_plural = "检查结果审核"
        ordering = ["decided_at", "id"]
        constraints = [
            one_visit("inspections_review_one_visit"),
            models.CheckConstraint(condition=~Q(decision="return") | ~Q(reason=""),
                                   name="inspections_review_return_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.joint_id or self.task_id} {self.decision}"


class NoPenaltyEntry(models.Model):
    """An entry of a department's list of minor violations exempt from penalty (免罚清单,
    R-R5), per year; imported from the department's published list."""

    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="no_penalty_entries", verbose_name="部门")
    year = models.PositiveSmallIntegerField("年度")
    code = models.CharField("序号", max_length=32)
    behaviour = models.CharField("违法行为", max_length=500)
    basis = models.TextField("处罚依据", blank=True)
    conditions = models.TextField("免罚条件", blank=True)
    created_at = models.DateTimeField("导入时间")

    class Meta:
        verbose_name = "免罚清单事项"
        verbose_name_plural = "免罚清单事项"
        ordering = ["department_id", "year", "code"]
        constraints = [models.UniqueConstraint(fields=["department", "year", "code"],
                                               name="inspections_no_penalty_once",
                                               violation_error_message="免罚清单中已有该序号。")]

    def __str__(self) -> str:
        return f"{self.code} {self.behaviour}"


class Severity(models.TextChoices):
    MINOR = "minor", "轻微"
    GENERAL = "general", "一般"
    SERIOUS = "serious", "严重"


class ViolationStatus(models.TextChoices):
    OPEN = "open", "待处置"
    CORRECTING = "correcting", "责令整改中"
    CORRECTED = "corrected", "已整改"
    EXEMPT = "exempt", "轻微违法免予处罚"
    TRANSFERRED = "transferred", "已移送，待接收"
    ACKNOWLEDGED = "acknowledged", "主管部门已接收"
    JUDICIAL = "judicial", "已移送司法机关"


class Violation(models.Model):
    """A finding of a violation on the form, as a case (R-R1): handled by the inspecting
    department (order to correct by a date, with a re-check that is not a new draw),
    transferred to the competent department (which acknowledges it; escalated to the office
    when it does not in time), or handed over to the judicial organs. A minor violation
    corrected in time that is on the department's no-penalty list is recorded as such with
    the entry cited (R-R5)."""

    task_item = models.ForeignKey(TaskItem, on_delete=models.PROTECT, related_name="violations",
                                  verbose_name="检查事项")
    task = models.ForeignKey(InspectionTask, on_delete=models.PROTECT, related_name="violations",
                             verbose_name="检查任务")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="检查部门")
    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="行政区划")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    severity = models.CharField("情节", max_length=16, choices=Severity.choices)
    description = models.TextField("违法事实")
    status = models.CharField("状态", max_length=16, choices=ViolationStatus.choices,
                              default=ViolationStatus.OPEN)
    correct_due = models.DateField("整改期限", null=True, blank=True)
    corrected_on = models.DateField("整改完成日期", null=True, blank=True)
    recheck_task = models.OneToOneField(InspectionTask, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="rechecks", verbose_name="复查任务")
    transfer_to = models.ForeignKey("accounts.Department", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="violations_received",
                                    verbose_name="移送至")
    transfer_reason = models.CharField("移送理由", max_length=500, blank=True)
    transferred_at = models.DateTimeField("移送时间", null=True, blank=True)
    acknowledged_at = models.DateTimeField("接收时间", null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+", verbose_name="接收人")
    escalated_at = models.DateTimeField("报联席办时间", null=True, blank=True)
    judicial_organ = models.CharField("移送司法机关", max_length=200, blank=True)
    judicial_doc_no = models.CharField("移送文书号", max_length=100, blank=True)
    handed_over_at = models.DateTimeField("移送司法时间", null=True, blank=True)
    no_penalty = models.ForeignKey(NoPenaltyEntry, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="violations", verbose_name="适用免罚清单事项")
    created_at = models.DateTimeField("立案时间")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="记录人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "违法行为"
        verbose_name_plural = "违法行为"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ViolationStatus.values),
                                   name="inspections_violation_status_known"),
            models.CheckConstraint(condition=Q(severity__in=Severity.values),
                                   name="inspections_violation_severity_known"),
            models.CheckConstraint(condition=~Q(status="exempt") | Q(severity="minor",
                                                                      no_penalty__isnull=False),
                                   name="inspections_violation_exempt_minor_cited"),
            models.CheckConstraint(condition=~Q(status__in=["transferred", "acknowledged"])
                                   | Q(transfer_to__isnull=False, transferred_at__isnull=False),
                                   name="inspections_violation_transfer_named"),
            models.CheckConstraint(condition=~Q(status="judicial") | ~Q(judicial_organ=""),
                                   name="inspections_violation_judicial_named"),
        ]
        indexes = [models.Index(fields=["department", "status"], name="inspections_violation_dept"),
                   models.Index(fields=["transfer_to", "status"], name="inspections_violation_to")]

    def __str__(self) -> str:
        return f"{self.uscc} {self.get_severity_display()} {self.get_status_display()}"


ExportStatus = JobStatus


class ArchiveExport(BackgroundJob):
    """The office's export of a department's files of a year (R-S6), run by the worker; the
    progress is on the row, the zip under the media root."""

    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="行政区划")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="部门")
    year = models.PositiveSmallIntegerField("年度")
    path = models.CharField("文件", max_length=300, blank=True)
    size = models.PositiveBigIntegerField("大小", default=0)
    sm3 = models.CharField("SM3 摘要", max_length=64, blank=True)

    class Meta:
        verbose_name = "档案导出"
        verbose_name_plural = "档案导出"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.department_id} {self.year} {self.status}"


class LatePermit(models.Model):
    """The office's exception to R-Q1 for one visit: its results may be recorded one day
    after its window closed, for the reason recorded here (audited). One per visit."""

    joint, task = visit_links("late_permit", one=True)
    until = models.DateField("补录截止日期")
    reason = models.CharField("逾期原因", max_length=500)
    granted_at = models.DateTimeField("批准时间")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="批准人")

    class Meta:
        verbose_name = "逾期补录许可"
        verbose_name_plural = "逾期补录许可"
        ordering = ["-granted_at", "-id"]
        constraints = [
            one_visit("inspections_late_permit_one_visit"),
            models.CheckConstraint(condition=~Q(reason=""), name="inspections_late_permit_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.joint_id or self.task_id} → {self.until:%Y-%m-%d}"


class LeadChangeStatus(models.TextChoices):
    PENDING = "pending", "待各部门同意"
    EFFECTIVE = "effective", "已生效"
    SUPERSEDED = "superseded", "已被新提议取代"
    LAPSED = "lapsed", "已失效"


class LeadChange(models.Model):
    """A proposal to change a joint inspection's lead department; it takes effect when every
    participating department has agreed (R-C3: the departments agree the lead)."""

    joint = models.ForeignKey(JointInspection, on_delete=models.CASCADE,
                              related_name="lead_changes", verbose_name="联合检查")
    from_lead = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                  related_name="+", verbose_name="原牵头部门")
    new_lead = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                 related_name="+", verbose_name="拟任牵头部门")
    status = models.CharField("状态", max_length=16, choices=LeadChangeStatus.choices,
                              default=LeadChangeStatus.PENDING)
    proposed_at = models.DateTimeField("提议时间")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="提议人")
    effective_at = models.DateTimeField("生效时间", null=True, blank=True)

    class Meta:
        verbose_name = "牵头部门变更"
        verbose_name_plural = "牵头部门变更"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["joint"], condition=Q(status="pending"),
                                    name="inspections_lead_change_one_pending",
                                    violation_error_message="该联合检查已有待同意的牵头部门变更。"),
        ]

    def __str__(self) -> str:
        return f"{self.joint_id} → {self.new_lead_id}"


class LeadAgreement(models.Model):
    change = models.ForeignKey(LeadChange, on_delete=models.CASCADE, related_name="agreements",
                               verbose_name="牵头部门变更")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name="同意部门")
    agreed_at = models.DateTimeField("同意时间")
    agreed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="同意人")

    class Meta:
        verbose_name = "部门同意"
        verbose_name_plural = "部门同意"
        ordering = ["change_id", "agreed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["change", "department"],
                                               name="inspections_agreement_once",
                                               violation_error_message="本部门已同意该变更。")]

    def __str__(self) -> str:
        return f"{self.change_id} {self.department_id}"


def notice_token() -> str:
    """A fresh verification code of an enterprise notice (also given by set-based writes)."""
    return secrets.token_hex(8)


def _verify_token() -> str:  # the field's default, named by the migrations
    return notice_token()


class EnterpriseNotice(models.Model):
    """What the enterprise is told about one visit: when, who, what, who leads. The one of a
    lone task gives way to the joint one when a later merge joins the task to others."""

    # A notice is read by its visit or its enterprise's USCC, never by these links: they have
    # their foreign keys and no index of their own (a year writes a notice per visit).
    entity = models.ForeignKey("registry.MarketEntity", db_index=False, on_delete=models.PROTECT,
                               related_name="inspection_notices", verbose_name="市场主体")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    division = models.ForeignKey("accounts.Division", db_index=False, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="行政区划")
    year = models.PositiveSmallIntegerField("年度")
    window_start = models.DateField("检查窗口开始")
    window_end = models.DateField("检查窗口结束")
    joint, task = visit_links("notice", one=True)
    lead = models.ForeignKey("accounts.Department", db_index=False, on_delete=models.PROTECT,
                             related_name="+", verbose_name="牵头部门")
    departments = models.JSONField("检查部门", default=list)
    items = models.JSONField("检查事项", default=list)
    is_current = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("通知时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    # The public check of the document's authenticity (its QR code): number and token.
    verify_token = models.CharField("核验码", max_length=32, default=_verify_token, editable=False)
    # The day: the enterprise may propose one inside the window; the lead department
    # confirms it or sets another.
    proposed_day = models.DateField("企业建议检查日期", null=True, blank=True)
    proposed_at = models.DateTimeField("建议时间", null=True, blank=True)
    visit_day = models.DateField("确定的检查日期", null=True, blank=True)
    visit_day_note = models.CharField("日期说明", max_length=200, blank=True)
    visit_day_set_at = models.DateTimeField("日期确定时间", null=True, blank=True)
    contact = models.CharField("联系方式", max_length=100, blank=True)
    # A lone task's notice that a merge replaced: the joint visit's notice, and why.
    replaced_by = models.ForeignKey("self", db_index=False, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="replaces", verbose_name="替代通知")
    replaced_reason = models.CharField("替代原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "检查通知"
        verbose_name_plural = "检查通知"
        ordering = ["-window_start", "-id"]
        constraints = [
            one_visit("inspections_notice_one_visit"),
        ]
        indexes = [models.Index(fields=["uscc", "is_current"], name="inspections_notice_uscc")]

    def __str__(self) -> str:
        return f"{self.uscc} {self.window_start:%Y-%m-%d}"

    @property
    def number(self) -> str:
        """The document's number: division, year, serial (检查通知书编号)."""
        return f"{self.division_id}-{self.year}-JC{self.pk:07d}"

    @property
    def visit(self) -> Any:
        return self.joint if self.joint_id else self.task


class EntityBurden(models.Model):
    """Per entity and year: visits the departments' tasks would make without merging, and the
    visits actually made (R-B3: the burden merging saves the enterprise)."""

    entity = models.ForeignKey("registry.MarketEntity", db_index=False, on_delete=models.CASCADE,
                               related_name="inspection_burdens", verbose_name="市场主体")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    year = models.PositiveSmallIntegerField("年度")
    tasks = models.PositiveIntegerField("未合并时的检查次数", default=0)
    visits = models.PositiveIntegerField("实际入户次数", default=0)
    departments = models.PositiveIntegerField("检查部门数", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "主体年度检查负担"
        verbose_name_plural = "主体年度检查负担"
        ordering = ["-year", "-tasks", "uscc"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "year"], name="inspections_burden_once"),
            models.CheckConstraint(condition=Q(visits__lte=models.F("tasks")),
                                   name="inspections_burden_visits_le_tasks"),
        ]
        indexes = [models.Index(fields=["year", "uscc"], name="inspections_burden_year")]

    def __str__(self) -> str:
        return f"{self.uscc} {self.year}: {self.tasks}→{self.visits}"

    @property
    def saved(self) -> int:
        return self.tasks - self.visits


class ResultRecognition(models.Model):
    """A task closed by adopting another department's earlier result of the same matter
    (结果互认, R-R3): the visit is spared and counted so in the burden ledger. One per task
    (the database refuses a second adoption); the earlier task and each adopted item are
    cited, with the reason and the recognition period in force."""

    task = models.OneToOneField(InspectionTask, on_delete=models.PROTECT, related_name="recognition",
                                verbose_name="互认的检查任务")
    source_task = models.ForeignKey(InspectionTask, on_delete=models.PROTECT,
                                    related_name="recognised_by", verbose_name="被采信的检查任务")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name="采信部门")
    source_department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                          related_name="+", verbose_name="原检查部门")
    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.PROTECT, related_name="+",
                               verbose_name="市场主体")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    source_visited_on = models.DateField("原检查日期")
    period_days = models.PositiveIntegerField("互认期限（天）")
    reason = models.CharField("互认理由", max_length=500)
    # [{"item": code, "name": ..., "from_item": code, "result_code": ..., "result_name": ...}]
    items = models.JSONField("采信的事项及结果", default=list)
    decided_at = models.DateTimeField("办理时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="办理人")

    class Meta:
        verbose_name = "结果互认"
        verbose_name_plural = "结果互认"
        ordering = ["-decided_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(task=models.F("source_task")),
                                   name="inspections_recognition_other_task"),
            models.CheckConstraint(condition=~Q(department=models.F("source_department")),
                                   name="inspections_recognition_other_department"),
            models.CheckConstraint(condition=~Q(reason=""), name="inspections_recognition_reason"),
        ]
        indexes = [models.Index(fields=["uscc", "decided_at"], name="inspections_recognition_uscc")]

    def __str__(self) -> str:
        return f"{self.task_id} ← {self.source_task_id}"
