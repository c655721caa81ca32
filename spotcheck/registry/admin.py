from django.contrib import admin
from rules.contrib.admin import ObjectPermissionsModelAdmin

from spotcheck.registry.models import KeyFieldTag


@admin.register(KeyFieldTag)
class KeyFieldTagAdmin(ObjectPermissionsModelAdmin):
    """The key-field vocabulary (R-A1) is configuration: the system administrator keeps it.
    A tag in use cannot be deleted (PROTECT); switch it off instead."""

    list_display = ["name", "seq", "is_active"]
    list_editable = ["seq", "is_active"]
