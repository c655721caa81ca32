"""DRF permission classes that ask the same ``rules`` permissions as the pages do."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission


class HasPerm(BasePermission):
    perm: str = ""

    @classmethod
    def of(cls, perm: str) -> type[HasPerm]:
        return type(f"HasPerm_{perm.replace('.', '_')}", (cls,), {"perm": perm})

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated
                    and request.user.has_perm(self.perm))

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return bool(request.user.has_perm(self.perm, obj))


class ObjectPerm(BasePermission):
    """Signed in at the view; ``perm`` on the object (for permissions that only make sense
    against an object, such as an inspector reading their own record)."""

    perm: str = ""

    @classmethod
    def of(cls, perm: str) -> type[ObjectPerm]:
        return type(f"ObjectPerm_{perm.replace('.', '_')}", (cls,), {"perm": perm})

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return bool(request.user.has_perm(self.perm, obj))
