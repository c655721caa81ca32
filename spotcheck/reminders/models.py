"""Reminders of the year's deadlines: a notification per person and deadline stage, and the
day's digest per person (sent once a day, by e-mail when an SMTP server is configured)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Stage(models.TextChoices):
    UPCOMING = "upcoming", "即将到期"
    DUE = "due", "今日到期"
    OVERDUE = "overdue", "已逾期"


class Kind(models.TextChoices):
    ITEM_LIST = "item_list", "事项清单报送（R-L2）"
    ROSTER = "roster", "名录库年度确认（R-I3）"
    PLAN = "plan", "年度计划录入（R-P2）"
    WINDOW = "window", "检查窗口（R-Q1）"
    PUBLICATION = "publication", "结果公示（R-R2）"
    TRANSFER = "transfer", "移送接收"
    OBJECTION = "objection", "异议答复"


class Notification(models.Model):
    """One person told once about one stage of one deadline (``key`` = deadline key and
    stage: the unique constraint makes every run of the day idempotent)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="notifications", verbose_name="接收人")
    key = models.CharField("提醒键", max_length=200)
    kind = models.CharField("类别", max_length=16, choices=Kind.choices)
    stage = models.CharField("阶段", max_length=16, choices=Stage.choices)
    title = models.CharField("标题", max_length=300)
    url = models.CharField("链接", max_length=300, blank=True)
    due = models.DateField("期限")
    day = models.DateField("提醒日期")
    created_at = models.DateTimeField("生成时间")
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "提醒"
        verbose_name_plural = "提醒"
        ordering = ["-day", "due", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="reminders_notification_once"),
            models.CheckConstraint(condition=models.Q(stage__in=Stage.values),
                                   name="reminders_notification_stage_known"),
        ]
        indexes = [models.Index(fields=["user", "read_at"], name="reminders_unread"),
                   models.Index(fields=["user", "day"], name="reminders_user_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.title}"


class Digest(models.Model):
    """The day's digest of one person: made once (unique per person and day), e-mailed when
    an SMTP server is configured and the person has an address."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="digests", verbose_name="接收人")
    day = models.DateField("日期")
    count = models.PositiveIntegerField("新提醒数")
    created_at = models.DateTimeField("生成时间")
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    email_error = models.CharField("邮件发送失败原因", max_length=300, blank=True)

    class Meta:
        verbose_name = "每日提醒摘要"
        verbose_name_plural = "每日提醒摘要"
        ordering = ["-day", "user_id"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="reminders_digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day:%Y-%m-%d}"
