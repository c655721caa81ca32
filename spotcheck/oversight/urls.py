from django.urls import path

from spotcheck.oversight import views
from spotcheck.oversight.risk_urls import urlpatterns as risk_urls

app_name = "oversight"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/", views.reports, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/file.<str:kind>", views.report_file, name="report_file"),
    path("notifications/<int:pk>/publish/", views.notification_publish, name="notification_publish"),
    path("accountability/", views.accountability_page, name="accountability"),
    *risk_urls,
]
