"""Forms of the draw pages. The prepare form builds the JSON specification of ``domain.spec``;
every rule is checked there and in the service, not here."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from spotcheck.accounts.models import Department, Division
from spotcheck.accounts.predicates import is_office
from spotcheck.draws.domain.spec import DIMENSIONS
from spotcheck.registry.models import EntityKind, KeyFieldTag, LibraryClass, RegistrationStatus, RiskLevel
from spotcheck.registry.reference import industries

DRAWABLE_STATUS_CHOICES = [(v, label) for v, label in RegistrationStatus.choices
                           if v in ("existing", "operating", "suspended")]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class PrepareForm(forms.Form):
    title = forms.CharField(label="抽取名称", max_length=200, widget=forms.TextInput(
        attrs={"placeholder": "如：2027 年生态环境领域 B 类库双随机抽查"}))
    department = forms.ModelChoiceField(label="组织部门", queryset=Department.objects.none())
    classes = forms.MultipleChoiceField(label="监管库类别", choices=LibraryClass.choices,
                                        widget=forms.CheckboxSelectMultiple)
    divisions = forms.MultipleChoiceField(label="行政区划（不选为全部）", required=False,
                                          widget=forms.CheckboxSelectMultiple)
    industries = forms.MultipleChoiceField(label="行业门类（不选为全部）", required=False,
                                           widget=forms.SelectMultiple(attrs={"size": 6}))
    kinds = forms.MultipleChoiceField(label="市场主体类型（不选为全部）", required=False,
                                      choices=EntityKind.choices, widget=forms.CheckboxSelectMultiple)
    tags = forms.MultipleChoiceField(label="重点领域（任一，不选为不限）", required=False,
                                     widget=forms.CheckboxSelectMultiple)
    risk_levels = forms.MultipleChoiceField(label="信用风险等级（不选为全部）", required=False,
                                            choices=RiskLevel.choices, widget=forms.CheckboxSelectMultiple)
    statuses = forms.MultipleChoiceField(label="登记状态（注销、吊销、迁出的主体始终排除）", required=False,
                                         choices=DRAWABLE_STATUS_CHOICES, widget=forms.CheckboxSelectMultiple,
                                         initial=["existing", "operating"])
    strata = forms.MultipleChoiceField(label="分层维度（不选为不分层）", required=False,
                                       choices=list(DIMENSIONS.items()), widget=forms.CheckboxSelectMultiple,
                                       initial=["class", "division"])
    quota_kind = forms.ChoiceField(label="抽取规则", choices=[
        ("rates", "按比例（每个分层）"), ("counts", "按数量（每个分层）"),
        ("total", "按总数（按分层规模分配）")],
        initial="rates", widget=forms.RadioSelect)
    rate_percent = forms.DecimalField(label="比例（%）", required=False, min_value=Decimal("0"),
                                      max_value=Decimal("100"), decimal_places=2, initial=Decimal("5"))
    rounding = forms.ChoiceField(label="取整", choices=[("ceil", "向上取整（至少，用于下限）"),
                                                      ("floor", "向下取整（至多，用于上限，如 A 类 10%）")],
                                 initial="ceil")
    count = forms.IntegerField(label="每个分层的数量", required=False, min_value=0)
    total = forms.IntegerField(label="抽取总数", required=False, min_value=1)
    quota_lines = forms.CharField(
        label="个别分层（每行“分层=比例%或数量”，可空）", required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "B.361102=8\nrisk.high=20"}))
    team_slots = forms.CharField(
        label="检查组席位（每行“部门代码 标签”，标签 * 为不限；专家席位用“部门代码.expert”）", required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "361100-ENV *\n361100-ENV *"}))
    cap_slack = forms.IntegerField(label="负荷余量", required=False, min_value=0, initial=1)
    joint_pool = forms.BooleanField(label="只从联合检查人员库中选派（R-I3）", required=False)
    beacon_kind = forms.CharField(label="公开信标类型", required=False, max_length=64, initial="lottery",
                                  help_text="英文代码，如 lottery（彩票开奖号码）")
    beacon_description = forms.CharField(
        label="信标说明", required=False, max_length=500,
        widget=forms.TextInput(attrs={"placeholder": "如：福彩3D 2027150期开奖号码（3 位数字）"}))
    beacon_at = forms.DateTimeField(label="信标产生时间", required=False,
                                    widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))
    window_start = forms.DateField(label="实施期开始", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    window_end = forms.DateField(label="实施期结束", required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    hash_name = forms.ChoiceField(label="哈希算法", choices=[("sha256", "SHA-256"), ("sm3", "SM3")],
                                  initial="sha256")
    excluded_usccs = forms.CharField(
        label="排除名单（每行一个统一社会信用代码，如本年度已就同一事项检查的主体）", required=False,
        widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_fields: dict[str, Any] = self.fields
        if is_office(user):
            choice_fields["department"].queryset = Department.objects.filter(division_id=user.division_id)
        else:
            choice_fields["department"].queryset = Department.objects.filter(pk=user.department_id)
            choice_fields["classes"].choices = [c for c in LibraryClass.choices if c[0] != "A"]
        choice_fields["department"].initial = user.department_id
        divisions = Division.objects.filter(Q(pk=user.division_id) | Q(parent_id=user.division_id))
        choice_fields["divisions"].choices = [(d.code, f"{d.name}（{d.code}）")
                                              for d in divisions.order_by("code")]
        choice_fields["industries"].choices = [(k, f"{k} {v}") for k, v in industries().items()]
        choice_fields["tags"].choices = [(t.name, t.name) for t in KeyFieldTag.objects.filter(is_active=True)]

    def _quota(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data["quota_kind"]
        named: dict[str, Any] = {}
        for line in _lines(data.get("quota_lines", "")):
            name, _, value = line.partition("=")
            try:
                named[name.strip()] = (round(Decimal(value.strip().rstrip("%")) * 100) if kind == "rates"
                                       else int(value.strip()))
            except (ArithmeticError, ValueError):
                self.add_error("quota_lines", f"“{line}”应写作“分层=数值”。")
        if kind == "rates":
            quota: dict[str, Any] = {"kind": "rates", "rounding": data["rounding"], "rates_bp": named}
            if data.get("rate_percent") is not None:
                quota["default_bp"] = round(data["rate_percent"] * 100)
            return quota
        if kind == "counts":
            quota = {"kind": "counts", "counts": named}
            if data.get("count") is not None:
                quota["default"] = data["count"]
            return quota
        return {"kind": "total", "total": data.get("total")}

    def spec(self) -> dict[str, Any]:
        """The JSON specification (``domain.spec``) from the cleaned form."""
        data = self.cleaned_data
        keys = ("classes", "divisions", "industries", "kinds", "tags", "risk_levels", "statuses", "strata")
        spec: dict[str, Any] = {key: list(data.get(key) or []) for key in keys}
        spec["quota"] = self._quota()
        spec["hash"] = data["hash_name"]
        slots = []
        for line in _lines(data.get("team_slots", "")):
            dept, _, tag = line.partition(" ")
            slots.append({"dept": dept.strip(), "tag": tag.strip() or "*"})
        if slots:
            spec["team"] = {"slots": slots, "cap_slack": data.get("cap_slack") or 0,
                            "joint_pool": bool(data.get("joint_pool"))}
        if data.get("beacon_kind") and data.get("beacon_description"):
            at = data.get("beacon_at")
            spec["beacon"] = {"kind": data["beacon_kind"], "description": data["beacon_description"],
                              "at": timezone.localtime(at).isoformat() if at else ""}
        if data.get("window_start") or data.get("window_end"):
            spec["window"] = {"start": data["window_start"].isoformat() if data.get("window_start") else "",
                              "end": data["window_end"].isoformat() if data.get("window_end") else ""}
        return spec

    def excluded(self) -> list[str]:
        return _lines(self.cleaned_data.get("excluded_usccs", ""))


class CommitForm(forms.Form):
    secret = forms.CharField(
        label="秘密值（留空则由系统生成）", required=False, max_length=200,
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text="至少 16 个字符。平台只保存它的哈希（承诺值）；请自行妥善保管，抽取时由您本人输入揭示。")


class RevealForm(forms.Form):
    party = forms.CharField(widget=forms.HiddenInput, required=False)
    secret = forms.CharField(label="秘密值", max_length=200,
                             widget=forms.PasswordInput(attrs={"autocomplete": "off"}))


class BeaconForm(forms.Form):
    value = forms.CharField(label="信标值", max_length=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=500)


class SubstituteForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18)
    reason = forms.CharField(label="替补原因", max_length=500)
