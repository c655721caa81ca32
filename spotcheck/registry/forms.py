from __future__ import annotations

from django import forms

from spotcheck.registry.models import CField, LibraryClass


class ClassDecisionForm(forms.Form):
    to_class = forms.ChoiceField(label="调整为", choices=LibraryClass.choices)
    c_field = forms.ChoiceField(label="重点监管领域（列入 C 类时必填）",
                                choices=[("", "—"), *CField.choices], required=False)
    basis = forms.CharField(label="依据", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ProposalForm(forms.Form):
    c_field = forms.ChoiceField(label="重点监管领域", choices=CField.choices)
    basis = forms.CharField(label="提议依据", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(label="决定",
                                 choices=[("accept", "采纳，列入 C 类"), ("reject", "不予采纳")])
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

