from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from spotcheck.publicity import views as publicity_views


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico before reading the page's icon link."""
    return redirect(static("img/favicon.ico"))


urlpatterns = [
    path("", publicity_views.front_door, name="home"),
    path("favicon.ico", favicon),
    path("accounts/", include("spotcheck.accounts.urls")),
    path("audit/", include("spotcheck.audit.urls")),
    path("registry/", include("spotcheck.registry.urls")),
    path("credit/", include("spotcheck.credit.urls")),
    path("roster/", include("spotcheck.roster.urls")),
    path("catalog/", include("spotcheck.catalog.urls")),
    path("draws/", include("spotcheck.draws.urls")),
    path("planning/", include("spotcheck.planning.urls")),
    path("inspections/", include("spotcheck.inspections.urls")),
    path("oversight/", include("spotcheck.oversight.urls")),
    path("public/notifications/", include("spotcheck.oversight.public_urls")),
    path("public/", include("spotcheck.publicity.urls")),
    path("publication/", include("spotcheck.publicity.work_urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

handler403 = "spotcheck.core.views.permission_denied"
# On /api/ paths Django's own errors come back in the API's error shape, not as HTML pages.
handler400 = "spotcheck.core.api.bad_request"
handler404 = "spotcheck.core.api.page_not_found"
handler500 = "spotcheck.core.api.server_error"
