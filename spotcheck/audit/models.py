from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from spotcheck.core.recorder import Outcome


class AuditEvent(models.Model):
    """One act, written in the transaction of the act; append-only (trigger on PostgreSQL)."""

    seq = models.BigAutoField(primary_key=True)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+", verbose_name="操作人")
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    department_code = models.CharField("部门", max_length=64, blank=True)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64, blank=True)
    object_id = models.CharField("对象", max_length=128, blank=True)
    summary = models.JSONField("变更摘要", default=dict, blank=True)
    outcome = models.CharField("结果", max_length=16, choices=Outcome.choices)
    client_ip = models.CharField("客户端地址", max_length=64, blank=True)
    key_id = models.CharField("链密钥", max_length=32, blank=True)
    prev_hash = models.BinaryField("前一哈希", max_length=32)
    hash = models.BinaryField("哈希", max_length=32, unique=True)

    class Meta:
        verbose_name = "审计事件"
        verbose_name_plural = "审计事件"
        ordering = ["-seq"]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.outcome}"

    def chain_fields(self) -> dict[str, Any]:
        """The fields the hash covers, in their canonical, database-independent form."""
        return chain_fields_of(
            seq=self.seq, at=self.at, actor_id=self.actor_id, actor_name=self.actor_name,
            department_code=self.department_code, action=self.action, object_type=self.object_type,
            object_id=self.object_id, summary=self.summary, outcome=self.outcome,
            client_ip=self.client_ip, key_id=self.key_id)


def chain_fields_of(*, seq: int, at: Any, actor_id: int | None, actor_name: str, department_code: str,
                    action: str, object_type: str, object_id: str, summary: Any, outcome: str,
                    client_ip: str, key_id: str) -> dict[str, Any]:
    """``AuditEvent.chain_fields`` of an event not built as a model instance (the batch write
    of ``audit_record_many``): one definition of what the hash covers."""
    return {
        "seq": seq,
        "at": at.isoformat(timespec="microseconds"),
        "actor_id": actor_id,
        "actor_name": actor_name,
        "department_code": department_code,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "summary": summary,
        "outcome": outcome,
        "client_ip": client_ip,
        "key_id": key_id,
    }


class AuditHead(models.Model):
    """The chain's tip, one row, kept apart from the events: ``audit_verify`` compares the
    last event with it (a deleted tail is named); locked to append so concurrent writers
    cannot fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.BinaryField(max_length=32, default=bytes(32))

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"


class AuditArchive(models.Model):
    """Events moved out of the table after ``AUDIT_RETENTION_DAYS`` into a signed file
    (``spotcheck.audit.archive``); the table then starts at ``last_seq + 1``. The database
    lets archived rows, and only them, be deleted (migration 0003)."""

    first_seq = models.BigIntegerField("起始序号", unique=True)
    last_seq = models.BigIntegerField("截止序号", unique=True)
    last_hash = models.BinaryField("末条哈希", max_length=32)
    count = models.BigIntegerField("事件数")
    file_name = models.CharField("文件", max_length=200)
    file_sm3 = models.CharField("文件 SM3", max_length=64)
    created_at = models.DateTimeField("归档时间")

    class Meta:
        verbose_name = "审计归档"
        verbose_name_plural = "审计归档"
        ordering = ["first_seq"]
        default_permissions = ("view",)
        constraints = [models.CheckConstraint(condition=models.Q(last_seq__gte=models.F("first_seq")),
                                              name="audit_archive_range")]

    def __str__(self) -> str:
        return f"archive #{self.first_seq}–#{self.last_seq}"
