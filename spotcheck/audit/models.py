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
        return {
            "seq": self.seq,
            "at": self.at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "department_code": self.department_code,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": self.summary,
            "outcome": self.outcome,
            "client_ip": self.client_ip,
        }


class AuditHead(models.Model):
    """The chain's tip, one row; locked to append so concurrent writers cannot fork the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.BinaryField(max_length=32, default=bytes(32))

    class Meta:
        default_permissions = ()

    def __str__(self) -> str:
        return f"audit head #{self.last_seq}"
