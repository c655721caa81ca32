"""Import jobs: the checkpoint that makes an import resumable, and the rejected rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportedRow(models.Model):
    """Provenance on every imported table: which job and which file row wrote it last.

    It lets a resumed import recognise a key already written by an earlier row of the same
    file (a duplicate in the file) without keeping every key in memory.
    """

    import_job_id = models.BigIntegerField("导入任务", null=True, blank=True, editable=False)
    import_row = models.IntegerField("导入行号", null=True, blank=True, editable=False)

    class Meta:
        abstract = True


class ImportMode(models.TextChoices):
    UPSERT = "upsert", "新增或更新"
    INSERT = "insert", "仅新增"
    UPDATE = "update", "仅更新"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "排队中"
    RUNNING = "running", "导入中"
    SUCCEEDED = "succeeded", "已完成"
    FAILED = "failed", "失败"


class ImportJob(models.Model):
    """One import of one file. ``rows_done`` and the counts are the checkpoint: they are
    updated in the transaction that writes each batch, so a rerun resumes exactly there."""

    kind = models.CharField("导入类型", max_length=64)
    file_name = models.CharField("文件名", max_length=255)
    file_path = models.CharField("文件位置", max_length=1024)
    file_format = models.CharField("格式", max_length=8)
    file_size = models.BigIntegerField("文件大小", default=0)
    file_sha256 = models.CharField("文件摘要", max_length=64, blank=True, db_index=True)
    mode = models.CharField("方式", max_length=8, choices=ImportMode.choices,
                            default=ImportMode.UPSERT)
    dry_run = models.BooleanField("试运行", default=False)
    status = models.CharField("状态", max_length=16, choices=ImportStatus.choices,
                              default=ImportStatus.PENDING)
    message = models.TextField("说明", blank=True)
    rows_total = models.IntegerField("总行数（估计）", default=0)
    rows_done = models.IntegerField("已处理行数", default=0)
    # A first load (see the package docstring) commits once at its end: the rows it has
    # written so far, uncommitted, shown as progress; not a checkpoint.
    rows_pending = models.IntegerField("已读入待提交行数", default=0)
    # What a first load is doing after its last row (rebuilding indexes, committing): shown
    # on the page while it runs.
    phase = models.CharField("阶段", max_length=64, blank=True)
    inserted = models.IntegerField("新增", default=0)
    updated = models.IntegerField("更新", default=0)
    rejected = models.IntegerField("拒绝", default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name="提交人")
    department_code = models.CharField("部门", max_length=64, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)

    class Meta:
        verbose_name = "导入任务"
        verbose_name_plural = "导入任务"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"导入 #{self.pk} {self.file_name}"

    @property
    def is_finished(self) -> bool:
        return self.status in (ImportStatus.SUCCEEDED, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.SUCCEEDED:
            return 100
        if not self.rows_total:
            return 0
        return min(99, (self.rows_done + self.rows_pending) * 100 // self.rows_total)


class ImportRowError(models.Model):
    """A rejected row: its number in the file (header is row 1), the column, a Chinese message."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="errors")
    row = models.IntegerField("行号")
    column = models.CharField("列", max_length=64, blank=True)
    message = models.CharField("错误说明", max_length=500)
    key = models.CharField("主键", max_length=64, blank=True)

    class Meta:
        verbose_name = "导入错误"
        verbose_name_plural = "导入错误"
        ordering = ["job_id", "row", "id"]
        indexes = [models.Index(fields=["job", "row"], name="import_error_job_row")]

    def __str__(self) -> str:
        return f"第 {self.row} 行 {self.column}：{self.message}"
