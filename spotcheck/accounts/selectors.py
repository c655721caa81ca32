from __future__ import annotations

from django.db.models import QuerySet

from spotcheck.accounts.models import ApiToken, Department, User
from spotcheck.accounts.predicates import is_dept_admin


def department_list() -> QuerySet[Department]:
    return Department.objects.select_related("division").order_by("division_id", "seq")


def departments_importing_for(user: User | None) -> QuerySet[Department]:
    """The departments an import may write for: any from the command line (no user), a
    person's own department."""
    departments = Department.objects.all()
    return departments if user is None else departments.filter(users=user)


def user_list_for(user: User) -> QuerySet[User]:
    """Accounts the user may see: all for the system/security admins, own department else."""
    qs = User.objects.select_related("department", "division").order_by("username")
    if is_dept_admin(user):
        return qs.filter(department=user.department)
    return qs


def api_token_list_for(user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, newest first, revoked and expired ones included."""
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")
