from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from spotcheck.accounts.models import Department, User
from spotcheck.accounts.roles import Role
from verifier.verify_draw import uscc_check_char

PASSWORD = "Spot-check-2027"
ENTERPRISE_USCC = "91361100MA35TEXT0" + uscc_check_char("91361100MA35TEXT0")

# The department a role sits in by default, in the city.
DEFAULT_DEPT = {
    Role.OFFICE: "361100-SAMR",
    Role.JUSTICE: "361100-JUS",
    Role.DEPT_ADMIN: "361100-ENV",
    Role.PLANNER: "361100-ENV",
    Role.INSPECTOR: "361100-ENV",
}


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        dept_code: str | None = None

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    role = Role.PLANNER
    must_change_password = False
    password_changed_at = factory.LazyFunction(timezone.now)
    enterprise_uscc = factory.LazyAttribute(
        lambda o: ENTERPRISE_USCC if o.role == Role.ENTERPRISE else "")

    @factory.lazy_attribute
    def department(self) -> Department | None:
        code = self.dept_code or (DEFAULT_DEPT.get(Role(self.role)) if self.role else None)  # type: ignore[attr-defined]
        return Department.objects.get(code=code) if code else None

    @factory.lazy_attribute
    def division(self) -> Any:
        return self.department.division if self.department else None

    @factory.lazy_attribute
    def is_staff(self) -> bool:
        return self.role in {Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}

    @factory.post_generation
    def password(obj: User, create: bool, extracted: str | None, **kwargs: Any) -> None:
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])
