"""Draws (双随机抽取, DRAW.md): a specification, its frozen announcement, the parties'
commitments and reveals, the beacon, and the result with the selection and the teams.

The frozen CSV files of a draw (population.csv, roster.csv, conflicts.csv) are kept as files
under ``SPOTCHECK_DRAWS_DIR`` (default ``<var>/media/draws``), their digests in the
announcement; announcement.json, reveals.json and result.json are kept here as their exact text.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models import Q

from spotcheck.core.domain.scd1 import SCD1_ID_PATTERN
from spotcheck.draws.domain.lifecycle import LABELS, PUBLIC, Status


class DrawStatus(models.TextChoices):
    PREPARED = Status.PREPARED.value, LABELS[Status.PREPARED]
    ANNOUNCING = Status.ANNOUNCING.value, LABELS[Status.ANNOUNCING]
    ANNOUNCED = Status.ANNOUNCED.value, LABELS[Status.ANNOUNCED]
    REVEALED = Status.REVEALED.value, LABELS[Status.REVEALED]
    EXECUTING = Status.EXECUTING.value, LABELS[Status.EXECUTING]
    EXECUTED = Status.EXECUTED.value, LABELS[Status.EXECUTED]
    PUBLISHED = Status.PUBLISHED.value, LABELS[Status.PUBLISHED]
    CANCELLED = Status.CANCELLED.value, LABELS[Status.CANCELLED]


class HashName(models.TextChoices):
    SHA256 = "sha256", "SHA-256"
    SM3 = "sm3", "SM3"


def draws_root() -> Path:
    return Path(getattr(settings, "SPOTCHECK_DRAWS_DIR", "") or Path(settings.MEDIA_ROOT) / "draws")


class Draw(models.Model):
    """One draw. ``code`` is the SCD-1 ``draw_id``; ``department`` owns it (the office's own
    department for class-A joint draws, R-A2)."""

    code = models.CharField("抽取编号", max_length=64, unique=True)
    title = models.CharField("名称", max_length=200)
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="draws", verbose_name="组织部门")
    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT,
                                 related_name="draws", verbose_name="行政区划")
    year = models.PositiveSmallIntegerField("年度")
    classes = models.CharField("监管库类别", max_length=3)
    spec = models.JSONField("抽取规则")
    hash_name = models.CharField("哈希算法", max_length=8, choices=HashName.choices,
                                 default=HashName.SHA256)
    source_ref = models.CharField("来源（计划）", max_length=64, blank=True, db_index=True)
    window_start = models.DateField("实施期开始", null=True, blank=True)
    window_end = models.DateField("实施期结束", null=True, blank=True)
    beacon_kind = models.CharField("信标类型", max_length=64, blank=True)
    beacon_description = models.CharField("信标说明", max_length=500, blank=True)
    beacon_at = models.DateTimeField("信标产生时间", null=True, blank=True)
    status = models.CharField("状态", max_length=16, choices=DrawStatus.choices,
                              default=DrawStatus.PREPARED)
    excluded_count = models.PositiveIntegerField("排除数", default=0)
    # How many entities the draw takes (R-A2): estimated when prepared, exact once announced,
    # what was drawn once executed. The year's class-A share counts it from preparation on.
    planned_count = models.PositiveIntegerField("拟抽取数", null=True, blank=True)
    files_path = models.CharField("文件目录", max_length=255, editable=False)

    # Frozen by the announcement.
    announcement = models.TextField("公告（announcement.json）", blank=True)
    announcement_digest = models.CharField("公告摘要", max_length=64, blank=True)
    published_at = models.CharField("公告时间（公告所载）", max_length=40, blank=True)
    population_size = models.PositiveIntegerField("抽取范围主体数", null=True, blank=True)
    population_digest = models.CharField("抽取范围摘要", max_length=64, blank=True)
    roster_size = models.PositiveIntegerField("人员名单人数", null=True, blank=True)
    conflicts_size = models.PositiveIntegerField("回避条目数", null=True, blank=True)
    strata_sizes = models.JSONField("各分层主体数", default=dict, blank=True)
    reveals = models.TextField("揭示（reveals.json）", blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="创建人")
    announced_at = models.DateTimeField("公告时间", null=True, blank=True)
    announced_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="公告人")
    revealed_at = models.DateTimeField("揭示完成时间", null=True, blank=True)
    executed_at = models.DateTimeField("抽取时间", null=True, blank=True)
    executed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name="执行人")
    published_on = models.DateTimeField("结果公示时间", null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="公示人")
    cancelled_at = models.DateTimeField("撤销时间", null=True, blank=True)
    cancel_reason = models.CharField("撤销原因", max_length=500, blank=True)

    # Progress of the work the worker does (announcing, executing), for the page and the CLI.
    progress_phase = models.CharField("进度阶段", max_length=32, blank=True)
    progress_done = models.BigIntegerField("已处理", default=0)
    progress_total = models.BigIntegerField("总数", default=0)
    progress_at = models.DateTimeField("进度更新时间", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)

    class Meta:
        verbose_name = "双随机抽取"
        verbose_name_plural = "双随机抽取"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=SCD1_ID_PATTERN),
                                   name="draw_code_scd1"),
            models.CheckConstraint(condition=Q(status__in=DrawStatus.values), name="draw_status_known"),
            # R-A2: a class-A draw holds class A only.
            models.CheckConstraint(condition=Q(classes__in=["A", "B", "C", "BC"]),
                                   name="draw_classes_known"),
        ]
        indexes = [models.Index(fields=["division", "status"], name="draw_division_status")]

    def __str__(self) -> str:
        return f"{self.title}（{self.code}）"

    @property
    def is_class_a(self) -> bool:
        return self.classes == "A"

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC

    @property
    def has_team(self) -> bool:
        return bool(self.spec.get("team"))

    @property
    def files_dir(self) -> Path:
        return draws_root() / self.files_path

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))


class Party(models.TextChoices):
    OFFICE = "office", "联席办"
    JUSTICE = "justice", "司法局"
    DEPARTMENT = "department", "组织部门"


class Commitment(models.Model):
    """One party's commitment H(secret); the secret itself only from the reveal on."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="commitments",
                             verbose_name="抽取")
    party = models.CharField("承诺方", max_length=16, choices=Party.choices)
    seq = models.PositiveSmallIntegerField("顺序")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name="承诺部门")
    name = models.CharField("公告中的名称", max_length=100)
    commit = models.CharField("承诺值", max_length=64, blank=True)
    generated = models.BooleanField("系统生成", default=False)
    committed_at = models.DateTimeField("承诺时间", null=True, blank=True)
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="承诺人")
    value_hex = models.TextField("揭示值（十六进制）", blank=True)
    revealed_at = models.DateTimeField("揭示时间", null=True, blank=True)
    revealed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+",
                                    verbose_name="揭示人")

    class Meta:
        verbose_name = "承诺"
        verbose_name_plural = "承诺"
        ordering = ["draw_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "party"], name="draw_commitment_party_once"),
            models.UniqueConstraint(fields=["draw", "seq"], name="draw_commitment_seq_once"),
            # A secret is never kept before there is a commitment to open.
            models.CheckConstraint(condition=Q(value_hex="") | ~Q(commit=""),
                                   name="draw_reveal_needs_commit"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.get_party_display()}"

    @property
    def division_id(self) -> str:
        return self.draw.division_id

    @property
    def is_committed(self) -> bool:
        return bool(self.commit)

    @property
    def is_revealed(self) -> bool:
        return bool(self.value_hex)


class BeaconValue(models.Model):
    """The public beacon value: entered by one person, confirmed by a second one who types
    it again."""

    draw = models.OneToOneField(Draw, on_delete=models.CASCADE, related_name="beacon_value",
                                verbose_name="抽取")
    name = models.CharField("名称", max_length=100)
    value = models.CharField("信标值", max_length=200)
    entered_at = models.DateTimeField("录入时间")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="录入人")
    confirmed_at = models.DateTimeField("确认时间", null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+",
                                     verbose_name="确认人")

    class Meta:
        verbose_name = "公开信标值"
        verbose_name_plural = "公开信标值"
        constraints = [
            # Two people: the confirmer is never the one who entered the value.
            models.CheckConstraint(
                condition=Q(confirmed_by__isnull=True) | ~Q(confirmed_by=models.F("entered_by")),
                name="draw_beacon_two_people"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.name}"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None


class DrawExclusion(models.Model):
    """An entity kept out of the population (e.g. already inspected for the same item this
    year); the planning layer passes these when it prepares the draw."""

    draw = models.ForeignKey(Draw, on_delete=models.CASCADE, related_name="exclusions",
                             verbose_name="抽取")
    uscc = models.CharField("统一社会信用代码", max_length=18)

    class Meta:
        verbose_name = "排除主体"
        verbose_name_plural = "排除主体"
        constraints = [models.UniqueConstraint(fields=["draw", "uscc"], name="draw_exclusion_once")]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.uscc}"


