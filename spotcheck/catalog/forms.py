"""Forms of the item-list pages: they collect input; the rules live in the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from spotcheck.accounts.models import Department
from spotcheck.catalog.models import FilingKind, InspectionItem, PowerEntry, PowerKind
from spotcheck.core import clock
from spotcheck.core.reference import industry_sections, inspection_methods
from spotcheck.registry.models import EntityKind, KeyFieldTag
from spotcheck.roster.models import Tag

CLASS_CHOICES = [("A", "A类（联合监管库）"), ("B", "B类（一般监管库）"), ("C", "C类（重点监管库）")]


def _checks(label: str, required: bool = False) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(label=label, required=required,
                                     widget=forms.CheckboxSelectMultiple)


class PowerEntryForm(forms.Form):
    code = forms.CharField(label="权力编码", max_length=64)
    name = forms.CharField(label="权力名称", max_length=200)
    kind = forms.ChoiceField(label="权力类型", choices=PowerKind.choices,
                             initial=PowerKind.INSPECTION)
    legal_basis = forms.CharField(label="设定依据", widget=forms.Textarea(attrs={"rows": 3}))
    is_active = forms.BooleanField(label="有效", required=False, initial=True)

    def __init__(self, *args: Any, entry: PowerEntry | None = None, **kwargs: Any) -> None:
        if entry is not None:
            kwargs.setdefault("initial", {"code": entry.code, "name": entry.name,
                                          "kind": entry.kind, "legal_basis": entry.legal_basis,
                                          "is_active": entry.is_active})
        super().__init__(*args, **kwargs)
        if entry is not None:
            self.fields["code"].disabled = True
        else:
            del self.fields["is_active"]


class ItemForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int)
    code = forms.CharField(label="事项编码", max_length=32,
                           help_text="英文字母、数字及 _ . : - ，如 ENV-01；计划与抽取以此引用")
    name = forms.CharField(label="抽查事项", max_length=200)
    sub_item = forms.CharField(label="检查子项", max_length=200, required=False)
    power_entry = forms.ModelChoiceField(label="对应权力事项（行政检查）",
                                         queryset=PowerEntry.objects.none(),
                                         help_text="清单外不得检查（R-L1）")
    basis = forms.CharField(label="检查依据", widget=forms.Textarea(attrs={"rows": 3}))
    content = forms.CharField(label="检查内容", widget=forms.Textarea(attrs={"rows": 3}))
    methods = _checks("检查方式", required=True)
    target_entity_types = _checks("检查对象类型（不选表示不限）")
    target_industries = _checks("检查对象行业（不选表示不限）")
    target_tags = _checks("重点领域")
    default_ratio = forms.DecimalField(label="默认抽查比例（%）", min_value=Decimal("0.01"),
                                       max_value=Decimal("100"), decimal_places=2,
                                       initial=Decimal("5"))
    frequency_per_year = forms.IntegerField(label="抽查频次（次/年）", min_value=1, max_value=12,
                                            initial=1)
    inspectors_required = forms.IntegerField(label="执法人员人数", min_value=2, max_value=20,
                                             initial=2)
    inspector_tags = _checks("执法人员资格要求")
    applicable_classes = _checks("适用类别", required=True)
    in_joint_list = forms.BooleanField(label="列入A类联合检查事项清单", required=False)
    is_active = forms.BooleanField(label="有效", required=False, initial=True)

    def __init__(self, *args: Any, department: Department, item: InspectionItem | None = None,
                 **kwargs: Any) -> None:
        if item is not None:
            kwargs.setdefault("initial", {
                **{f: getattr(item, f) for f in (
                    "year", "code", "name", "sub_item", "basis", "content", "methods",
                    "target_entity_types", "target_industries", "target_tags",
                    "frequency_per_year", "inspectors_required", "inspector_tags",
                    "applicable_classes", "in_joint_list", "is_active")},
                "power_entry": item.power_entry_id,
                "default_ratio": Decimal(item.default_ratio_bp) / 100})
        super().__init__(*args, **kwargs)
        year = clock.today().year
        f = self.fields
        f["year"].choices = [(year, str(year)), (year + 1, str(year + 1))]  # type: ignore[attr-defined]
        f["power_entry"].queryset = PowerEntry.objects.filter(  # type: ignore[attr-defined]
            department=department, is_active=True, kind=PowerKind.INSPECTION).order_by("code")
        f["methods"].choices = [(m, m) for m in inspection_methods()]  # type: ignore[attr-defined]
        f["target_entity_types"].choices = EntityKind.choices  # type: ignore[attr-defined]
        f["target_industries"].choices = [  # type: ignore[attr-defined]
            (k, f"{k} {v}") for k, v in industry_sections().items()]
        f["target_tags"].choices = [  # type: ignore[attr-defined]
            (n, n) for n in KeyFieldTag.objects.filter(is_active=True).values_list("name", flat=True)]
        f["inspector_tags"].choices = [  # type: ignore[attr-defined]
            (t.code, t.label) for t in Tag.objects.filter(department=department, is_active=True)
            .order_by("kind", "code")]
        f["applicable_classes"].choices = CLASS_CHOICES  # type: ignore[attr-defined]
        if item is not None:
            # Department, year and code identify the item in plans and draws: they stay.
            f["year"].disabled = True
            f["code"].disabled = True
        else:
            del f["is_active"]

    def service_values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["default_ratio_bp"] = int((data.pop("default_ratio") * 100).to_integral_value())
        for fixed in ("year", "code"):
            if self.fields[fixed].disabled:
                data.pop(fixed)
        return data


class FilingForm(forms.Form):
    year = forms.TypedChoiceField(label="年度", coerce=int)
    kind = forms.ChoiceField(label="清单类型", choices=FilingKind.choices)
    note = forms.CharField(label="说明", max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = clock.today().year
        self.fields["year"].choices = [(year, str(year)), (year + 1, str(year + 1))]  # type: ignore[attr-defined]
        self.fields["year"].initial = clock.planning_year(clock.today())


class CarryOverForm(forms.Form):
    from_year = forms.IntegerField(min_value=2000, max_value=2100)
