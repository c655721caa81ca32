"""Version 1 of the REST API: every app registers its endpoints here."""

from django.urls import include, path

from spotcheck.accounts import api as accounts_api
from spotcheck.audit import api as audit_api

app_name = "api"

urlpatterns = [
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("departments/", accounts_api.DepartmentList.as_view(), name="departments"),
    path("users/", accounts_api.UserList.as_view(), name="users"),
    path("audit/events/", audit_api.AuditEventList.as_view(), name="audit-events"),
    path("registry/", include("spotcheck.registry.api_urls")),
    path("roster/", include("spotcheck.roster.api_urls")),
    path("catalog/", include("spotcheck.catalog.api_urls")),
    path("draws/", include("spotcheck.draws.api_urls")),
    path("planning/", include("spotcheck.planning.api_urls")),
    path("inspections/", include("spotcheck.inspections.api_urls")),
    path("oversight/", include("spotcheck.oversight.api_urls")),
    path("credit/", include("spotcheck.credit.api_urls")),
    path("public/", include("spotcheck.publicity.api_urls")),
]
