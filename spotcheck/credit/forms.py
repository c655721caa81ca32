from __future__ import annotations

from django import forms

from spotcheck.core import clock

DECISION_CHOICES = [("confirm", "确认"), ("adjust", "调整为其他类别后确认"), ("reject", "不予采纳")]


class RunForm(forms.Form):
    year = forms.IntegerField(label="依据年度", min_value=2000, max_value=2100)


class ReclassDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="决定", choices=DECISION_CHOICES)
    to_class = forms.ChoiceField(label="调整为（仅“调整”时）", required=False,
                                 choices=[("", "—"), ("A", "A 类"), ("B", "B 类"), ("C", "C 类")])
    effective_on = forms.DateField(label="生效日期", required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text="空：今天生效；晚于今天的调整到期由系统执行")
    reason = forms.CharField(label="决定理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def initial_today(self) -> None:
        self.fields["effective_on"].initial = clock.today()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PromotionForm(forms.Form):
    reasons = forms.CharField(label="申请（推荐）理由", max_length=2000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    # read by the view with ``request.FILES.getlist``; checked by the service (type, size)
    attachments = forms.FileField(label="材料（照片或 PDF，可多选）", required=False,
                                  widget=MultipleFileInput())


class PromotionDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="核实结论", choices=[
        ("approve", "同意升入 A 类"), ("reject", "不同意")])
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
