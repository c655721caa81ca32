from typing import Any

from django.contrib import admin
from rules.contrib.admin import ObjectPermissionsModelAdmin

from spotcheck.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ObjectPermissionsModelAdmin):
    """Read-only: the trail is append-only; only the audit administrator may view it."""

    list_display = ["seq", "at", "actor_name", "action", "object_id", "outcome", "client_ip"]
    list_filter = ["outcome", "action"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
