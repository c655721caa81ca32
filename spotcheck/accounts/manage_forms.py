"""Forms of the account pages: the department picker (a search, not a 430-option list),
account creation, enterprise accounts and activation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet

from spotcheck.accounts.models import Department
from spotcheck.accounts.roles import ADMIN_ROLES, Role

PICKER_LIMIT = 20


def department_search(query: str, *, selected: str = "") -> list[Department]:
    """Departments whose name, code or division matches every word of ``query`` (at most
    ``PICKER_LIMIT``), the selected one first."""
    qs: QuerySet[Department] = Department.objects.select_related("division").order_by(
        "division_id", "seq")
    words = query.split()
    found: list[Department] = []
    if words:
        for word in words[:5]:
            qs = qs.filter(Q(name__icontains=word) | Q(code__icontains=word)
                           | Q(division__name__icontains=word))
        found = list(qs[:PICKER_LIMIT])
    if selected and all(d.code != selected for d in found):
        chosen = Department.objects.select_related("division").filter(code=selected).first()
        if chosen is not None:
            found.insert(0, chosen)
    return found


def _username_field() -> forms.RegexField:
    return forms.RegexField(label="用户名", regex=r"^[\w.@+-]{1,150}\Z", max_length=150,
                            error_messages={"invalid": "用户名只能由字母、数字及 @ . + - _ 组成。"})


class DepartmentField(forms.CharField):
    """A department chosen by code (the picker's radio buttons post the code)."""

    def clean(self, value: Any) -> Department | None:
        code = super().clean(value)
        if not code:
            return None
        department = Department.objects.select_related("division").filter(code=code).first()
        if department is None:
            raise forms.ValidationError(f"未知的部门代码“{code}”。")
        return department


class PickerForm(forms.Form):
    """A form with a ``department`` picker: ``dept_q`` is the search typed; the page lists
    the matches (``picker_options``), by htmx while typing or by the "查找" button."""

    dept_q = forms.CharField(label="查找部门", required=False, max_length=64)

    def picker_options(self) -> list[Department]:
        query = (self.data.get("dept_q") or "") if self.is_bound else ""
        return department_search(query, selected=self.selected_code())

    def selected_code(self) -> str:
        if self.is_bound:
            return str(self.data.get("department") or "")
        initial = self.fields["department"].initial
        return str(initial or "")


class AccountCreateForm(PickerForm):
    username = _username_field()
    display_name = forms.CharField(label="姓名", max_length=64)
    department = DepartmentField(label="部门", required=False,
                                 help_text="政府工作人员须选择所属部门；角色由安全管理员授予。")

    field_order = ["username", "display_name", "dept_q", "department"]


class GrantRoleForm(PickerForm):
    # The three administrators' roles come only from ``bootstrap_admins`` (三员分立).
    role = forms.ChoiceField(label="角色", choices=[(value, label) for value, label in Role.choices
                                                    if value not in ADMIN_ROLES])
    department = DepartmentField(label="部门", required=False)

    field_order = ["role", "dept_q", "department"]

    def __init__(self, *args: Any, target: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].initial = target.department.code if target.department else ""
        self.fields["role"].initial = target.role


class EnterpriseAccountForm(forms.Form):
    username = _username_field()
    display_name = forms.CharField(label="联系人姓名", max_length=64, required=False)


class ActivationForm(forms.Form):
    uscc = forms.CharField(label="统一社会信用代码", max_length=18, min_length=18)
    code = forms.CharField(label="激活码", max_length=32,
                           help_text="检查通知书上打印的激活码，如 ABCD-EFGH-JKLM")
    username = _username_field()
    password1 = forms.CharField(label="密码", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False)
    password2 = forms.CharField(label="再次输入密码", widget=forms.PasswordInput(
        attrs={"autocomplete": "new-password"}), strip=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", "两次输入的密码不一致。")
        return data
