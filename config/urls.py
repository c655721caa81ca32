from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from spotcheck.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("spotcheck.accounts.urls")),
    path("audit/", include("spotcheck.audit.urls")),
    path("registry/", include("spotcheck.registry.urls")),
    path("roster/", include("spotcheck.roster.urls")),
    path("catalog/", include("spotcheck.catalog.urls")),
    path("draws/", include("spotcheck.draws.urls")),
    path("planning/", include("spotcheck.planning.urls")),
    path("inspections/", include("spotcheck.inspections.urls")),
    path("public/", include("spotcheck.publicity.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "spotcheck.core.views.permission_denied"