class DrawResult(models.Model):
    """result.json of an executed draw. One per draw: two racing executions store one result."""

    draw = models.OneToOneField(Draw, on_delete=models.PROTECT, related_name="result",
                                verbose_name="抽取")
    text = models.TextField("结果（result.json）")
    digest = models.CharField("结果摘要", max_length=64)
    seed = models.CharField("种子", max_length=64)
    selected_count = models.PositiveIntegerField("抽中数")
    substitution_count = models.PositiveIntegerField("替补数", default=0)
    revision = models.PositiveIntegerField("修订次数", default=1)
    created_at = models.DateTimeField("生成时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "抽取结果"
        verbose_name_plural = "抽取结果"

    def __str__(self) -> str:
        return f"{self.draw_id} 结果"


class SelectionState(models.TextChoices):
    SELECTED = "selected", "抽中"
    REPLACED = "replaced", "已替补"
    SUBSTITUTE = "substitute", "替补"


class Selection(models.Model):
    """One entity of the result: selected, replaced (with the reason), or a substitute."""

    # No index of its own: the unique (draw, uscc) leads with it (a draw stores its selection in
    # one COPY; each index of the row is written per row).
    draw = models.ForeignKey(Draw, db_index=False, on_delete=models.CASCADE, related_name="selections",
                             verbose_name="抽取")
    position = models.PositiveIntegerField("顺序")
    uscc = models.CharField("统一社会信用代码", max_length=18)
    entity = models.ForeignKey("registry.MarketEntity", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", verbose_name="市场主体")
    entity_name = models.CharField("名称（抽取时）", max_length=200, blank=True)
    stratum = models.CharField("分层", max_length=64)
    score = models.CharField("得分", max_length=64, blank=True)
    state = models.CharField("状态", max_length=16, choices=SelectionState.choices,
                             default=SelectionState.SELECTED)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name="替补对象")
    reason = models.CharField("替补原因", max_length=500, blank=True)
    escalated = models.BooleanField("无可派人员", default=False)
    cap_relaxed = models.BooleanField("超负荷派员", default=False)

    class Meta:
        verbose_name = "抽中主体"
        verbose_name_plural = "抽中主体"
        ordering = ["draw_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "uscc"], name="draw_selection_once"),
            models.UniqueConstraint(fields=["draw", "position"], name="draw_selection_position_once"),
        ]
        indexes = [models.Index(fields=["uscc"], name="draw_selection_uscc")]

    def __str__(self) -> str:
        return f"{self.draw_id} {self.uscc}"

    @property
    def is_active(self) -> bool:
        return self.state != SelectionState.REPLACED


class Assignment(models.Model):
    """An inspector on the team of a selected entity (slot order as in the announcement)."""

    # No index of its own: the unique (selection, slot) leads with it.
    selection = models.ForeignKey(Selection, db_index=False, on_delete=models.CASCADE,
                                  related_name="assignments", verbose_name="抽中主体")
    slot = models.PositiveSmallIntegerField("席位")
    inspector = models.ForeignKey("roster.Inspector", null=True, on_delete=models.SET_NULL,
                                  related_name="draw_assignments", verbose_name="检查人员")
    inspector_code = models.CharField("执法证号", max_length=64)
    dept = models.CharField("部门代码", max_length=64)

    class Meta:
        verbose_name = "检查人员分派"
        verbose_name_plural = "检查人员分派"
        ordering = ["selection_id", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "slot"], name="draw_assignment_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.selection_id}#{self.slot} {self.inspector_code}"
