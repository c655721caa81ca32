"""Sign-in by user name and password (``ModelBackend``), with no permission of its own.

What a user may do is decided by the rules of each app (django-rules: role, department,
division; ``rules.permissions.ObjectPermissionBackend`` before this one). No permission is
ever granted to a user or a group: the admin shows both read-only, and no account is a
superuser (constraint ``user_no_superuser``). Reading them would cost two queries on every
signed-in request for two sets that are always empty, so they are not read.

The signed-in user is read with their department, which every page's header names."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class PasswordBackend(ModelBackend):
    def get_user(self, user_id: Any) -> Any:
        model = get_user_model()
        try:
            user = model._default_manager.select_related("department").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_user_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()

    def get_group_permissions(self, user_obj: Any, obj: Any = None) -> set[str]:
        return set()
