from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rules.contrib.admin import ObjectPermissionsModelAdmin

from spotcheck.accounts.models import Department, Division, User

# Second-factor devices hold secrets: never in the admin; managed through accounts.otp only.
for _device in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_device):
        admin.site.unregister(_device)


@admin.register(Division)
class DivisionAdmin(ObjectPermissionsModelAdmin):
    list_display = ["code", "name", "kind"]


@admin.register(Department)
class DepartmentAdmin(ObjectPermissionsModelAdmin):
    list_display = ["code", "name", "division", "hosts_office", "is_justice"]
    list_filter = ["division"]


@admin.register(User)
class UserAdmin(ObjectPermissionsModelAdmin, BaseUserAdmin):
    list_display = ["username", "display_name", "role", "department", "is_active"]
    list_filter = ["role", "division"]
    # Roles change through the audited grant page (三员分立), not through the admin form.
    readonly_fields = ["role", "department", "division", "is_superuser", "groups",
                       "user_permissions", "last_login", "date_joined"]
