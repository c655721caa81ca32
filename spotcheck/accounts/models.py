from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q

from spotcheck.accounts.roles import Role
from spotcheck.core.imports.models import ImportedRow


class DivisionKind(models.TextChoices):
    CITY = "city", "设区市"
    DISTRICT = "district", "市辖区"
    COUNTY = "county", "县"
    COUNTY_CITY = "county-level city", "县级市"


class Division(models.Model):
    """An administrative division (GB/T 2260). Data is scoped by division (R-S1)."""

    code = models.CharField("区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    kind = models.CharField("类型", max_length=32, choices=DivisionKind.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children", verbose_name="上级")

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A member unit of the joint meeting in one division; counties mirror the city (R-S1).

    ``code`` is short ASCII (``361100-SAMR``): it is the DEPT of SCD-1 files.
    """

    code = models.CharField("部门代码", max_length=32, unique=True)
    unit_code = models.CharField("成员单位代码", max_length=16)
    name = models.CharField("名称", max_length=64)
    seq = models.PositiveSmallIntegerField("序号")
    division = models.ForeignKey(Division, on_delete=models.PROTECT, related_name="departments",
                                 verbose_name="行政区划")
    hosts_office = models.BooleanField("设联席办", default=False)
    is_justice = models.BooleanField("司法局", default=False)

    class Meta:
        verbose_name = "部门"
        verbose_name_plural = "部门"
        ordering = ["division_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["division", "unit_code"], name="dept_unit_once"),
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Za-z0-9_.:-]{1,32}$"),
                                   name="dept_code_ascii"),
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser, ImportedRow):
    """A person signing in. One role; a government user belongs to one department.

    Staff accounts may come from a file (``accounts.imports``): ``import_job_id`` names the
    import that created or last changed the account."""

    display_name = models.CharField("姓名", max_length=64, blank=True)
    role = models.CharField("角色", max_length=32, choices=Role.choices, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="users", verbose_name="部门")
    division = models.ForeignKey(Division, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="users", verbose_name="行政区划")
    enterprise_uscc = models.CharField("企业统一社会信用代码", max_length=18, blank=True)
    must_change_password = models.BooleanField("下次登录须修改密码", default=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"
        constraints = [
            # 三员分立: a superuser would hold the system, security and audit administrators'
            # permissions at once; every account holds exactly one role.
            models.CheckConstraint(condition=Q(is_superuser=False), name="user_no_superuser"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else "未分配角色"


class ApiToken(models.Model):
    """A named API token of one user, made on the user's own page and shown once.

    Only a SHA-256 digest of the key is kept, so a copy of the database does not hold usable
    tokens. A token answers until it expires or is revoked; both end it for good.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name="用户")
    name = models.CharField("名称", max_length=64)
    key_digest = models.CharField("密钥摘要", max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=8)
    created_at = models.DateTimeField("创建时间")
    expires_at = models.DateTimeField("到期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One live token per name and user, so a list can say which is which.
            models.UniqueConstraint(fields=["user", "name"], condition=Q(revoked_at__isnull=True),
                                    name="api_token_name_once"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")),
                                   name="api_token_expires_after_creation"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"
class ActivationCode(models.Model):
    """A one-time code with which an enterprise activates its own account (bound to its
    entity). Only a salted hash is stored; the code is shown once, to be printed. A code is
    used once, expires, and dies after a few wrong attempts; issuing a new one revokes the
    entity's earlier codes (at most one live code per entity)."""

    entity = models.ForeignKey("registry.MarketEntity", on_delete=models.CASCADE,
                               related_name="activation_codes", verbose_name="市场主体")
    code_hash = models.CharField("激活码摘要", max_length=256)
    issued_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="签发人")
    issued_at = models.DateTimeField("签发时间")
    expires_at = models.DateTimeField("有效期至")
    attempts = models.PositiveSmallIntegerField("错误尝试次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    used_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name="激活的账户")
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)

    class Meta:
        verbose_name = "企业账户激活码"
        verbose_name_plural = "企业账户激活码"
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["entity"], name="activation_code_one_live",
                                    condition=Q(used_at__isnull=True, revoked_at__isnull=True)),
        ]

    def __str__(self) -> str:
        return f"激活码 #{self.pk}"
