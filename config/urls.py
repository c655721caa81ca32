from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from spotcheck.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("spotcheck.accounts.urls")),
    path("audit/", include("spotcheck.audit.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "spotcheck.core.views.permission_denied"

if settings.DEBUG:  # pragma: no cover - development only
    urlpatterns += []
