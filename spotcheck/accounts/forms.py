from django import forms
from django.contrib.auth.forms import AuthenticationForm

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import Role


class SignInForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "用户名或密码错误。连续 5 次错误将锁定 30 分钟。",
        "inactive": "该账户已停用。",
    }


class GrantRoleForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=Role.choices)
    department = forms.ModelChoiceField(label="部门", queryset=Department.objects.none(),
                                        required=False)

    def __init__(self, *args: object, target: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["department"].queryset = Department.objects.select_related("division")  # type: ignore[attr-defined]
        self.fields["department"].initial = target.department_id
        self.fields["role"].initial = target.role
