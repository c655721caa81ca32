"""Forms of the roster pages: they collect input; the rules live in the services."""

from __future__ import annotations

from typing import Any

from django import forms

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import Role
from spotcheck.core.forms import DateInput
from spotcheck.roster.models import Inspector, InspectorKind, Tag, TagKind, TrainingCourse


class InspectorForm(forms.Form):
    certificate_no = forms.CharField(label="执法证号", max_length=64,
                                     help_text="英文字母、数字及 _ . : - ；公开抽取文件中的人员代码")
    name = forms.CharField(label="姓名", max_length=64)
    kind = forms.ChoiceField(label="人员类别", choices=InspectorKind.choices)
    organisation = forms.CharField(label="所在机构", max_length=128, required=False,
                                   help_text="外部专家必填")
    valid_until = forms.DateField(label="证件有效期至", required=False, widget=DateInput())
    tags = forms.ModelMultipleChoiceField(label="资格与专长", queryset=Tag.objects.none(),
                                          required=False, widget=forms.CheckboxSelectMultiple)
    user = forms.ModelChoiceField(label="登录账户", queryset=User.objects.none(), required=False,
                                  help_text="关联后本人可查看自己的档案并申报回避")
    is_active = forms.BooleanField(label="在册", required=False, initial=True)

    def __init__(self, *args: Any, department: Department, inspector: Inspector | None = None,
                 **kwargs: Any) -> None:
        if inspector is not None:
            kwargs.setdefault("initial", {
                "certificate_no": inspector.certificate_no, "name": inspector.name,
                "kind": inspector.kind, "organisation": inspector.organisation,
                "valid_until": inspector.valid_until, "tags": list(inspector.tags.all()),
                "user": inspector.user, "is_active": inspector.is_active})
        super().__init__(*args, **kwargs)
        tags = Tag.objects.filter(department=department, is_active=True).order_by("kind", "code")
        self.fields["tags"].queryset = tags  # type: ignore[attr-defined]
        self.fields["tags"].label_from_instance = lambda t: t.label  # type: ignore[attr-defined]
        self.fields["user"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            department=department, role=Role.INSPECTOR, is_active=True).order_by("username")
        if inspector is not None:
            # The certificate number is the SCD-1 id and the import key: it never changes.
            self.fields["certificate_no"].disabled = True
        else:
            del self.fields["is_active"]

    def service_values(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {"name": data["name"], "kind": data["kind"], "organisation": data["organisation"],
                  "valid_until": data["valid_until"],
                  "tag_codes": [t.code for t in data["tags"]], "user": data["user"]}
        if "is_active" in self.fields:
            values["is_active"] = data["is_active"]
        return values


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=200, widget=forms.Textarea(attrs={"rows": 2}))


class ConflictForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18)
    entity_name = forms.CharField(label="市场主体名称", max_length=200, required=False)
    reason = forms.CharField(label="回避原因", max_length=500,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="如：近亲属在该企业任职或持股、曾在该企业任职、其他利害关系")


class TagForm(forms.Form):
    code = forms.CharField(label="标签代码", max_length=64, help_text="英文字母、数字及 _ . : - ")
    label = forms.CharField(label="标签名称", max_length=64)
    kind = forms.ChoiceField(label="类别", choices=TagKind.choices)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, tag: Tag | None = None, **kwargs: Any) -> None:
        if tag is not None:
            kwargs.setdefault("initial", {"code": tag.code, "label": tag.label, "kind": tag.kind,
                                          "is_active": tag.is_active})
        super().__init__(*args, **kwargs)
        if tag is not None:
            self.fields["code"].disabled = True
        else:
            del self.fields["is_active"]


class ConfirmForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    note = forms.CharField(label="说明", max_length=500, required=False)


class TrainingCourseForm(forms.Form):
    code = forms.CharField(label="培训代码", max_length=64,
                           help_text="英文字母、数字及 _ . : - ，如 SS-BASIC")
    title = forms.CharField(label="培训名称", max_length=100)
    required_for_draw = forms.BooleanField(
        label="抽取前必须完成", required=False,
        help_text="勾选后，本部门未通过该培训的人员不进入随机抽取的人员池")


class TrainingSessionForm(forms.Form):
    course = forms.ModelChoiceField(label="培训课程", queryset=TrainingCourse.objects.none())
    code = forms.CharField(label="场次编号", max_length=64,
                           help_text="如 SS-BASIC-2027-01；导入签到时使用")
    held_on = forms.DateField(label="培训日期", widget=DateInput())
    place = forms.CharField(label="培训地点", max_length=200, required=False)
    hours = forms.DecimalField(label="学时", max_digits=5, decimal_places=1, min_value=0, initial=0)

    def __init__(self, *args: Any, courses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = courses  # type: ignore[attr-defined]


class AttendanceForm(forms.Form):
    certificate_no = forms.CharField(label="执法证号", max_length=64)
    passed = forms.ChoiceField(label="考核结果", choices=[("1", "合格"), ("0", "不合格")])
