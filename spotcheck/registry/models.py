"""The entity library (检查对象监管库): market entities in exactly one class A/B/C (R-A1,
R-B1, R-C1), their key-field tags, the history of class changes and the departments'
class-C proposals that the office decides."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from spotcheck.core.imports.models import ImportedRow


class EntityKind(models.TextChoices):
    COMPANY = "company", "公司"
    NON_COMPANY = "non_company", "非公司企业法人"
    INDIVIDUAL = "individual", "个体工商户"
    COOPERATIVE = "cooperative", "农民专业合作社"
    BRANCH = "branch", "分支机构"
    OTHER = "other", "其他"


class RegistrationStatus(models.TextChoices):
    EXISTING = "existing", "存续"
    OPERATING = "operating", "在业"
    SUSPENDED = "suspended", "停业"
    REVOKED = "revoked", "吊销"
    DEREGISTERED = "deregistered", "注销"
    MOVED_OUT = "moved_out", "迁出"


class RiskLevel(models.TextChoices):
    """Credit-risk classification in four levels (R-R4)."""

    LOW = "low", "低"
    GENERAL = "general", "一般"
    HIGHER = "higher", "较高"
    HIGH = "high", "高"


class LibraryClass(models.TextChoices):
    A = "A", "A类（联合监管库）"
    B = "B", "B类（一般监管库）"
    C = "C", "C类（重点监管库）"


class CField(models.TextChoices):
    """Why an entity belongs in class C (R-C1)."""

    SAFETY = "safety", "安全"
    QUALITY = "quality", "质量"
    PUBLIC_INTEREST = "public_interest", "公共利益"
    POOR_CREDIT = "poor_credit", "信用较差"


class KeyFieldTag(models.Model):
    """The vocabulary of key fields (重点领域, R-A1); the office may extend it."""

    name = models.CharField("名称", max_length=32, unique=True)
    seq = models.PositiveSmallIntegerField("排序", default=0)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "重点领域"
        verbose_name_plural = "重点领域"
        ordering = ["seq", "id"]

    def __str__(self) -> str:
        return self.name


class MarketEntity(ImportedRow):
    """A market entity identified by its USCC. Personal data of the legal representative is
    kept encrypted only (``legal_rep_secret``: SM4 of "ID number\\x1fphone", see core.crypto);
    pages, the API and exports show it masked (``legal_rep_id_masked``…), decrypted when
    shown and never stored in clear, not even in part."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("企业名称", max_length=200)
    kind = models.CharField("市场主体类型", max_length=16, choices=EntityKind.choices)
    legal_rep_name = models.CharField("法定代表人", max_length=64)
    legal_rep_secret = models.BinaryField("法定代表人证件号码及电话（密文）", null=True,
                                          blank=True, editable=False)
    # No database-level constraint: a deferred foreign-key check costs about 9 µs per
    # imported row (measured, 1,000,000 rows: +9.5 s on a 2.3 s raw COPY). Divisions are
    # GB/T 2260 reference data that are never deleted (PROTECT still guards the ORM), and
    # every way in (import, form, API, demo) checks the code against them.
    division = models.ForeignKey("accounts.Division", on_delete=models.PROTECT, db_constraint=False,
                                 related_name="entities", verbose_name="行政区划", db_index=False)
    industry = models.CharField("行业门类", max_length=1)
    industry_class = models.CharField("行业代码", max_length=4, blank=True)
    founded_on = models.DateField("成立日期", null=True, blank=True)
    address = models.CharField("住所", max_length=255, blank=True)
    status = models.CharField("登记状态", max_length=16, choices=RegistrationStatus.choices,
                              default=RegistrationStatus.EXISTING)
    risk_level = models.CharField("信用风险等级", max_length=8, choices=RiskLevel.choices,
                                  default=RiskLevel.GENERAL)
    # R-B1: everything not decided into A or C is B; only the office moves it (class_change).
    library_class = models.CharField("监管库类别", max_length=1, choices=LibraryClass.choices,
                                     default=LibraryClass.B)
    tags: models.ManyToManyField = models.ManyToManyField(KeyFieldTag, through="EntityTag", blank=True,
                                  related_name="entities", verbose_name="重点领域")
    # Database defaults let a bulk COPY leave the timestamps out (parsing a timestamp costs
    # about 0.5 µs a row); the ORM still sets them on save.
    created_at = models.DateTimeField("创建时间", auto_now_add=True, db_default=Now())
    updated_at = models.DateTimeField("更新时间", auto_now=True, db_default=Now())

    class Meta:
        verbose_name = "市场主体"
        verbose_name_plural = "市场主体"
        # Few indexes on purpose: each costs about 3 µs per imported row on PostgreSQL (the
        # import budget is measured against a raw COPY). Lists are keyset-paginated on the
        # primary key, so a filter on division, class or status walks the key backwards until
        # a page is full — cheap for any share above a few per cent. Name search ("contains")
        # scans on PostgreSQL (about 0.2 s at a million rows, less when a page fills early):
        # a trigram index would cost 6–11 s per million imported rows (migration 0004).
        # On PostgreSQL the USCC column uses the "C" collation (byte order; the code is ASCII),
        # which makes its unique index about a third cheaper to maintain.
        constraints = [
            models.CheckConstraint(condition=Q(library_class__in=["A", "B", "C"]),
                                   name="entity_class_abc"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"

    # --- the legal representative's ID number and phone, masked -------------------------

    @property
    def legal_rep_id_masked(self) -> str:
        """法定代表人证件号码（脱敏）: ``3611**********738X``."""
        return self._legal_rep_masked()[0]

    @property
    def legal_rep_phone_masked(self) -> str:
        """联系电话（脱敏）: ``138****0000``."""
        return self._legal_rep_masked()[1]

    def _legal_rep_masked(self) -> tuple[str, str]:
        masked = self.__dict__.get("_masked")
        if masked is None:
            MarketEntity.legal_rep_unmask([self])
            masked = self.__dict__["_masked"]
        return masked  # type: ignore[no-any-return]

    @staticmethod
    def legal_rep_unmask(entities: list[MarketEntity]) -> None:
        """Decrypt the legal representatives of many entities at once (a list page, an
        export) and keep only their masked forms on the instances."""
        from spotcheck.core.crypto import FieldKeyError, field_cipher, mask_id_number, mask_phone

        todo = [e for e in entities if "_masked" not in e.__dict__]
        with_secret = [e for e in todo if e.legal_rep_secret]
        cipher = field_cipher()
        try:
            plain = cipher.decrypt_many([e.legal_rep_secret for e in with_secret])  # type: ignore[misc]
        except (FieldKeyError, UnicodeDecodeError):  # a damaged value: the others one by one, it blank
            plain = []
            for e in with_secret:
                try:
                    plain.append(cipher.decrypt(e.legal_rep_secret))  # type: ignore[arg-type]
                except (FieldKeyError, UnicodeDecodeError):
                    plain.append("")
        for e, text in zip(with_secret, plain, strict=True):
            id_number, _, phone = text.partition("\x1f")
            e.__dict__["_masked"] = (mask_id_number(id_number), mask_phone(phone))
        for e in todo:
            e.__dict__.setdefault("_masked", ("", ""))


class EntityTag(models.Model):
    # the two composite indexes below serve both keys: no single-column index of their own
    entity = models.ForeignKey(MarketEntity, on_delete=models.CASCADE, related_name="+", db_index=False)
    tag = models.ForeignKey(KeyFieldTag, on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = "主体重点领域"
        verbose_name_plural = "主体重点领域"
        constraints = [models.UniqueConstraint(fields=["entity", "tag"], name="entity_tag_once")]
        indexes = [models.Index(fields=["tag", "entity"], name="entity_tag_tag_entity")]

    def __str__(self) -> str:
        return f"{self.entity_id}:{self.tag_id}"


class ChangeSource(models.TextChoices):
    DECISION = "decision", "联席办决定"
    PROPOSAL = "proposal", "采纳部门提议"
    SYSTEM = "system", "系统初始化（演示数据）"
    # R-D1: a move proposed by the yearly reclassification run, confirmed by the office.
    RECLASSIFICATION = "reclass", "年度分类调整"
    # R-D3: a class-B entity's application or a department's recommendation, verified.
    PROMOTION = "promotion", "申请或推荐升入 A 类"


class ClassChange(models.Model):
    """One move between classes: from, to, when, who, basis (R-A1, R-C1, R-D1)."""

    entity = models.ForeignKey(MarketEntity, on_delete=models.CASCADE,
                               related_name="class_changes", verbose_name="市场主体")
    from_class = models.CharField("原类别", max_length=1, choices=LibraryClass.choices)
    to_class = models.CharField("新类别", max_length=1, choices=LibraryClass.choices)
    at = models.DateTimeField("时间")
    # Empty only for changes the platform itself made (source "system").
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+", verbose_name="决定人")
    department = models.ForeignKey("accounts.Department", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", verbose_name="决定部门")
    basis = models.TextField("依据")
    source = models.CharField("来源", max_length=16, choices=ChangeSource.choices)
    c_field = models.CharField("重点监管领域", max_length=16, choices=CField.choices, blank=True)
    proposal = models.ForeignKey("ClassProposal", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name="部门提议")

    class Meta:
        verbose_name = "类别变更"
        verbose_name_plural = "类别变更"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.entity_id}: {self.from_class}→{self.to_class}"


class ProposalStatus(models.TextChoices):
    PENDING = "pending", "待决定"
    ACCEPTED = "accepted", "已采纳"
    REJECTED = "rejected", "未采纳"


class ClassProposal(models.Model):
    """A department proposes class C for an entity in its field; the office decides (R-C1)."""

    entity = models.ForeignKey(MarketEntity, on_delete=models.CASCADE,
                               related_name="proposals", verbose_name="市场主体")
    department = models.ForeignKey("accounts.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name="提议部门")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="提议人")
    proposed_at = models.DateTimeField("提议时间")
    c_field = models.CharField("重点监管领域", max_length=16, choices=CField.choices)
    basis = models.TextField("提议依据")
    status = models.CharField("状态", max_length=16, choices=ProposalStatus.choices,
                              default=ProposalStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+", verbose_name="决定人")
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)

    class Meta:
        verbose_name = "C类提议"
        verbose_name_plural = "C类提议"
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["entity", "department"],
                                    condition=Q(status="pending"), name="proposal_one_pending",
                                    violation_error_message="本部门对该主体已有待决定的提议。"),
        ]

    def __str__(self) -> str:
        return f"C类提议 {self.entity_id} {self.get_status_display()}"
