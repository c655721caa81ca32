"""The inspector roster (执法检查人员名录库, R-I1…R-I3): inspectors and outside experts,
their qualification and expertise tags, declared conflicts of interest, the joint pool,
and each department's yearly confirmation of its roster."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from spotcheck.core.domain.scd1 import SCD1_ID_PATTERN
from spotcheck.core.imports.models import ImportedRow


class InspectorKind(models.TextChoices):
    """R-I1 (the three enforcement kinds) and R-I2 (outside experts)."""

    CIVIL_SERVANT = "civil_servant", "执法类公务员"
    QUALIFIED = "qualified", "具有执法资格人员"
    SUPERVISION = "supervision", "日常监管人员"
    EXPERT = "expert", "外部专家"


# Experts are not enforcement inspectors: they join on top of the two a team needs (R-I2).
ENFORCEMENT_KINDS = frozenset({InspectorKind.CIVIL_SERVANT, InspectorKind.QUALIFIED,
                               InspectorKind.SUPERVISION})


class TagKind(models.TextChoices):
    QUALIFICATION = "qualification", "执法资格"
    EXPERTISE = "expertise", "专业领域"


class Tag(models.Model):
    """A department's vocabulary of qualifications and expertise. ``code`` is the SCD-1 tag
    that team slots name (DRAW.md section 5); ``label`` is what people read."""

    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="roster_tags", verbose_name="部门")
    code = models.CharField("标签代码", max_length=64,
                            help_text="英文字母、数字及 _ . : - ，如 FOOD-SAFETY")
    label = models.CharField("标签名称", max_length=64)
    kind = models.CharField("类别", max_length=16, choices=TagKind.choices,
                            default=TagKind.EXPERTISE)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "资格与专长标签"
        verbose_name_plural = "资格与专长标签"
        ordering = ["department_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="roster_tag_code_once",
                                    violation_error_message="该标签代码在本部门已存在。"),
            models.CheckConstraint(condition=Q(code__regex=SCD1_ID_PATTERN),
                                   name="roster_tag_code_scd1",
                                   violation_error_message="标签代码只能由英文字母、数字及 _ . : - 组成。"),
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.code}）"


class Inspector(ImportedRow):
    """A person on the roster. ``certificate_no`` is the SCD-1 inspector id: a roster code,
    never a name or an ID-card number (DRAW.md section 1)."""

    certificate_no = models.CharField("执法证号", max_length=64, unique=True,
                                      help_text="英文字母、数字及 _ . : - ，至多 64 位")
    name = models.CharField("姓名", max_length=64)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="inspectors", verbose_name="部门")
    kind = models.CharField("人员类别", max_length=16, choices=InspectorKind.choices)
    organisation = models.CharField("所在机构", max_length=128, blank=True,
                                    help_text="外部专家必填：检测机构、科研院所、高校等")
    tags = models.ManyToManyField(Tag, blank=True, related_name="inspectors",
                                  verbose_name="资格与专长")
    valid_until = models.DateField("证件有效期至", null=True, blank=True)
    is_active = models.BooleanField("在册", default=True)
    in_joint_pool = models.BooleanField("联合检查人员库", default=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="inspector",
                                verbose_name="登录账户")
    deactivated_reason = models.CharField("移出原因", max_length=200, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "执法检查人员"
        verbose_name_plural = "执法检查人员"
        ordering = ["certificate_no"]
        constraints = [
            models.CheckConstraint(condition=Q(certificate_no__regex=SCD1_ID_PATTERN),
                                   name="roster_certificate_scd1",
                                   violation_error_message="执法证号只能由英文字母、数字及 _ . : - 组成。"),
            # An enforcement certificate always has an end date; an expert's appointment may not.
            models.CheckConstraint(
                condition=Q(kind=InspectorKind.EXPERT) | Q(valid_until__isnull=False),
                name="roster_enforcement_has_validity",
                violation_error_message="执法人员须填写证件有效期。"),
            models.CheckConstraint(
                condition=~Q(kind=InspectorKind.EXPERT) | ~Q(organisation=""),
                name="roster_expert_has_organisation",
                violation_error_message="外部专家须填写所在机构。"),
        ]
        indexes = [models.Index(fields=["department", "is_active"], name="roster_insp_dept_active")]

    def __str__(self) -> str:
        return f"{self.name}（{self.certificate_no}）"

    @property
    def is_enforcement(self) -> bool:
        return self.kind in ENFORCEMENT_KINDS

    def valid_on(self, on_date: date) -> bool:
        return self.valid_until is None or self.valid_until >= on_date

    def drawable_on(self, on_date: date) -> bool:
        return self.is_active and self.valid_on(on_date)


class Conflict(models.Model):
    """A declared conflict of interest (回避): the inspector is never drawn for this entity.

    Keyed by USCC, as SCD-1 ``conflicts.csv`` (``USCC,INSPECTOR_ID``) is. A withdrawn
    declaration stays for the record.
    """

    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="conflicts",
                                  verbose_name="执法检查人员")
    uscc = models.CharField("统一社会信用代码", max_length=18, db_index=True)
    entity_name = models.CharField("市场主体名称", max_length=200, blank=True)
    reason = models.CharField("回避原因", max_length=500)
    declared_at = models.DateTimeField("申报时间")
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="申报人")
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="撤销人")
    withdraw_reason = models.CharField("撤销原因", max_length=500, blank=True)

    class Meta:
        verbose_name = "回避申报"
        verbose_name_plural = "回避申报"
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["inspector", "uscc"],
                                    condition=Q(withdrawn_at__isnull=True),
                                    name="roster_conflict_once_active",
                                    violation_error_message="该人员对该市场主体的回避已申报。"),
            models.CheckConstraint(condition=Q(uscc__regex=r"^[0-9A-Z]{18}$"),
                                   name="roster_conflict_uscc_shape",
                                   violation_error_message="统一社会信用代码应为 18 位数字或大写字母。"),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} 回避 {self.uscc}"

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None

    @property
    def department_id(self) -> int:
        """So the department predicates apply to a declaration as to its inspector."""
        return self.inspector.department_id

    @property
    def department(self):  # type: ignore[no-untyped-def]
        return self.inspector.department


class ConfirmationScope(models.TextChoices):
    DEPARTMENT = "department", "部门执法检查人员名录"
    JOINT_POOL = "joint_pool", "联合检查人员库"


class RosterConfirmation(models.Model):
    """A department confirmed its roster for a year (R-I1), or the office its joint pool
    (R-I3); both are due by the end of March (configurable)."""

    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="roster_confirmations", verbose_name="部门")
    year = models.PositiveSmallIntegerField("年度")
    scope = models.CharField("范围", max_length=16, choices=ConfirmationScope.choices,
                             default=ConfirmationScope.DEPARTMENT)
    confirmed_at = models.DateTimeField("确认时间")
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="确认人")
    inspector_count = models.PositiveIntegerField("在册人数", default=0)
    is_late = models.BooleanField("逾期确认", default=False)
    note = models.CharField("说明", max_length=500, blank=True)

    class Meta:
        verbose_name = "名录库年度确认"
        verbose_name_plural = "名录库年度确认"
        ordering = ["-year", "department_id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "year", "scope"],
                                    name="roster_confirm_once_a_year",
                                    violation_error_message="本年度已确认。"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.year} {self.get_scope_display()}"


class TrainingCourse(models.Model):
    """A training a department gives its inspectors (R-S5: enforcement staff, front-line
    inspectors first, are trained). ``required_for_draw``: an inspector of the department
    who has not passed it is left out of the pool of every inspector draw."""

    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="training_courses", verbose_name="部门")
    code = models.CharField("培训代码", max_length=64,
                            help_text="英文字母、数字及 _ . : - ，如 SS-BASIC")
    title = models.CharField("培训名称", max_length=100)
    required_for_draw = models.BooleanField(
        "抽取前必须完成", default=False,
        help_text="勾选后，本部门未通过该培训的人员不进入随机抽取的人员池")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "培训课程"
        verbose_name_plural = "培训课程"
        ordering = ["department_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["department", "code"], name="roster_course_code_once",
                                    violation_error_message="该培训代码在本部门已存在。"),
            models.CheckConstraint(condition=Q(code__regex=SCD1_ID_PATTERN),
                                   name="roster_course_code_scd1",
                                   violation_error_message="培训代码只能由英文字母、数字及 _ . : - 组成。"),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.code}）"


class TrainingSession(models.Model):
    """One sitting of a course: when and where it was held. ``code`` names it in the
    attendance import."""

    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="sessions",
                               verbose_name="培训课程")
    code = models.CharField("场次编号", max_length=64, unique=True,
                            help_text="英文字母、数字及 _ . : - ，如 SS-BASIC-2027-01；导入签到时使用")
    held_on = models.DateField("培训日期")
    place = models.CharField("培训地点", max_length=200, blank=True)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1, default=0)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", verbose_name="登记人")

    class Meta:
        verbose_name = "培训场次"
        verbose_name_plural = "培训场次"
        ordering = ["-held_on", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=SCD1_ID_PATTERN),
                                   name="roster_session_code_scd1",
                                   violation_error_message="场次编号只能由英文字母、数字及 _ . : - 组成。"),
            models.CheckConstraint(condition=Q(hours__gte=0), name="roster_session_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.course.title} {self.held_on:%Y-%m-%d}（{self.code}）"

    @property
    def department_id(self) -> int:
        return self.course.department_id

    @property
    def department(self):  # type: ignore[no-untyped-def]
        return self.course.department


class TrainingAttendance(ImportedRow):
    """An inspector attended a session, and passed it or not. ``record_key`` is
    ``<session code>/<certificate no>``: the import's key, one row per person and session."""

    record_key = models.CharField("签到键", max_length=130, unique=True, editable=False)
    session = models.ForeignKey(TrainingSession, on_delete=models.PROTECT,
                                related_name="attendances", verbose_name="培训场次")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT,
                                  related_name="trainings", verbose_name="执法检查人员")
    passed = models.BooleanField("考核合格", default=True)
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "培训签到"
        verbose_name_plural = "培训签到"
        ordering = ["session_id", "inspector_id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "inspector"], name="roster_attendance_once",
                                    violation_error_message="该人员已登记参加本场培训。"),
        ]

    def __str__(self) -> str:
        return f"{self.inspector} @ {self.session.code}"


def attendance_key(session_code: str, certificate_no: str) -> str:
    return f"{session_code}/{certificate_no}"
