"""Forms of the inspection pages: they collect input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from spotcheck.accounts.models import Department
from spotcheck.catalog.models import InspectionItem
from spotcheck.core import clock
from spotcheck.core.forms import DateInput, apply_service_error
from spotcheck.inspections import reference
from spotcheck.roster.models import Inspector

__all__ = ["FilingForm", "LatePermitForm", "LeadForm", "MergeForm", "TeamAssignForm", "apply_service_error"]


class MergeForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    window = forms.CharField(label="检查窗口", max_length=21,
                             help_text="月份（如 6）、YYYY-MM，或 YYYY-MM-DD/YYYY-MM-DD（如 C 类全年）")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"year": clock.today().year, "window": "6"})
        super().__init__(*args, **kwargs)


class LeadForm(forms.Form):
    new_lead = forms.ModelChoiceField(label="拟任牵头部门", queryset=Department.objects.none())

    def __init__(self, *args: Any, joint: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_lead"].queryset = Department.objects.filter(  # type: ignore[attr-defined]
            joint_participations__joint=joint).exclude(pk=joint.lead_id).order_by("code")


class FilingForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18)
    planned_on = forms.DateField(label="检查日期", widget=DateInput())
    items = forms.ModelMultipleChoiceField(label="检查事项", queryset=InspectionItem.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)
    inspectors = forms.ModelMultipleChoiceField(label="执法检查人员", queryset=Inspector.objects.none(),
                                                widget=forms.CheckboxSelectMultiple,
                                                help_text="至少 2 名执法检查人员")
    reason = forms.ChoiceField(label="备案事由", required=False,
                               help_text="企业安静期内（R-Q2）或 A 类主体随机抽查以外（R-A4）的检查必填；"
                                         "清单为列举，其他原因选“其他特殊情况（须说明）”")
    justification = forms.CharField(label="理由说明", required=False,
                                    widget=forms.Textarea(attrs={"rows": 4}),
                                    help_text="写明线索来源、检查必要性等，至少 15 字")

    def __init__(self, *args: Any, department: Department, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        year = clock.today().year
        self.fields["items"].queryset = (  # type: ignore[attr-defined]
            InspectionItem.objects.filter(department=department, year__in=[year, year + 1], is_active=True)
            .order_by("-year", "code"))
        self.fields["items"].label_from_instance = (  # type: ignore[attr-defined]
            lambda i: f"{i.year} {i.code} {i.name}")
        self.fields["inspectors"].queryset = (  # type: ignore[attr-defined]
            Inspector.objects.filter(department=department, is_active=True).order_by("certificate_no"))
        self.fields["reason"].choices = [("", "（无需备案）")] + [  # type: ignore[attr-defined]
            (r.name, f"{r.name}（{'、'.join(sorted(r.rules))}）") for r in reference.filing_reasons()]

    def clean_uscc(self) -> str:
        return str(self.cleaned_data["uscc"]).strip().upper()


class LatePermitForm(forms.Form):
    reason = forms.CharField(label="逾期补录理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="窗口结束后一天内补录（R-Q1 的例外），理由记录在案")


class TeamAssignForm(forms.Form):
    inspectors = forms.CharField(label="执法证号", widget=forms.Textarea(attrs={"rows": 3}),
                                 help_text="联合检查人员库或本行政区划其他部门的人员，逗号或换行分隔，"
                                           "至少 2 名执法检查人员；已申报回避者不可选派（R-I2）")
    reason = forms.CharField(label="选派理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_inspectors(self) -> list[str]:
        raw = str(self.cleaned_data["inspectors"]).replace("，", ",").replace("、", ",")
        codes = [c.strip() for part in raw.splitlines() for c in part.split(",") if c.strip()]
        if not codes:
            raise forms.ValidationError("请填写执法证号。")
        return list(dict.fromkeys(codes))
